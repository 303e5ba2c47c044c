import { PUBLISH_LOG_SCHEMA } from './publish-log.js';
import { BRIEFING_SCHEDULES_SCHEMA, RECALLS_SCHEMA, SCOPE_STOPS_SCHEMA, SOURCES_SCHEMA } from '../outbox-rows.js';
import type pg from 'pg';
import { PG_SLACK_INSTALLATIONS_SCHEMA } from './slack-installations.js';
import { lockKey, type PgDb } from './db.js';
import { OPS_MIGRATION_SQL, OUTBOX_NOTICES_SQL } from './ops.js';
import { extendOutboxCheckSql } from './outbox-checks.js';
import { APPROVALS_SCHEMA } from '../approval-rows.js';

/**
 * Every PostgreSQL schema change, in order; the ids match the SQLite migrations (src/store/sqlite/migrations.ts)
 * so one list of ids describes both backends. Never edit a shipped migration: append. Migrations only add.
 */
export interface PgMigration {
  id: string;
  sql: string;
}

export const pgMigrations: PgMigration[] = [
  {
    id: '100-articles',
    sql: `
      -- Porter-like stemming without a stop-word list (FTS5's porter tokenizer drops no words either).
      CREATE TEXT SEARCH DICTIONARY newsdesk_stem (TEMPLATE = snowball, language = english);
      CREATE TEXT SEARCH CONFIGURATION newsdesk_english (COPY = english);
      ALTER TEXT SEARCH CONFIGURATION newsdesk_english
        ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH newsdesk_stem;

      -- pub_key: publication time (ms x 1024 plus a slot), as on SQLite: newest-first and since: are key ranges.
      CREATE TABLE articles (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        url TEXT,
        canonical_url TEXT,
        title TEXT NOT NULL,
        dek TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        section TEXT NOT NULL,
        topics TEXT NOT NULL DEFAULT '[]',
        source TEXT NOT NULL,
        author TEXT NOT NULL DEFAULT '',
        published_at TEXT NOT NULL,
        published_ms BIGINT NOT NULL,
        updated_at TEXT NOT NULL,
        priority TEXT NOT NULL CHECK (priority IN ('breaking','urgent','routine')),
        status TEXT NOT NULL CHECK (status IN ('published','corrected','retracted')),
        image_url TEXT,
        related TEXT NOT NULL DEFAULT '[]',
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        version_stored_at TEXT NOT NULL,
        pub_key BIGINT NOT NULL UNIQUE,
        -- Headline A, dek B, body C (ranked 10 : 4 : 1 like SQLite's bm25 weights).
        tsv TSVECTOR GENERATED ALWAYS AS (
          setweight(to_tsvector('newsdesk_english', title), 'A') ||
          setweight(to_tsvector('newsdesk_english', dek), 'B') ||
          setweight(to_tsvector('newsdesk_english', body), 'C')) STORED,
        -- Unstemmed headline words, for autocomplete prefixes.
        title_words TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED
      );
      CREATE INDEX articles_canonical_url ON articles(canonical_url) WHERE canonical_url IS NOT NULL;
      CREATE INDEX articles_section_key ON articles(lower(section), pub_key);
      CREATE INDEX articles_source_key ON articles(lower(source), pub_key);
      CREATE INDEX articles_tsv ON articles USING GIN (tsv);
      CREATE INDEX articles_title_words ON articles USING GIN (title_words);

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
      );`,
  },
  {
    id: '110-action-state',
    sql: `
      CREATE TABLE action_state (key TEXT PRIMARY KEY, state TEXT NOT NULL, expires_ms BIGINT NOT NULL);
      CREATE INDEX action_state_expires ON action_state(expires_ms);`,
  },
  {
    id: '200-alert-subscriptions',
    sql: `
      CREATE TABLE alert_subscriptions (
        id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        workspace TEXT NOT NULL,
        channel TEXT NOT NULL,
        channel_name TEXT,
        min_priority TEXT NOT NULL CHECK (min_priority IN ('breaking','urgent','routine')),
        sections TEXT NOT NULL DEFAULT '[]',
        keywords TEXT NOT NULL DEFAULT '[]',
        mention_role_id TEXT,
        mention_here INTEGER NOT NULL DEFAULT 0,
        quiet_from TEXT,
        quiet_to TEXT,
        tz TEXT,
        threads INTEGER NOT NULL DEFAULT 0,
        paused INTEGER NOT NULL DEFAULT 0,
        paused_reason TEXT,
        created_by TEXT NOT NULL,
        created_by_name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        removed_at TEXT
      );
      CREATE INDEX alert_subscriptions_scope ON alert_subscriptions(platform, workspace) WHERE removed_at IS NULL;`,
  },
  {
    id: '201-alert-outbox',
    sql: `
      CREATE TABLE alert_stories (
        article_id TEXT PRIMARY KEY,
        story_id TEXT NOT NULL,
        canonical_url TEXT,
        title_key TEXT NOT NULL,
        duplicate_reason TEXT,
        quiet INTEGER NOT NULL DEFAULT 0,
        seen_at BIGINT NOT NULL,
        seq BIGSERIAL NOT NULL
      );
      CREATE INDEX alert_stories_url ON alert_stories(canonical_url) WHERE canonical_url IS NOT NULL;
      CREATE INDEX alert_stories_seen ON alert_stories(seen_at, seq);

      CREATE TABLE alert_outbox (
        id TEXT PRIMARY KEY,
        story_id TEXT NOT NULL,
        article_id TEXT,
        subscription_id TEXT NOT NULL REFERENCES alert_subscriptions(id),
        kind TEXT NOT NULL CHECK (kind IN ('alert','digest','fold','test')),
        platform TEXT NOT NULL,
        channel TEXT NOT NULL,
        priority_rank INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending','sending','sent','held','folded','skipped','failed')),
        reason TEXT,
        folded_into TEXT,
        message_ref TEXT,
        sent_at BIGINT,
        delivered_version INTEGER,
        target_version INTEGER NOT NULL DEFAULT 1,
        thread_version INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        in_doubt INTEGER NOT NULL DEFAULT 0,
        due_at BIGINT,
        last_error TEXT,
        payload TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (story_id, subscription_id)
      );
      CREATE INDEX alert_outbox_due ON alert_outbox(priority_rank, due_at) WHERE due_at IS NOT NULL;
      CREATE INDEX alert_outbox_article ON alert_outbox(article_id) WHERE article_id IS NOT NULL;
      CREATE INDEX alert_outbox_subscription ON alert_outbox(subscription_id, state);
      CREATE INDEX alert_outbox_folded ON alert_outbox(folded_into) WHERE folded_into IS NOT NULL;
      CREATE INDEX alert_outbox_sending ON alert_outbox(platform) WHERE state = 'sending';`,
  },
  {
    id: '202-alert-audit',
    sql: `
      CREATE TABLE alert_audit (
        id BIGSERIAL PRIMARY KEY,
        at TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        platform TEXT NOT NULL,
        workspace TEXT NOT NULL,
        action TEXT NOT NULL,
        subscription_id TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX alert_audit_scope ON alert_audit(platform, workspace, id);
      CREATE FUNCTION alert_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'alert_audit is append-only'; END $$;
      CREATE TRIGGER alert_audit_no_update BEFORE UPDATE OR DELETE ON alert_audit
        FOR EACH ROW EXECUTE FUNCTION alert_audit_append_only();
      CREATE TRIGGER alert_audit_no_truncate BEFORE TRUNCATE ON alert_audit
        FOR EACH STATEMENT EXECUTE FUNCTION alert_audit_append_only();`,
  },
  {
    id: '203-alert-outbox-pending',
    sql: `CREATE INDEX alert_outbox_pending ON alert_outbox(subscription_id, kind, priority_rank, created_at) WHERE state = 'pending';`,
  },
  {
    id: '300-feeds',
    sql: `
      CREATE TABLE feed_state (
        feed_id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        first_poll_done INTEGER NOT NULL DEFAULT 0,
        last_attempt_at BIGINT,
        last_success_at BIGINT,
        next_poll_at BIGINT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        failing_since BIGINT,
        last_error TEXT
      );
      CREATE TABLE feed_items (
        feed_id TEXT NOT NULL,
        article_id TEXT NOT NULL,
        first_seen_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        PRIMARY KEY (feed_id, article_id)
      );
      CREATE INDEX feed_items_last_seen ON feed_items(feed_id, last_seen_at);`,
  },
  {
    // SQLite keeps word statistics for its ranking here; PostgreSQL's ranking does not need them, but the table
    // exists on both so one migration list (and store:copy) describes both backends.
    id: '120-search-term-stats',
    sql: `
      CREATE TABLE search_term_stats (term TEXT PRIMARY KEY, share DOUBLE PRECISION NOT NULL);
      CREATE TABLE search_stats_meta (key TEXT PRIMARY KEY, value NUMERIC NOT NULL);`,
  },
  {
    // As SQLite's 140: every article gets the origin that may change it (push | files | feed:<id>); stories learn
    // each member's origin, and which member's text their alerts show.
    id: '140-article-origin',
    sql: `
      ALTER TABLE articles ADD COLUMN origin TEXT;
      UPDATE articles SET origin = 'feed:' || split_part(id, ':', 1)
        WHERE position(':' in id) > 1 AND split_part(id, ':', 1) IN (SELECT feed_id FROM feed_state);
      CREATE INDEX articles_origin ON articles(origin);
      ALTER TABLE alert_stories ADD COLUMN origin TEXT;
      UPDATE alert_stories SET origin = (SELECT origin FROM articles WHERE articles.id = alert_stories.article_id);
      CREATE TABLE story_shown (story_id TEXT PRIMARY KEY, article_id TEXT NOT NULL);`,
  },
  {
    id: '210-pacing-state',
    sql: `
      CREATE TABLE pacing_ceilings (
        platform TEXT NOT NULL,
        workspace TEXT NOT NULL,
        per_minute DOUBLE PRECISION NOT NULL CHECK (per_minute > 0),
        learned_ms BIGINT NOT NULL,
        PRIMARY KEY (platform, workspace)
      );`,
  },
  {
    // Several instances on one database. Times here are the database's (now()): leases and heartbeats must not
    // depend on which instance's clock wrote them. Wake-ups: NOTIFY in the writing transaction (a trigger), on
    // channels named after the schema, so parallel schemas (tests) do not wake each other.
    id: '400-instances',
    sql: `
      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        expires_at TIMESTAMPTZ NOT NULL,
        feeds TEXT,
        time_zone TEXT
      );
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        acquired_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
      ALTER TABLE alert_outbox ADD COLUMN claimed_by TEXT;
      ALTER TABLE alert_outbox ADD COLUMN claim_expires TIMESTAMPTZ;
      CREATE INDEX alert_outbox_claimed ON alert_outbox(claimed_by) WHERE claimed_by IS NOT NULL;

      CREATE FUNCTION newsdesk_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_notify('newsdesk.' || TG_TABLE_SCHEMA || '.' || TG_ARGV[0], '');
        RETURN NULL;
      END
      $fn$;
      -- Rows that become due wake the senders; identical notifications in one transaction are delivered once.
      CREATE TRIGGER alert_outbox_due AFTER INSERT OR UPDATE OF due_at ON alert_outbox
        FOR EACH ROW WHEN (NEW.due_at IS NOT NULL) EXECUTE FUNCTION newsdesk_notify('outbox');
      CREATE TRIGGER articles_changed AFTER INSERT OR UPDATE OR DELETE ON articles
        FOR EACH STATEMENT EXECUTE FUNCTION newsdesk_notify('articles');
      CREATE TRIGGER subscriptions_changed AFTER INSERT OR UPDATE OR DELETE ON alert_subscriptions
        FOR EACH STATEMENT EXECUTE FUNCTION newsdesk_notify('subscriptions');`,
  },
  {
    // Each instance's near-duplicate index reads the stories written after the last one it saw (by position).
    id: '410-story-positions',
    sql: `CREATE INDEX alert_stories_seq ON alert_stories(seq);`,
  },
  {
    // Search reads the tsvector of every match it ranks. Moved out to TOAST (the default past 2 KB, so most
    // articles), each costs a TOAST index lookup and two or three more pages; kept in the row (the body goes to TOAST
    // first), one page. Rows written from now on (an existing store's rows move as they are rewritten).
    // Headline words, stemmed like tsv: the matches older than a ranked window that could still make the page
    // (article-search.ts) have a query word in the headline.
    id: '150-search-storage',
    sql: `
      ALTER TABLE articles SET (toast_tuple_target = 4096);
      ALTER TABLE articles ALTER COLUMN tsv SET STORAGE MAIN;
      CREATE INDEX articles_title_tsv ON articles USING GIN (to_tsvector('newsdesk_english', title));`,
  },
  {
    // GIN's fastupdate queues new entries in a pending list that every search of the index reads whole, up to
    // gin_pending_list_limit (4 MB: ~500 pages) before an insert merges it. 512 kB bounds that read (~64 pages).
    id: '160-search-gin-pending',
    sql: `
      ALTER INDEX articles_tsv SET (gin_pending_list_limit = 512);
      ALTER INDEX articles_title_tsv SET (gin_pending_list_limit = 512);
      ALTER INDEX articles_title_words SET (gin_pending_list_limit = 512);`,
  },
  {
    // Embargoes (newsroom controls I): the time a held story lifts (the application clock's epoch ms), null once
    // lifted. The partial index serves the lift timer and the lift.
    id: '420-embargo',
    sql: `
      ALTER TABLE articles ADD COLUMN embargo_ms BIGINT;
      CREATE INDEX articles_embargo ON articles(embargo_ms) WHERE embargo_ms IS NOT NULL;`,
  },
  {
    // /alerts stop: one row per stopped server or workspace; the outbox's due-work queries leave their rows out.
    id: '430-scope-stops',
    sql: SCOPE_STOPS_SCHEMA,
  },
  {
    // The newsroom's kill: articles.status gains 'killed'.
    id: '440-article-killed',
    sql: `ALTER TABLE articles DROP CONSTRAINT articles_status_check;
      ALTER TABLE articles ADD CONSTRAINT articles_status_check CHECK (status IN ('published','corrected','retracted','killed'));`,
  },
  {
    // Recalls and kills: overlays on stories; the outbox learns deletes and keeps its thread replies' references.
    id: '450-recalls',
    sql: RECALLS_SCHEMA,
  },
  {
    // Slack for many workspaces (OAuth): installations with sealed tokens, and the install flow's states.
    id: '700-slack-installations',
    sql: PG_SLACK_INSTALLATIONS_SCHEMA,
  },
  // Operations channels (/alerts ops) and their open problems; notices through the outbox (src/store/postgres/ops.ts).
  { id: '600-ops-channels', sql: OPS_MIGRATION_SQL },
  { id: '601-outbox-notices', sql: OUTBOX_NOTICES_SQL },
  {
    // Chinese, Japanese and Korean runs are indexed as character bigrams: newsdesk_cjk() is src/store/cjk.ts's
    // cjkBigrams in PL/pgSQL (the same ranges, the same output), applied to the text of the search vector and of the
    // stemmed-headlines index; queries pass a CJK word through it too. Recreating the generated column indexes every
    // stored row again. The headline words for autocomplete (title_words) keep whole runs, as on SQLite.
    id: '510-search-cjk-bigrams',
    sql: String.raw`
      CREATE FUNCTION newsdesk_cjk(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
      DECLARE
        piece text;
        n int;
        result text := '';
      BEGIN
        IF t !~ '[\u1100-\u11ff\u3005-\u3007\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f\U00030000-\U0003134f]' THEN RETURN t; END IF;
        FOR piece IN SELECT m[1] FROM regexp_matches(t, '([\u1100-\u11ff\u3005-\u3007\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f\U00030000-\U0003134f]+|[^\u1100-\u11ff\u3005-\u3007\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f\U00030000-\U0003134f]+)', 'g') AS m LOOP
          IF piece ~ '^[\u1100-\u11ff\u3005-\u3007\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f\U00030000-\U0003134f]' THEN
            n := char_length(piece);
            IF n = 1 THEN
              result := result || ' ' || piece || ' ';
            ELSE
              result := result || ' ' || (SELECT string_agg(substr(piece, i, 2), ' ' ORDER BY i) FROM generate_series(1, n - 1) AS i) || ' ';
            END IF;
          ELSE
            result := result || piece;
          END IF;
        END LOOP;
        RETURN result;
      END
      $fn$;
      DROP INDEX articles_title_tsv;
      ALTER TABLE articles DROP COLUMN tsv;
      ALTER TABLE articles ADD COLUMN tsv TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('newsdesk_english', newsdesk_cjk(title)), 'A') ||
        setweight(to_tsvector('newsdesk_english', newsdesk_cjk(dek)), 'B') ||
        setweight(to_tsvector('newsdesk_english', newsdesk_cjk(body)), 'C')) STORED;
      ALTER TABLE articles ALTER COLUMN tsv SET STORAGE MAIN;
      CREATE INDEX articles_tsv ON articles USING GIN (tsv) WITH (gin_pending_list_limit = 512);
      CREATE INDEX articles_title_tsv ON articles USING GIN (to_tsvector('newsdesk_english', newsdesk_cjk(title))) WITH (gin_pending_list_limit = 512);
      ANALYZE articles;`,
  },
  {
    // Result pages show one row per story (src/store/story-pages.ts): the members of a page's stories are looked up by story.
    id: '520-search-story-members',
    sql: `CREATE INDEX IF NOT EXISTS alert_stories_story ON alert_stories(story_id);`,
  },
  // "+N sources" (newsroom controls III): the outbox counts joining sources and when each message last changed.
  { id: '800-outbox-sources', sql: SOURCES_SCHEMA },
  // Scheduled briefings: a subscription of kind briefing keeps its schedule.
  { id: '801-briefing-schedules', sql: BRIEFING_SCHEDULES_SCHEMA },
  // Where an alert lands (issue 30): `publish:yes` subscriptions also publish breaking alerts from Discord announcement channels.
  { id: '900-subscription-publish', sql: 'ALTER TABLE alert_subscriptions ADD COLUMN publish INTEGER NOT NULL DEFAULT 0' },
  // Pings per rule (issue 30): a subscription's mention rules, as JSON.
  { id: '901-subscription-mention-rules', sql: "ALTER TABLE alert_subscriptions ADD COLUMN mention_rules TEXT NOT NULL DEFAULT '[]'" },
  // Scheduled briefings posted: each run is an outbox row of kind briefing, keyed (briefing:<id>:<local date>, subscription).
  { id: '802-outbox-briefing-runs', sql: extendOutboxCheckSql('kind', ['briefing']) },
  // Editor approval and the verification label (newsroom controls II): preview rows, waiting alerts, decisions and labels
  // as overlays on the story (src/store/approval-rows.ts).
  { id: '910-approvals', sql: `${extendOutboxCheckSql('kind', ['preview'])}${extendOutboxCheckSql('state', ['waiting'])}${APPROVALS_SCHEMA}` },
  // SQLite stores article bodies deflated (issue 31); PostgreSQL compresses long values itself (TOAST), and search reads
  // no body, so nothing changes here: the entry keeps both lists alike.
  { id: '170-article-bodies-packed', sql: 'SELECT 1' },
  // Publishes from announcement channels counted in the store (issue 30): every instance, and a restart, sees the hour.
  { id: '911-publish-log', sql: PUBLISH_LOG_SCHEMA },
  // A Slack message's thread as an alert target (issue 30): the subscription keeps the thread's parent ts.
  { id: '912-subscription-thread', sql: 'ALTER TABLE alert_subscriptions ADD COLUMN thread_ts TEXT' },
];

/**
 * Applies the missing migrations under a session advisory lock whose key includes the schema name (instances
 * starting together take turns; parallel test schemas do not wait on each other). Refuses, in one line, a
 * schema that has migrations this code does not know (a newer release migrated it).
 */
export async function runPgMigrations(db: PgDb, list: readonly PgMigration[] = pgMigrations): Promise<string[]> {
  // Its own connection, outside the pool's statement bounds: a migration (or the wait for another instance's, under
  // the lock) may take longer than any request should.
  const client: pg.Client = db.dedicatedClient(() => {}, { readMs: db.timeouts.longMs });
  await client.connect().catch((err) => { throw db.clean(err); });
  const key = lockKey(`newsdesk:migrate:${db.schema}`);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`).catch(async (err: Error & { code?: string }) => {
      // Two instances creating the schema at once: one wins, the other finds it.
      if (err.code !== '23505' && err.code !== '42P06') throw err;
    });
    await client.query('SELECT pg_advisory_lock($1, $2)', [lockKey('newsdesk:migrate'), key]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
      const done = new Set((await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
      const known = new Set(list.map((m) => m.id));
      const unknown = [...done].filter((id) => !known.has(id)).sort();
      if (unknown.length > 0) {
        throw new Error(`the database schema "${db.schema}" is newer than this Newsdesk (unknown migrations: ${unknown.join(', ')}); run a newer release`);
      }
      const applied: string[] = [];
      for (const m of list) {
        if (done.has(m.id)) continue;
        try {
          await client.query('BEGIN');
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [m.id, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw new Error(`migration ${m.id} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.id);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [lockKey('newsdesk:migrate'), key]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}
