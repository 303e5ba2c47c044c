import type { Database } from 'better-sqlite3';

/**
 * Widen one of alert_outbox's CHECK lists (`kind` or `state`) with new values. SQLite cannot alter a CHECK in place:
 * the table is rebuilt from its own stored definition (whatever columns earlier migrations added), rows copied, and
 * its indexes and triggers re-created. Values already allowed are left as they are, so a migration may run on a
 * table that already has them.
 */
export function extendOutboxCheck(db: Database, column: 'kind' | 'state', values: readonly string[]): void {
  const table = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'alert_outbox'").get() as { sql: string };
  const extras = db.prepare("SELECT sql FROM sqlite_schema WHERE tbl_name = 'alert_outbox' AND type IN ('index', 'trigger') AND sql IS NOT NULL").all() as Array<{ sql: string }>;
  const pattern = new RegExp(`CHECK\\s*\\(\\s*${column}\\s+IN\\s*\\(([^)]*)\\)\\s*\\)`, 'i');
  const found = pattern.exec(table.sql);
  if (!found) throw new Error(`alert_outbox has no ${column} CHECK to extend`);
  const missing = values.filter((v) => !found[1].includes(`'${v}'`));
  if (missing.length === 0) return;
  const list = `${found[1]},${missing.map((v) => `'${v}'`).join(',')}`;
  const rebuilt = table.sql
    .replace(pattern, `CHECK (${column} IN (${list}))`)
    .replace(/^CREATE TABLE\s+"?alert_outbox"?/i, 'CREATE TABLE alert_outbox_rebuilt');
  db.exec(rebuilt);
  db.exec('INSERT INTO alert_outbox_rebuilt SELECT * FROM alert_outbox');
  db.exec('DROP TABLE alert_outbox');
  db.exec('ALTER TABLE alert_outbox_rebuilt RENAME TO alert_outbox');
  for (const { sql } of extras) db.exec(sql);
}
