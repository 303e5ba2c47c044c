import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Clock } from '../domain/clock.js';
import { openPostgresStore, redact, type PgDb, type PgMigration } from './postgres/index.js';
import { migrations as registeredSqliteMigrations, type Migration } from './sqlite/migrations.js';

/**
 * `npm run store:copy`: every table of a SQLite store into PostgreSQL, generically. The tables and columns are
 * read from both catalogs, so a table or column a later migration adds (on both backends, as every migration is)
 * is copied without a change here. What the copy leaves out: SQLite's internal and FTS tables (PostgreSQL indexes
 * the text itself: its tsvector columns are generated from the copied text) and the migration records (the
 * PostgreSQL store keeps its own, written when it was opened). Rows already in PostgreSQL are kept as they are, so
 * a second run changes nothing.
 */
/**
 * Who runs now (instances' heartbeats, leases), Slack install flows under way (their state lives 10 minutes) and the
 * last hour's publishes (a pacing window): state of the running processes, not data to carry over.
 */
const RUNTIME_TABLES = new Set(['instances', 'leases', 'slack_oauth_states', 'publish_log']);

export interface TableReport {
  table: string;
  /** Rows newly written to PostgreSQL. */
  copied: number;
  /** Rows whose key PostgreSQL already held (kept as they were). */
  alreadyThere: number;
  /** Rows refused because another row holds one of their unique values (not copied). */
  conflicting: number;
  /** Why (part of) a table could not be copied; absent when all went well. */
  problem?: string;
}

export class CopyError extends Error {}

export interface CopyOptions {
  /** The SQLite file (never modified: opened read-only). */
  from: string;
  /** postgres://… (never printed). */
  to: string;
  schema?: string;
  now: Clock;
  /** Rows per INSERT statement. */
  batchRows?: number;
  /** The migration lists of this release (tests pass their own, as to openSqliteStore and openPostgresStore). */
  migrations?: { sqlite: readonly Migration[]; postgres: readonly PgMigration[] };
  /** Hears each table as soon as it is done. */
  onTable?: (report: TableReport) => void;
}

/** Opens both stores (PostgreSQL through the normal open path, which migrates it), copies, closes both. */
export async function copySqliteToPostgres(opts: CopyOptions): Promise<TableReport[]> {
  const source = openSource(opts.from, opts.migrations?.sqlite ?? registeredSqliteMigrations);
  try {
    let target;
    try {
      target = await openPostgresStore(opts.to, { now: opts.now, schema: opts.schema, poolSize: 2, migrations: opts.migrations?.postgres });
    } catch (err) {
      throw new CopyError(`cannot open PostgreSQL: ${redact((err as Error).message, opts.to).replace(/^PostgreSQL: /, '')}`);
    }
    try {
      return await copyTables(source, target.db, opts);
    } catch (err) {
      if (err instanceof CopyError) throw err;
      throw new CopyError(redact((err as Error).message, opts.to));
    } finally {
      await target.close();
    }
  } finally {
    source.close();
  }
}

function openSource(path: string, migrations: readonly Migration[]): Database.Database {
  if (!existsSync(path)) throw new CopyError(`no SQLite store at ${path} (--from <file> names another)`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new CopyError(`cannot open the SQLite store at ${path}: ${(err as Error).message}`);
  }
  // Only a store at this release's schema copies faithfully (an older one lacks what its migrations would fill in).
  const hasLedger = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get();
  const done = new Set(hasLedger ? (db.prepare('SELECT id FROM schema_migrations').all() as Array<{ id: string }>).map((r) => r.id) : []);
  const known = migrations.map((m) => m.id);
  const newer = [...done].filter((id) => !known.includes(id));
  const missing = known.filter((id) => !done.has(id));
  if (!hasLedger || newer.length || missing.length) {
    db.close();
    if (!hasLedger) throw new CopyError(`${path} is not a Newsdesk store (it has no schema_migrations table)`);
    if (newer.length) throw new CopyError(`the SQLite store at ${path} is newer than this Newsdesk (unknown migrations: ${newer.join(', ')}); copy with a newer release`);
    throw new CopyError(`the SQLite store at ${path} is older than this Newsdesk (missing migrations: ${missing.join(', ')}); start Newsdesk on it once to migrate it, then copy`);
  }
  return db;
}

interface PgColumn { name: string; type: string; surrogate: boolean; generated: boolean; identityAlways: boolean }
interface PgTable { name: string; columns: Map<string, PgColumn>; uniqueKeys: string[][]; primaryKey: string[] | null; dependsOn: Set<string> }

async function copyTables(source: Database.Database, target: PgDb, opts: CopyOptions): Promise<TableReport[]> {
  const pgTables = await readPgCatalog(target);
  const reports: TableReport[] = [];
  const done = (r: TableReport) => {
    reports.push(r);
    opts.onTable?.(r);
  };
  const tables = (source.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'").all() as Array<{ name: string }>)
    .map((t) => t.name)
    .filter((name) => !name.startsWith('sqlite_') && name !== 'schema_migrations' && !RUNTIME_TABLES.has(name));
  const copyable = tables.filter((name) => {
    if (pgTables.has(name)) return true;
    done({ table: name, copied: 0, alreadyThere: 0, conflicting: 0, problem: 'PostgreSQL has no such table' });
    return false;
  });
  // One read transaction: every table comes from the same moment of the SQLite store, even while Newsdesk writes to it.
  source.exec('BEGIN');
  try {
    for (const name of dependencyOrder(copyable, pgTables)) done(await copyTable(source, target, pgTables.get(name)!, opts.batchRows ?? 500));
  } finally {
    source.exec('COMMIT');
  }
  return reports;
}

async function copyTable(source: Database.Database, target: PgDb, table: PgTable, batchRows: number): Promise<TableReport> {
  const sqliteColumns = (source.prepare('SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0').all(table.name) as Array<{ name: string }>).map((c) => c.name);
  const shared = sqliteColumns.filter((c) => table.columns.has(c) && !table.columns.get(c)!.generated);
  const left = sqliteColumns.filter((c) => !table.columns.has(c));
  const report: TableReport = { table: table.name, copied: 0, alreadyThere: 0, conflicting: 0 };
  if (left.length) report.problem = `columns PostgreSQL lacks, not copied: ${left.join(', ')}`;
  const key = identifyingKey(table, shared);
  if (!key) return { ...report, problem: 'no primary or unique key on PostgreSQL to keep a second copy from duplicating rows: not copied' };
  // A serial column outside the identifying key is PostgreSQL's to number (in SQLite's order): rows already there keep theirs.
  const columns = shared.filter((c) => !table.columns.get(c)!.surrogate || key.includes(c));
  const q = quoteIdent;
  const overriding = columns.some((c) => table.columns.get(c)!.identityAlways) ? 'OVERRIDING SYSTEM VALUE' : '';
  const sql = `WITH input AS (SELECT ${columns.map((c) => `r.${q(c)}`).join(', ')}, r.ordinality AS nd_order
        FROM jsonb_populate_recordset(NULL::${q(table.name)}, $1::jsonb) WITH ORDINALITY AS r),
      ins AS (INSERT INTO ${q(table.name)} (${columns.map(q).join(', ')}) ${overriding}
        SELECT ${columns.map(q).join(', ')} FROM input ORDER BY nd_order ON CONFLICT DO NOTHING RETURNING 1)
    SELECT (SELECT count(*) FROM ins) AS copied,
      (SELECT count(*) FROM input i WHERE EXISTS (SELECT 1 FROM ${q(table.name)} t WHERE ${key.map((c) => `t.${q(c)} = i.${q(c)}`).join(' AND ')})) AS there`;

  const rowid = (source.prepare('SELECT wr FROM pragma_table_list WHERE schema = ? AND name = ?').get('main', table.name) as { wr: number }).wr === 0;
  const order = rowid ? 'rowid' : sqlitePrimaryKey(source, table.name).map(q).join(', ');
  const read = source.prepare(`SELECT ${columns.map(q).join(', ')} FROM ${q(table.name)} ORDER BY ${order}`).safeIntegers(true);
  const types = columns.map((c) => table.columns.get(c)!.type);
  const flush = async (batch: Array<Record<string, unknown>>) => {
    const r = (await target.one<{ copied: number; there: number }>(sql, [JSON.stringify(batch)]))!;
    report.copied += r.copied;
    report.alreadyThere += r.there;
    report.conflicting += batch.length - r.copied - r.there;
  };
  await target.transaction(async () => {
    let batch: Array<Record<string, unknown>> = [];
    for (const row of read.iterate() as Iterable<Record<string, unknown>>) {
      const out: Record<string, unknown> = {};
      columns.forEach((c, i) => (out[c] = toJsonValue(row[c], types[i])));
      batch.push(out);
      if (batch.length >= batchRows) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length) await flush(batch);
    if (report.copied > 0) await bumpSequences(target, table, columns);
  });
  if (report.copied > 0) await target.query(`ANALYZE ${q(table.name)}`);
  if (report.conflicting > 0 && !report.problem) report.problem = 'not copied: another row holds one of their unique values';
  return report;
}

/** The key that says a row is already there: one without serial numbers if the table has one, else the primary key. */
function identifyingKey(table: PgTable, columns: string[]): string[] | null {
  const usable = table.uniqueKeys.filter((k) => k.every((c) => columns.includes(c)));
  const natural = usable.filter((k) => k.every((c) => !table.columns.get(c)!.surrogate));
  const pk = table.primaryKey && usable.some((k) => k === table.primaryKey) ? table.primaryKey : null;
  if (pk && natural.includes(pk)) return pk;
  return natural[0] ?? pk ?? usable[0] ?? null;
}

/** Sequences move past the copied numbers (never back), so the next row PostgreSQL numbers is a new one. */
async function bumpSequences(target: PgDb, table: PgTable, columns: string[]): Promise<void> {
  for (const c of columns.filter((name) => table.columns.get(name)!.surrogate)) {
    const seq = (await target.one<{ s: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS s', [quoteIdent(table.name), c]))?.s;
    if (!seq) continue;
    await target.query(
      `SELECT setval($1::regclass, m) FROM (SELECT max(${quoteIdent(c)}) AS m FROM ${quoteIdent(table.name)}) x
       WHERE m IS NOT NULL AND m > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ${seq})`,
      [seq],
    );
  }
}

async function readPgCatalog(db: PgDb): Promise<Map<string, PgTable>> {
  const columns = await db.rows<{ tbl: string; name: string; type: string; def: string | null; generated: string; identity: string }>(
    `SELECT c.relname AS tbl, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
        pg_get_expr(d.adbin, d.adrelid) AS def, a.attgenerated AS generated, a.attidentity AS identity
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum`,
    [db.schema],
  );
  const tables = new Map<string, PgTable>();
  for (const col of columns) {
    let t = tables.get(col.tbl);
    if (!t) tables.set(col.tbl, (t = { name: col.tbl, columns: new Map(), uniqueKeys: [], primaryKey: null, dependsOn: new Set() }));
    t.columns.set(col.name, {
      name: col.name, type: col.type, generated: col.generated !== '',
      surrogate: col.identity !== '' || /^nextval\(/.test(col.def ?? ''), identityAlways: col.identity === 'a',
    });
  }
  // Unique indexes on plain columns, without a predicate: what ON CONFLICT DO NOTHING meets. Narrowest first.
  const keys = await db.rows<{ tbl: string; cols: string[]; primary: boolean }>(
    `SELECT c.relname AS tbl, i.indisprimary AS primary,
        array(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, pos)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.pos)::text[] AS cols
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
      ORDER BY c.relname, array_length(i.indkey::int2[], 1), (i.indkey::int2[])[0]`,
    [db.schema],
  );
  for (const k of keys) {
    const t = tables.get(k.tbl);
    if (!t) continue;
    t.uniqueKeys.push(k.cols);
    if (k.primary) t.primaryKey = k.cols;
  }
  const refs = await db.rows<{ tbl: string; ref: string }>(
    `SELECT c.relname AS tbl, r.relname AS ref FROM pg_constraint f
      JOIN pg_class c ON c.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE f.contype = 'f' AND n.nspname = $1`,
    [db.schema],
  );
  for (const r of refs) if (r.tbl !== r.ref) tables.get(r.tbl)?.dependsOn.add(r.ref);
  return tables;
}

/** Referenced tables before the tables that reference them (foreign keys hold row by row); otherwise by name. */
function dependencyOrder(names: string[], tables: Map<string, PgTable>): string[] {
  const out: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (out.includes(name) || visiting.has(name) || !names.includes(name)) return;
    visiting.add(name);
    for (const dep of [...tables.get(name)!.dependsOn].sort()) visit(dep);
    out.push(name);
  };
  for (const name of [...names].sort()) visit(name);
  return out;
}

function sqlitePrimaryKey(db: Database.Database, table: string): string[] {
  return (db.prepare('SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk').all(table) as Array<{ name: string }>).map((c) => c.name);
}

/** A SQLite value as JSON that jsonb_populate_recordset reads back exactly into the PostgreSQL column's type. */
function toJsonValue(value: unknown, pgType: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (typeof value === 'string' && (pgType === 'json' || pgType === 'jsonb')) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
