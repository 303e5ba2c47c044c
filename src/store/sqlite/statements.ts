import type { Database, Statement } from 'better-sqlite3';

/**
 * Statements prepared once per connection, on first use (a store opened with a subset of the migrations never
 * prepares what it does not run): the fan-out runs the same few for every (article, subscription) of a bulk load.
 */
export function preparedOnce(db: Database): (sql: string) => Statement {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
}
