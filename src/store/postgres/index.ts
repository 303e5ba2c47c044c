import { PgPublishLog } from './publish-log.js';
import { PgOps } from './ops.js';
import type { Clock } from '../../domain/clock.js';
import type { Store } from '../types.js';
import { PgArticleStore } from './articles.js';
import { PgDb, redact } from './db.js';
import { pgMigrations, runPgMigrations, type PgMigration } from './migrations.js';
import { PgOutbox } from './outbox.js';
import { PgCoordination } from './coordination.js';
import { PgOAuthStates, PgSlackInstallations } from './slack-installations.js';
import { PgPacingState, PgActionStateStore, PgAuditLog, PgFeedState, PgStories, PgSubscriptions } from './small-stores.js';

export { PgDb, redact } from './db.js';
export { pgMigrations, runPgMigrations, type PgMigration } from './migrations.js';
export { PgArticleStore } from './articles.js';

export interface OpenPostgresStoreOptions {
  /** The application clock: publication defaults, recency in ranking, due times (never the database's now()). */
  now: Clock;
  /** Where the tables live (default `public`); tests give each file its own. */
  schema?: string;
  migrations?: readonly PgMigration[];
  poolSize?: number;
  chunkSize?: number;
  /** Liveness of instances (default 3 s): a stopped instance's sending and leases pass on within about that. */
  heartbeatTtlMs?: number;
  /** How long an outbox claim holds at most, even for a live instance (longer than any send's timeout). */
  claimTtlMs?: number;
  onCoordinationProblem?: (what: string, err: unknown) => void;
}

export interface PostgresStore extends Store {
  readonly backend: 'postgres';
  readonly schema: string;
  /** The pool, for the store's own tests and tools (never for other parts). */
  db: PgDb;
  articles: PgArticleStore;
  coordination: PgCoordination;
}

/**
 * Connects, applies the missing migrations under an advisory lock, and builds every store over one pool.
 * Errors never carry the connection string.
 */
export async function openPostgresStore(url: string, opts: OpenPostgresStoreOptions): Promise<PostgresStore> {
  const schema = opts.schema ?? 'public';
  const db = new PgDb(url, schema, { max: opts.poolSize });
  try {
    await runPgMigrations(db, opts.migrations ?? pgMigrations);
  } catch (err) {
    await db.end().catch(() => {});
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`PostgreSQL: ${redact(msg, url)}`);
  }
  const articles = new PgArticleStore(db, { now: opts.now, chunkSize: opts.chunkSize });
  const coordination = new PgCoordination(db, url, { heartbeatTtlMs: opts.heartbeatTtlMs, onProblem: opts.onCoordinationProblem });
  let closed = false;
  return {
    backend: 'postgres',
    schema,
    db,
    articles,
    subscriptions: new PgSubscriptions(db),
    stories: new PgStories(db),
    outbox: new PgOutbox(db, { instanceId: coordination.instanceId, claimTtlMs: opts.claimTtlMs ?? 120_000 }),
    coordination,
    audit: new PgAuditLog(db),
    feedState: new PgFeedState(db),
    ops: new PgOps(db),
    actionState: new PgActionStateStore(db, { now: () => opts.now().getTime() }),
    pacingState: new PgPacingState(db),
    publishLog: new PgPublishLog(db),
    slackInstallations: new PgSlackInstallations(db),
    oauthStates: new PgOAuthStates(db),
    transaction: (fn) => db.transaction(fn),
    afterCommit: (fn) => db.afterCommit(fn),
    // The alert_outbox_due trigger's NOTIFY reaches every instance, this one included.
    onOutboxChange: (fn) => coordination.listen('outbox', fn),
    async ping() {
      try {
        return (await db.one<{ ok: number }>('SELECT 1 AS ok'))?.ok === 1;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await coordination.stop();
      await articles.close();
      await db.end();
    },
  };
}
