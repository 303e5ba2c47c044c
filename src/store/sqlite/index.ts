import type { SqliteDatabase } from './db.js';
import { openDatabase } from './db.js';
import type { Migration } from './migrations.js';
import { SqliteActionStateStore } from './action-state.js';
import { SqlitePacingState } from './pacing-state.js';
import { SqlitePublishLog } from './publish-log.js';
import { SqliteArticleStore } from './articles.js';
import type { Clock } from '../../domain/clock.js';
import type { Store } from '../types.js';
import { SqliteAuditLog } from './audit.js';
import { SqliteFeedState } from './feed-state.js';
import { SqliteOutbox } from './outbox.js';
import { SqliteOps } from './ops.js';
import { SqliteStories } from './stories.js';
import { SqliteSubscriptions } from './subscriptions.js';
import { asyncStore, lockedWrites, OUTBOX_DUE_WRITES, OutboxWakeups, SqliteTransactions } from './tx.js';
import { SqliteOAuthStates, SqliteSlackInstallations } from './slack-installations.js';

export { openDatabase, runMigrations, type SqliteDatabase } from './db.js';
export { migrations, type Migration } from './migrations.js';
export { SqliteArticleStore } from './articles.js';
export { SqliteActionStateStore } from './action-state.js';

export interface OpenSqliteStoreOptions {
  migrations?: readonly Migration[];
  /** Rows per transaction in bulk loads. */
  chunkSize?: number;
  /** The application clock (src/domain/clock.ts). */
  now: Clock;
  /** One attempt's wait for another process's lock, inside the driver (see db.ts). */
  busyTimeoutMs?: number;
  /** How long a write keeps trying for another process's lock before SQLITE_BUSY (see tx.ts). */
  busyBoundMs?: number;
}

/** Every store on one SQLite connection; `db` is for the store's own tests and tools (never for other parts). */
export interface SqliteStore extends Store {
  readonly backend: 'sqlite';
  /** The connection, migrated. */
  db: SqliteDatabase;
  articles: SqliteArticleStore;
  actionState: SqliteActionStateStore;
  pacingState: SqlitePacingState;
}

/** Opens the file (or `:memory:`), applies every migration, and builds the stores over one connection. */
export function openSqliteStore(path: string, opts: OpenSqliteStoreOptions): SqliteStore {
  const db = openDatabase(path, { migrations: opts.migrations, busyTimeoutMs: opts.busyTimeoutMs });
  const tx = new SqliteTransactions(db, { busyBoundMs: opts.busyBoundMs });
  const articles = new SqliteArticleStore(db, { chunkSize: opts.chunkSize, now: opts.now, tx });
  const actionState = lockedWrites(new SqliteActionStateStore(db, { now: () => opts.now().getTime() }), tx, ['put']);
  const pacingState = lockedWrites(new SqlitePacingState(db), tx, ['saveCeiling']);
  // Built on first use: a store opened with a subset of the migrations (tests, tools) may lack their tables.
  const lazy = <T>(make: () => T) => {
    let made: T | undefined;
    return () => (made ??= make());
  };
  const subscriptions = lazy(() => asyncStore(new SqliteSubscriptions(db), tx, ['create', 'setPaused', 'setQuiet', 'setMentionRules', 'remove', 'stopScope', 'startScope']));
  const stories = lazy(() => asyncStore(new SqliteStories(db), tx, ['addStory', 'setShown', 'addRecall', 'decide', 'setLabel']));
  const outboxChanged = new OutboxWakeups(tx);
  const outbox = lazy(() => outboxChanged.around(asyncStore(new SqliteOutbox(db), tx, [
    'insert', 'insertMany', 'retarget', 'reassign', 'sourcesJoined', 'claimPost', 'claimEdit', 'markSent', 'markThreaded', 'markEdited', 'retry', 'releaseClaim', 'finish', 'giveUpEdit',
    'markMembersSent', 'failMembers', 'skipQueued', 'failQueued', 'releaseDigests', 'resumeEdits', 'holdInto', 'nudge', 'recallRows', 'claimDelete', 'markDeleted',
    'releaseWaiting', 'skipWaiting', 'touchPreviews', 'relabel',
  ]), OUTBOX_DUE_WRITES));
  const audit = lazy(() => asyncStore(new SqliteAuditLog(db), tx, ['append']));
  const feedState = lazy(() => asyncStore(new SqliteFeedState(db), tx, ['save', 'forgetItems', 'markSeen']));
  const slackInstallations = lazy(() => lockedWrites(new SqliteSlackInstallations(db), tx, ['put', 'delete']));
  const oauthStates = lazy(() => lockedWrites(new SqliteOAuthStates(db), tx, ['put', 'take']));
  const ops = lazy(() => asyncStore(new SqliteOps(db), tx, ['setChannel', 'openProblem', 'closeProblem']));
  const publishLog = lazy(() => new SqlitePublishLog(db));
  let closed = false;
  return {
    backend: 'sqlite',
    db,
    articles,
    actionState,
    pacingState,
    get subscriptions() {
      return subscriptions();
    },
    get stories() {
      return stories();
    },
    get publishLog() {
      return publishLog();
    },
    get outbox() {
      return outbox();
    },
    get audit() {
      return audit();
    },
    get feedState() {
      return feedState();
    },
    get slackInstallations() {
      return slackInstallations();
    },
    get oauthStates() {
      return oauthStates();
    },
    get ops() {
      return ops();
    },
    transaction: (fn) => tx.transaction(fn),
    afterCommit: (fn) => tx.afterCommit(fn),
    onOutboxChange: (fn) => outboxChanged.listen(fn),
    async ping() {
      return db.open && db.prepare('SELECT 1 AS ok').get() !== undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      await articles.close();
      // Fold the WAL back into the main file so a copied .db is complete.
      if (db.open && path !== ':memory:') {
        try {
          db.pragma('wal_checkpoint(TRUNCATE)');
        } catch {
          // Another connection may hold it; the WAL is still valid.
        }
      }
      db.close();
    },
  };
}
