import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { passThroughEnv } from '../helpers/process.js';
import { emptyDataDir, pushArticles, startNewsdeskProcess, until, type NewsdeskProcess } from '../alerts/e2e/process.js';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack/index.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from '../store/contract/backends.js';

/**
 * Issue 24, draining: two instances on one PostgreSQL schema, A started with the real `npm start`, B directly.
 * A holds Slack's sender lease and has a post in flight (the stand-in holds it) when the npm process gets SIGTERM:
 * A's /readyz is 503 at once and a push to A is refused, while the post is still open; once the post completes A
 * records it as sent (not in doubt), hands its lease over and exits 0 — npm exits 0 after it, A's process is gone
 * and no lease names A. The next story is posted by B, which takes the bucket then (A's lease was released, not left
 * to expire).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const INGEST_TOKEN = 'drain-handover-ingest-token-0123456789';
const story = (n: number) => ({
  id: `drain-${n}`, title: `Storm update number ${n} for the coast`, dek: 'Ferries stay in port.', body: 'Ferries stay in port as the storm passes.',
  priority: 'breaking', section: 'world', source: 'Wire', url: `https://news.example/storm-${n}`,
});

describe.skipIf(!postgresAvailable)('draining on SIGTERM: readiness, in-flight post, lease hand-over (PostgreSQL)', () => {
  const schema = schemaFor(import.meta.filename);
  let slack: SlackStandIn;
  let npmA: ChildProcess | undefined;
  let errA = '';
  let b: NewsdeskProcess | undefined;
  let db: pg.Client;

  const leases = async () =>
    (await db.query<{ name: string; holder: string }>(`SELECT name, holder FROM ${schema}.leases WHERE name LIKE 'sender:%' AND expires_at > now()`)).rows;
  const logOf = (err: string, msg: string) =>
    err.split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return {}; } })
      .find((l) => String(l.msg).startsWith(msg));

  beforeAll(async () => {
    slack = await startSlackStandIn();
    const team = slack.teams[0];
    const store = await openPostgresStore(PG_URL, { now: systemClock, schema, poolSize: 2 });
    await store.subscriptions.create({ platform: 'slack', workspace: team.id, channel: `slack:${team.id}/${team.channels[0].id}`, channelName: team.channels[0].name, minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, new Date());
    await store.close();
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
  });

  afterAll(async () => {
    if (npmA?.exitCode === null) npmA.kill('SIGKILL');
    await b?.stop();
    await db?.end().catch(() => {});
    await slack?.close();
    await dropSchema(schema);
  });

  it('SIGTERM to npm start: 503 at once, the post in flight finishes, the lease is handed over, B sends next', async () => {
    const env = {
      DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, INGEST_TOKEN, TIMEZONE: 'UTC',
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    };
    npmA = spawn('npm', ['start'], {
      cwd: ROOT, env: { ...passThroughEnv(), LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', DATA_DIR: emptyDataDir(), ...env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    npmA.stderr!.on('data', (d: Buffer) => (errA += d.toString()));
    const npmExit = new Promise<number | null>((r) => npmA!.once('exit', (code) => r(code)));
    const portA = await until(() => logOf(errA, 'HTTP server listening')?.port as number | undefined, 'A listening', 90_000);
    const a = await until(() => logOf(errA, 'instance joined the shared store') as { instance: string } | undefined, 'A joined');
    const pidA = (await until(() => logOf(errA, 'running headless'), 'A mode line')).pid as number;
    expect(pidA).not.toBe(npmA.pid);

    // A alone: the first story makes A the Slack bucket's sender.
    expect((await pushArticles(portA, INGEST_TOKEN, story(1))).status).toBe(201);
    await until(() => slack.messages.some((m) => JSON.stringify(m.blocks).includes('number 1')), 'story 1 posted');
    expect((await leases()).map((l) => l.holder)).toEqual([a.instance]);

    b = await startNewsdeskProcess({ ...env, DATA_DIR: emptyDataDir() }, 90_000);

    // Story 2's post is held open by the stand-in while A is told to stop.
    const held = slack.hold('chat.postMessage', (body) => JSON.stringify(body).includes('number 2'));
    expect((await pushArticles(portA, INGEST_TOKEN, story(2))).status).toBe(201);
    await held.arrived;
    npmA.kill('SIGTERM');
    await until(() => logOf(errA, 'stopping: draining'), 'A to begin draining', 10_000);
    const ready = await fetch(`http://127.0.0.1:${portA}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    const refused = await pushArticles(portA, INGEST_TOKEN, story(9));
    expect(refused.status).toBe(503);
    expect(npmA.exitCode).toBeNull(); // still draining: the post is in flight

    held.release('process');
    expect(await npmExit).toBe(0);
    expect(() => process.kill(pidA, 0)).toThrow(); // no orphan
    expect(await leases()).toEqual([]); // handed over, not left to expire
    const row = await db.query<{ state: string; in_doubt: number }>(`SELECT state, in_doubt FROM ${schema}.alert_outbox WHERE article_id = 'drain-2'`);
    expect(row.rows).toEqual([{ state: 'sent', in_doubt: 0 }]);
    expect(slack.messages.filter((m) => JSON.stringify(m.blocks).includes('number 2'))).toHaveLength(1);

    // B takes the bucket for the next story.
    expect((await pushArticles(b.port, INGEST_TOKEN, story(3))).status).toBe(201);
    await until(() => slack.messages.some((m) => JSON.stringify(m.blocks).includes('number 3')), 'story 3 posted by B', 20_000);
    const bId = (logOf(b.stderr(), 'instance joined the shared store') as { instance: string }).instance;
    expect((await leases()).map((l) => l.holder)).toEqual([bId]);
    expect(slack.messages.filter((m) => JSON.stringify(m.blocks).includes('number 9'))).toHaveLength(0);
  }, 180_000);
});
