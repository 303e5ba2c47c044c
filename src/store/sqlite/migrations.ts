import { PUBLISH_LOG_SCHEMA } from './publish-log.js';
import { BRIEFING_SCHEDULES_SCHEMA, RECALLS_SCHEMA, SCOPE_STOPS_SCHEMA, SOURCES_SCHEMA } from '../outbox-rows.js';
import type { Database } from 'better-sqlite3';
import { logger } from '../../log.js';
import { FEED_STATE_SCHEMA } from './feed-state.js';
import { AUDIT_SCHEMA } from './audit.js';
import { OUTBOX_PENDING_INDEX, OUTBOX_SCHEMA } from './outbox.js';
import { allowOutboxNotices, OPS_SCHEMA } from './ops.js';
import { PACING_STATE_SCHEMA } from './pacing-state.js';
import { SUBSCRIPTIONS_SCHEMA } from './subscriptions.js';
import { SLACK_INSTALLATIONS_SCHEMA } from './slack-installations.js';
import { cjkBigrams, hasCjk } from '../cjk.js';
import { tagsFor } from './fts-query.js';
import { extendOutboxCheck } from './outbox-checks.js';
import { APPROVALS_SCHEMA } from '../approval-rows.js';
import { packBody } from './body-codec.js';

/**
 * Every schema change, in the order it is applied. Never edit a migration that has shipped: append a new one.
 * Id ranges: 100–199 articles and store (this file's owner), 200–299 alerts.
 */
export interface Migration {
  id: string;
  up: (db: Database) => void;
}

export const migrations: Migration[] = [
  {
    id: '100-articles',
    up: (db) =>
      db.exec(`
        -- seq is arrival order (appends stay cheap); pub_key is the publication time (ms x 1024, plus a slot for
        -- articles of the same millisecond) and is the FTS rowid: newest-first and since: are rowid ranges,
        -- and ranking reads age off the rowid.
        CREATE TABLE articles (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          url TEXT,
          canonical_url TEXT,
          title TEXT NOT NULL,
          dek TEXT NOT NULL DEFAULT '',
          body TEXT NOT NULL DEFAULT '',
          section TEXT NOT NULL COLLATE NOCASE,
          topics TEXT NOT NULL DEFAULT '[]',
          source TEXT NOT NULL COLLATE NOCASE,
          author TEXT NOT NULL DEFAULT '',
          published_at TEXT NOT NULL,
          published_ms INTEGER NOT NULL,
          updated_at TEXT NOT NULL,
          priority TEXT NOT NULL CHECK (priority IN ('breaking','urgent','routine')),
          status TEXT NOT NULL CHECK (status IN ('published','corrected','retracted')),
          image_url TEXT,
          related TEXT NOT NULL DEFAULT '[]',
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          ingested_at TEXT NOT NULL,
          version_stored_at TEXT NOT NULL,
          pub_key INTEGER NOT NULL UNIQUE
        );
        CREATE INDEX articles_canonical_url ON articles(canonical_url) WHERE canonical_url IS NOT NULL;
        CREATE INDEX articles_section_key ON articles(section, pub_key);
        CREATE INDEX articles_source_key ON articles(source, pub_key);

        -- Superseded versions only: the current one is the articles row (history() joins the two).
        CREATE TABLE article_versions (
          article_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          title TEXT NOT NULL,
          dek TEXT NOT NULL,
          body TEXT NOT NULL,
          priority TEXT NOT NULL,
          status TEXT NOT NULL,
          content_hash TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          stored_at TEXT NOT NULL,
          PRIMARY KEY (article_id, version)
        ) WITHOUT ROWID;

        -- Contentless: the text lives once, in articles. The tags column carries filter tokens (section,
        -- source) so filters are applied by the index itself, inside the ranked query. No prefix indexes:
        -- autocomplete has its own headlines-only index below, a fraction of the size.
        CREATE VIRTUAL TABLE articles_fts USING fts5(
          title, dek, body, tags,
          content = '', contentless_delete = 1,
          tokenize = 'porter unicode61 remove_diacritics 2'
        );
        -- Unstemmed, so a half-typed word is a prefix of what was written.
        CREATE VIRTUAL TABLE titles_fts USING fts5(
          title,
          content = '', contentless_delete = 1,
          tokenize = 'unicode61 remove_diacritics 2',
          prefix = '2 3'
        );
      `),
  },
  {
    id: '110-action-state',
    up: (db) =>
      db.exec(`
        CREATE TABLE action_state (
          key TEXT PRIMARY KEY,
          state TEXT NOT NULL,
          expires_ms INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX action_state_expires ON action_state(expires_ms);
      `),
  },
  // Alerts: subscriptions, the outbox (references subscriptions), the append-only audit log.
  { id: '200-alert-subscriptions', up: (db) => db.exec(SUBSCRIPTIONS_SCHEMA) },
  { id: '201-alert-outbox', up: (db) => db.exec(OUTBOX_SCHEMA) },
  { id: '202-alert-audit', up: (db) => db.exec(AUDIT_SCHEMA) },
  { id: '203-alert-outbox-pending', up: (db) => db.exec(OUTBOX_PENDING_INDEX) },
  // Feed polling state (validators, first poll done, health, first-seen times): src/ingest/feeds/state.ts.
  { id: '300-feeds', up: (db) => db.exec(FEED_STATE_SCHEMA) },
  {
    // Word statistics for ranking (term-stats.ts): the share of a sample of stories each common index term is in.
    id: '120-search-term-stats',
    up: (db) =>
      db.exec(`
        CREATE TABLE search_term_stats (
          term TEXT PRIMARY KEY,
          share REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE search_stats_meta (
          key TEXT PRIMARY KEY,
          value NUMERIC NOT NULL
        ) WITHOUT ROWID;
      `),
  },
  {
    // Every article gets the origin that may change it (push | files | feed:<id>). Feed rows are known by their
    // id prefix; the others cannot be told apart and stay NULL until the newsroom (push or files) writes them.
    // The story table learns each member's origin: within one origin, distinct items are distinct stories.
    id: '140-article-origin',
    up: (db) => {
      db.exec(`
        ALTER TABLE articles ADD COLUMN origin TEXT;
        UPDATE articles SET origin = 'feed:' || substr(id, 1, instr(id, ':') - 1)
          WHERE instr(id, ':') > 1 AND substr(id, 1, instr(id, ':') - 1) IN (SELECT feed_id FROM feed_state);
        CREATE INDEX articles_origin ON articles(origin);
        ALTER TABLE alert_stories ADD COLUMN origin TEXT;
        UPDATE alert_stories SET origin = (SELECT origin FROM articles WHERE articles.id = alert_stories.article_id);
        CREATE TABLE story_shown (
          story_id TEXT PRIMARY KEY,
          article_id TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
      const unknown = (db.prepare('SELECT count(*) AS n FROM articles WHERE origin IS NULL').get() as { n: number }).n;
      const merged = (db.prepare('SELECT count(*) AS n FROM articles WHERE origin IS NULL AND version > 1').get() as { n: number }).n;
      if (unknown > 0) {
        logger.warn({ articles: unknown, withSeveralVersions: merged }, 'articles stored before origins existed: the push API or data/ files adopt them on their next write; rows a feed may have merged into them stay as they are');
      }
    },
  },
  // Alerts pacing: ceilings learned per workspace (src/store/sqlite/pacing-state.ts).
  { id: '210-pacing-state', up: (db) => db.exec(PACING_STATE_SCHEMA) },
  {
    // Several instances (PostgreSQL): liveness, leases and outbox claims. One process owns a SQLite file, so here
    // the tables stay empty; they exist so one migration list (and store:copy) describes both backends.
    id: '400-instances',
    up: (db) => db.exec(`
      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        feeds TEXT,
        time_zone TEXT
      );
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        acquired_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      ALTER TABLE alert_outbox ADD COLUMN claimed_by TEXT;
      ALTER TABLE alert_outbox ADD COLUMN claim_expires INTEGER;
    `),
  },
  // PostgreSQL indexes story positions (seq) for instances reading each other's stories; here the rowid is the
  // position and is indexed already.
  { id: '410-story-positions', up: () => {} },
  // PostgreSQL keeps each article's search vector in its row instead of TOAST (search reads it for every match) and
  // indexes stemmed headlines; FTS5 keeps its index apart already, with a headline column.
  { id: '150-search-storage', up: () => {} },
  // PostgreSQL bounds its GIN indexes' pending lists (read whole by every search); FTS5 has none.
  { id: '160-search-gin-pending', up: () => {} },
  // Embargoes (newsroom controls I): the time a held story lifts, null once lifted. Held rows are few; the partial
  // index serves the lift timer (the earliest held) and the lift itself.
  {
    id: '420-embargo',
    up: (db) => db.exec(`
      ALTER TABLE articles ADD COLUMN embargo_ms INTEGER;
      CREATE INDEX articles_embargo ON articles(embargo_ms) WHERE embargo_ms IS NOT NULL;
    `),
  },
  // /alerts stop: one row per stopped server or workspace; the outbox's due-work queries leave their rows out.
  { id: '430-scope-stops', up: (db) => db.exec(SCOPE_STOPS_SCHEMA) },
  // The newsroom's kill: articles.status gains 'killed'. SQLite cannot alter a CHECK: the table is rebuilt from its own
  // definition (same columns, same rowids, so the FTS indexes keyed by pub_key stay valid), and its indexes recreated.
  {
    id: '440-article-killed',
    up: (db) => {
      const table = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'articles'").get() as { sql: string }).sql;
      const indexes = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles' AND sql IS NOT NULL").all() as Array<{ sql: string }>;
      const before = "CHECK (status IN ('published','corrected','retracted'))";
      if (!table.includes(before)) throw new Error('the articles table is not as migration 100 left it');
      db.exec(table.replace(before, "CHECK (status IN ('published','corrected','retracted','killed'))").replace(/^CREATE TABLE articles\b/, 'CREATE TABLE articles_rebuilt'));
      db.exec('INSERT INTO articles_rebuilt SELECT * FROM articles; DROP TABLE articles; ALTER TABLE articles_rebuilt RENAME TO articles;');
      for (const index of indexes) db.exec(index.sql);
    },
  },
  // Recalls and kills: overlays on stories; the outbox learns deletes and keeps its thread replies' references.
  { id: '450-recalls', up: (db) => db.exec(RECALLS_SCHEMA) },
  // Slack for many workspaces (OAuth): installations with sealed tokens, and the install flow's states (src/store/sqlite/slack-installations.ts).
  { id: '700-slack-installations', up: (db) => db.exec(SLACK_INSTALLATIONS_SCHEMA) },
  // Operations channels (/alerts ops) and their open problems; notices through the outbox (src/store/sqlite/ops.ts).
  { id: '600-ops-channels', up: (db) => db.exec(OPS_SCHEMA) },
  { id: '601-outbox-notices', up: (db) => allowOutboxNotices(db) },
  {
    // Chinese, Japanese and Korean runs are indexed as character bigrams (src/store/cjk.ts): the stories already
    // stored with such text are indexed again. Only they change; the headlines index (autocomplete) keeps whole runs.
    id: '510-search-cjk-bigrams',
    up: (db) => {
      db.function('newsdesk_has_cjk', { deterministic: true }, (text) => (hasCjk(String(text)) ? 1 : 0));
      const rows = db.prepare(`SELECT pub_key, title, dek, body, section, source FROM articles
        WHERE newsdesk_has_cjk(title || ' ' || dek || ' ' || body) AND embargo_ms IS NULL AND status <> 'killed'`).all() as Array<{ pub_key: number; title: string; dek: string; body: string; section: string; source: string }>;
      const remove = db.prepare('DELETE FROM articles_fts WHERE rowid = ?');
      const insert = db.prepare('INSERT INTO articles_fts (rowid, title, dek, body, tags) VALUES (?, ?, ?, ?, ?)');
      for (const r of rows) {
        remove.run(r.pub_key);
        insert.run(r.pub_key, cjkBigrams(r.title), cjkBigrams(r.dek), cjkBigrams(r.body), tagsFor(r));
      }
      if (rows.length > 0) logger.info({ articles: rows.length }, 'search: stories with Chinese, Japanese or Korean text indexed again (character bigrams)');
    },
  },
  // Result pages show one row per story (src/store/story-pages.ts): the members of a page's stories are looked up by story.
  { id: '520-search-story-members', up: (db) => db.exec('CREATE INDEX IF NOT EXISTS alert_stories_story ON alert_stories(story_id)') },
  // "+N sources" (newsroom controls III): the outbox counts joining sources and when each message last changed.
  { id: '800-outbox-sources', up: (db) => db.exec(SOURCES_SCHEMA) },
  // Scheduled briefings: a subscription of kind briefing keeps its schedule.
  { id: '801-briefing-schedules', up: (db) => db.exec(BRIEFING_SCHEDULES_SCHEMA) },
  // Where an alert lands (issue 30): `publish:yes` subscriptions also publish breaking alerts from Discord announcement channels.
  { id: '900-subscription-publish', up: (db) => db.exec('ALTER TABLE alert_subscriptions ADD COLUMN publish INTEGER NOT NULL DEFAULT 0') },
  // Pings per rule (issue 30): a subscription's mention rules, as JSON.
  { id: '901-subscription-mention-rules', up: (db) => db.exec("ALTER TABLE alert_subscriptions ADD COLUMN mention_rules TEXT NOT NULL DEFAULT '[]'") },
  // Scheduled briefings posted: each run is an outbox row of kind briefing, keyed (briefing:<id>:<local date>, subscription).
  { id: '802-outbox-briefing-runs', up: (db) => extendOutboxCheck(db, 'kind', ['briefing']) },
  // Editor approval and the verification label (newsroom controls II): preview rows, waiting alerts, decisions and labels
  // as overlays on the story (src/store/approval-rows.ts).
  {
    id: '910-approvals',
    up: (db) => {
      extendOutboxCheck(db, 'kind', ['preview']);
      extendOutboxCheck(db, 'state', ['waiting']);
      db.exec(APPROVALS_SCHEMA);
    },
  },
  // Speed at archive scale (issue 31): bodies stored deflated (body-codec.ts), those already stored and their superseded
  // versions too. The pages freed are reused by later writes; VACUUM gives them back to the file system.
  {
    id: '170-article-bodies-packed',
    up: (db) => {
      const pack = (table: 'articles' | 'article_versions', key: string) => {
        const rows = db.prepare(`SELECT ${key}, body FROM ${table} WHERE typeof(body) = 'text' AND length(body) >= 200`).iterate() as IterableIterator<Record<string, unknown> & { body: string }>;
        const update = db.prepare(`UPDATE ${table} SET body = ? WHERE ${key.split(', ').map((k) => `${k} = ?`).join(' AND ')}`);
        let packed = 0;
        const updates: unknown[][] = [];
        for (const r of rows) {
          const body = packBody(r.body);
          if (typeof body !== 'string') updates.push([body, ...key.split(', ').map((k) => r[k])]);
        }
        for (const u of updates) packed += update.run(...u).changes;
        return packed;
      };
      const articles = pack('articles', 'seq');
      const versions = pack('article_versions', 'article_id, version');
      if (articles + versions > 0) logger.info({ articles, versions }, 'article bodies stored deflated');
    },
  },
  // Publishes from announcement channels counted in the store (issue 30): every instance, and a restart, sees the hour.
  { id: '911-publish-log', up: (db) => db.exec(PUBLISH_LOG_SCHEMA) },
  // A Slack message's thread as an alert target (issue 30): the subscription keeps the thread's parent ts.
  { id: '912-subscription-thread', up: (db) => db.exec('ALTER TABLE alert_subscriptions ADD COLUMN thread_ts TEXT') },
];
