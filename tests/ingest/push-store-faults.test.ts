import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerts, type Alerts } from '../../src/alerts/index.js';
import { mountIngestApi } from '../../src/ingest/push.js';
import { logger } from '../../src/log.js';
import { PortRegistry } from '../../src/outbound/registry.js';
import { HttpServer } from '../../src/server/http.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { TEST_CLOCK } from '../helpers/clock.js';

/**
 * A push while the SQLite file is locked by another connection (another process: a backup, the sqlite3 shell):
 * the writer gives up after its bound (waiting with the event loop free: tests/store/sqlite-lock-faults.test.ts),
 * and the push answers 503 with Retry-After (never 500), with one clear log line and nothing half-written (no article without its outbox rows, or the reverse). Once the lock is gone the
 * same push is stored, with its alert row, without a restart.
 */
const TOKEN = 'push-store-faults-token-0123456789';
const quiet = logger.child({}, { level: 'silent' });
const article = { id: 'cms-flood', title: 'Flood barrier fails', body: 'Water is entering the old town.', priority: 'breaking', section: 'local' };

describe('POST /v1/articles while SQLite is locked by another connection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-push-faults-'));
  const file = join(dir, 'newsdesk.db');
  let store: SqliteStore;
  let alerts: Alerts;
  let http: HttpServer;
  let base: string;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    store = openSqliteStore(file, { now: TEST_CLOCK, busyTimeoutMs: 200 });
    alerts = startAlerts({ store, ports: new PortRegistry([]), logger: quiet, config: { TIMEZONE: 'UTC' }, now: TEST_CLOCK });
    await store.subscriptions.create({ platform: 'terminal', workspace: '', channel: 'terminal:desk', minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, TEST_CLOCK());
    http = new HttpServer();
    // The push's log lines, read back as JSON.
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    mountIngestApi(http, { token: TOKEN, store: store.articles, logger: log });
    base = `http://127.0.0.1:${(await http.start(0, '127.0.0.1')).port}`;
  });

  afterAll(async () => {
    await http?.stop();
    await alerts?.stop();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const push = () => fetch(`${base}/v1/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(article),
  });
  const rows = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;

  it('answers 503 with Retry-After while locked, stores nothing, and stores the push once the lock is gone', async () => {
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const res = await push();
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: string }).error).toMatch(/unavailable.*nothing was stored/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(rows('SELECT count(*) AS n FROM articles')).toBe(0);
    expect(rows('SELECT count(*) AS n FROM alert_outbox')).toBe(0);
    expect(lines).toEqual([expect.objectContaining({ msg: 'push refused with 503: the store is unavailable', reason: expect.stringMatching(/^SQLITE_BUSY/) })]);

    const again = await push();
    expect(again.status).toBe(201);
    expect(rows('SELECT count(*) AS n FROM articles')).toBe(1);
    expect(rows(`SELECT count(*) AS n FROM alert_outbox WHERE article_id = 'cms-flood'`)).toBe(1);
  });
});
