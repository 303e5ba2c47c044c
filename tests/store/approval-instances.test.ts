import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startAlerts, type Alerts } from '../../src/alerts/index.js';
import { parsePress } from '../../src/alerts/approvals.js';
import { PortRegistry } from '../../src/outbound/registry.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import { quietLogger } from '../alerts/harness.js';
import { RecordingPort } from '../alerts/ports.js';
import { PG_URL, postgresAvailable, schemaFor } from './contract/backends.js';

/**
 * Editor approval with two instances on one PostgreSQL schema (each its own store, pool, listener and instance id, as
 * separate processes would have): presses on both at the same moment make one decision, each waiting channel gets
 * the alert once, the other presser is told; a press racing the expiry: one of them wins, never both.
 */
const T = Date.parse('2026-11-25T12:00:00Z');
const started = performance.now();
let skew = 0;
/** The application clock: a fixed day, advancing with real time; `skew` moves both instances past an expiry. */
const clock = () => new Date(T + Math.floor(performance.now() - started) + skew);
const EXPIRY_MS = 10 * 60_000;
const SCOPE = { platform: 'terminal' as const, workspace: '' };

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!postgresAvailable)('approval on two instances sharing one PostgreSQL schema', () => {
  const schema = schemaFor(import.meta.filename);
  const opened: PostgresStore[] = [];
  const running: Alerts[] = [];

  async function instance(): Promise<{ store: PostgresStore; alerts: Alerts; port: RecordingPort }> {
    const store = await openPostgresStore(PG_URL, { now: clock, schema, poolSize: 4, heartbeatTtlMs: 1_000 });
    opened.push(store);
    await store.coordination.start({ feeds: null, timeZone: 'UTC' });
    const port = new RecordingPort('terminal');
    const alerts = startAlerts({ store, ports: new PortRegistry([port]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: clock, approvalExpiryMs: EXPIRY_MS, senderLeaseMs: 1_000 });
    running.push(alerts);
    return { store, alerts, port };
  }

  afterEach(async () => {
    skew = 0;
    for (const a of running.splice(0)) await a.stop();
    for (const s of opened.splice(0)) await s.close();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  async function setup() {
    const a = await instance();
    const b = await instance();
    const by = { id: 'system', name: 'Newsdesk', platform: 'terminal' as const, workspace: '' };
    for (const channel of ['terminal:public', 'terminal:world']) {
      await a.alerts.service.subscribe({ ...SCOPE, channel, minPriority: 'breaking', approvalChannel: 'terminal:editors' }, by);
    }
    const posts = (channel: string) => [...a.port.posts(), ...b.port.posts()].filter((p) => p.target === channel);
    const previewId = async (storyId: string) => {
      await until(async () => (await a.store.outbox.forStoryAll(storyId)).some((d) => d.kind === 'preview' && d.state === 'sent'));
      return (await a.store.outbox.forStoryAll(storyId)).find((d) => d.kind === 'preview')!.id;
    };
    return { a, b, posts, previewId };
  }

  it('two presses at the same moment on two instances: one decision, each channel gets the alert once, the other presser is told', async () => {
    const { a, b, posts, previewId } = await setup();
    await a.store.articles.upsert({ id: 'dam', title: 'Dam fails upstream of the capital', priority: 'breaking', section: 'world' });
    const id = await previewId('dam');
    const ada = { id: 'U1', name: 'Ada', platform: 'terminal' as const, workspace: '' };
    const bo = { id: 'U2', name: 'Bo', platform: 'terminal' as const, workspace: '' };
    const answers = await Promise.all([
      a.alerts.service.press!(SCOPE, ada, parsePress(`alerts:approve:${id}`)!),
      b.alerts.service.press!(SCOPE, bo, parsePress(`alerts:approve:${id}`)!),
    ]);
    const won = answers.filter((t) => t.startsWith('Approved: '));
    expect(won).toHaveLength(1);
    const winner = answers[0].startsWith('Approved: ') ? 'Ada' : 'Bo';
    expect(answers.find((t) => !t.startsWith('Approved: '))).toMatch(new RegExp(`^Already approved by ${winner} at 12:\\d\\d\\. Nothing changed\\.$`));
    await until(() => posts('terminal:public').length === 1 && posts('terminal:world').length === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(posts('terminal:public')).toHaveLength(1);
    expect(posts('terminal:world')).toHaveLength(1);
    expect((await a.store.audit.recent(SCOPE, 10)).filter((e) => e.action === 'approval-approved')).toHaveLength(1);
  });

  it('a press racing the expiry: exactly one outcome is written, and the alerts follow it', async () => {
    const { a, b, posts, previewId } = await setup();
    await a.store.articles.upsert({ id: 'fire', title: 'Warehouse fire in the port district', priority: 'breaking', section: 'world' });
    const id = await previewId('fire');
    // Both instances' clocks pass the expiry; the press goes in as their dispatchers see the preview due.
    skew = EXPIRY_MS;
    a.alerts.dispatcher.wake();
    b.alerts.dispatcher.wake();
    const answer = await b.alerts.service.press!(SCOPE, { id: 'U2', name: 'Bo', platform: 'terminal', workspace: '' }, parsePress(`alerts:approve:${id}`)!);
    await until(async () => (await a.store.stories.approval('fire', 'terminal:editors')) !== null);
    const decision = (await a.store.stories.approval('fire', 'terminal:editors'))!;
    const rows = async () => (await a.store.outbox.forStoryAll('fire')).filter((d) => d.kind === 'alert');
    if (decision.outcome === 'approved') {
      expect(answer).toMatch(/^Approved: /);
      await until(() => posts('terminal:public').filter((p) => p.reply.cards[0].title?.startsWith('Warehouse')).length === 1);
    } else {
      expect(decision.outcome).toBe('expired');
      expect(answer).toMatch(/^This approval is closed: it expired at \d\d:\d\d, not sent\. Nothing changed\.$/);
      await until(async () => (await rows()).every((r) => r.state === 'skipped'));
    }
    await new Promise((r) => setTimeout(r, 500));
    const audits = (await a.store.audit.recent(SCOPE, 20)).filter((e) => e.action === 'approval-approved' || e.action === 'approval-expired');
    expect(audits).toHaveLength(1);
    expect(posts('terminal:world').filter((p) => p.reply.cards[0].title?.startsWith('Warehouse'))).toHaveLength(decision.outcome === 'approved' ? 1 : 0);
  });
});
