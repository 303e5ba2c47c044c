import { parseArgs } from 'node:util';
import { systemClock } from '../domain/clock.js';
import { ConfigError, loadConfig, loadEnvFile } from '../config.js';
import { copySqliteToPostgres, CopyError, type TableReport } from './copy.js';
import { redact } from './postgres/index.js';

const USAGE = 'usage: npm run store:copy -- --to postgres://… [--from <sqlite file>] [--schema <name>]';

/**
 * `npm run store:copy -- --to postgres://…`: the SQLite store (DATABASE_PATH, or --from) into PostgreSQL (--to, else
 * DATABASE_URL; --schema, else DATABASE_SCHEMA), one line per table. Never prints the connection string.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { to: { type: 'string' }, from: { type: 'string' }, schema: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  loadEnvFile();
  const config = loadConfig();
  const to = values.to ?? config.DATABASE_URL;
  if (!to) {
    process.stderr.write(`store:copy: no PostgreSQL to copy to: give --to (or set DATABASE_URL)\n${USAGE}\n`);
    return 1;
  }
  if (!/^postgres(ql)?:\/\/\S+$/.test(to)) throw new CopyError('--to must be a postgres://… connection string');
  const from = values.from ?? config.databasePath;
  const schema = values.schema ?? config.DATABASE_SCHEMA;
  const width = 24;
  const reports = await copySqliteToPostgres({
    from, to, schema, now: systemClock,
    onTable: (r: TableReport) => {
      const counts = `${r.copied} copied, ${r.alreadyThere} already there${r.conflicting ? `, ${r.conflicting} conflicting` : ''}`;
      process.stdout.write(`${r.table.padEnd(width)} ${counts}${r.problem ? ` (${r.problem})` : ''}\n`);
    },
  });
  const troubled = reports.filter((r) => r.problem);
  if (troubled.length) {
    process.stderr.write(`store:copy: ${troubled.length} table(s) not copied in full: ${troubled.map((r) => r.table).join(', ')}\n`);
    return 1;
  }
  const sum = (pick: (r: TableReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  process.stdout.write(`${'(all)'.padEnd(width)} ${sum((r) => r.copied)} copied, ${sum((r) => r.alreadyThere)} already there: ${from} is in PostgreSQL schema "${schema}"\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof CopyError || err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = redact(err instanceof Error ? err.message : String(err));
    process.stderr.write(`store:copy: ${known ? message : `failed: ${message}`}\n`);
    process.exit(1);
  },
);
