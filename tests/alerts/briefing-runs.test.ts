import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startAlerts, type Alerts } from '../../src/alerts/index.js';
import { describeSubscription } from '../../src/alerts/describe.js';
import { createLogger } from '../../src/log.js';
import { PortRegistry } from '../../src/outbound/registry.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { admin } from './harness.js';
import { RecordingPort } from './ports.js';

/**
 * Scheduled briefings through the real pipeline on a real SQLite file: the service writes the first run's row, the
 * dispatcher's timer (armed from the store) posts it at its time, the next run's row follows; restarts between runs,
 * missed runs within and beyond two hours, an empty period, a stopped scope. Every instance's clock is injected: a
 * fixed instant that then follows real time (the dispatcher's timers are real).
 */
const at = (iso: string) => Date.parse(iso);
const scope = { platform: 'terminal' as const, workspace: '' };
const morning = { at: '07:30', tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const };

interface Instance { store: SqliteStore; alerts: Alerts; port: RecordingPort; logs: string[] }
const running: Instance[] = [];
const dirs: string[] = [];

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-briefing-'));
  dirs.push(dir);
  return join(dir, 'newsdesk.db');
}

/** One process's worth: the store on `file`, the alerts pipeline, a recording port; its clock starts at `startIso`. */
async function instance(file: string, startIso: string): Promise<Instance> {
  const offset = at(startIso) - Date.now();
  const now = () => new Date(Date.now() + offset);
  const logs: string[] = [];
  const logger = createLogger(new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } }), { pretty: false });
  const store = openSqliteStore(file, { now });
  const port = new RecordingPort('terminal');
  const alerts = startAlerts({ store, ports: new PortRegistry([port]), logger, config: { TIMEZONE: 'UTC' }, now, summarizer: { tldr: (a) => `TLDR: ${a.dek || a.title}` } });
  await alerts.briefingsReady;
  const it = { store, alerts, port, logs };
  running.push(it);
  return it;
}

async function stop(i: Instance): Promise<void> {
  running.splice(running.indexOf(i), 1);
  await i.alerts.stop();
  await i.store.close();
}

async function until<T>(get: () => T | undefined | false, what: string, timeoutMs = 8_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function runRows(i: Instance) {
  return i.store.db.prepare("SELECT story_id, state, due_at, reason FROM alert_outbox WHERE kind = 'briefing' ORDER BY story_id")
    .all() as Array<{ story_id: string; state: string; due_at: number | null; reason: string | null }>;
}

afterEach(async () => {
  for (const i of running.splice(0)) {
    await i.alerts.stop();
    await i.store.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a scheduled briefing, posted by the dispatcher', () => {
  it('posts at its time by itself, once, with the period since 24 hours before; then the next run\'s row is written', async () => {
    const file = dbFile();
    // Friday 27 November 2026, 07:29:59.2 in London (GMT): the run is 0.8 s away.
    const a = await instance(file, '2026-11-27T07:29:59.200Z');
    await a.store.articles.upsert({ id: 'w1', title: 'Ceasefire talks resume in Lenna', dek: 'Envoys meet at dawn.', section: 'world', publishedAt: '2026-11-26T18:00:00Z' });
    await a.store.articles.upsert({ id: 's1', title: 'Cup final goes to penalties', section: 'sport', publishedAt: '2026-11-27T06:30:00Z' });
    await a.store.articles.upsert({ id: 'old', title: 'Harbour reopens after storm', section: 'world', publishedAt: '2026-11-26T07:00:00Z' });
    const { subscription: sub } = await a.alerts.service.briefing({ ...scope, channel: 'terminal:morning', schedule: { ...morning, days: [...morning.days] }, sections: ['world'] }, admin);
    expect(a.port.posts()).toEqual([]);
    const [post] = await until(() => a.port.posts().length > 0 && a.port.posts(), 'the run to be posted');
    expect(post.target).toBe('terminal:morning');
    expect(post.reply.text).toBe('Briefing: top stories in world since 07:30 yesterday:');
    expect(post.reply.cards.flatMap((c) => c.items?.map((i) => i.id))).toEqual(['w1']);
    // The next run: Monday (mon-fri), its row written when this one was sent.
    await until(() => runRows(a).length === 2, 'the next run row');
    expect(runRows(a).map((r) => [r.story_id, r.state, r.due_at])).toEqual([
      [`briefing:${sub.id}:2026-11-27`, 'sent', null],
      [`briefing:${sub.id}:2026-11-30`, 'pending', at('2026-11-30T07:30:00Z')],
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.port.posts()).toHaveLength(1);
  });

  it('a restart between runs: the next run is posted by the restarted process (its row ensured at start is the same row), the period from the last run', async () => {
    const file = dbFile();
    const a = await instance(file, '2026-11-27T07:29:59.500Z');
    const { subscription: sub } = await a.alerts.service.briefing({ ...scope, channel: 'terminal:morning', schedule: { ...morning, days: [...morning.days] }, sections: [] }, admin);
    await until(() => a.port.posts().length === 1 && runRows(a).length === 2, 'Friday\'s run');
    await stop(a);
    // Back on Monday just before 07:30: the stored row arms the timer; ensuring it at start wrote nothing twice.
    const b = await instance(file, '2026-11-30T07:29:59.400Z');
    await b.store.articles.upsert({ id: 'p1', title: 'Budget vote delayed to Tuesday', dek: 'The vote moves.', section: 'politics', publishedAt: '2026-11-29T10:00:00Z' });
    expect(runRows(b).filter((r) => r.state === 'pending').map((r) => r.story_id)).toEqual([`briefing:${sub.id}:2026-11-30`]);
    const [post] = await until(() => b.port.posts().length > 0 && b.port.posts(), 'Monday\'s run');
    expect(post.reply.text).toBe('Briefing: top stories since 07:30 Fri:');
    expect(post.reply.cards.flatMap((c) => c.items?.map((i) => i.id))).toEqual(['p1']);
    await until(() => runRows(b).some((r) => r.story_id === `briefing:${sub.id}:2026-12-01` && r.state === 'pending'), 'Tuesday\'s row');
  });

  it('a crash after a run was sent but before its next run was written: the next start writes it, and it posts', async () => {
    const file = dbFile();
    const a = await instance(file, '2026-11-27T07:29:59.500Z');
    const { subscription: sub } = await a.alerts.service.briefing({ ...scope, channel: 'terminal:morning', schedule: { ...morning, days: [...morning.days] }, sections: [] }, admin);
    await until(() => runRows(a).length === 2, 'Friday\'s run and Monday\'s row');
    await stop(a);
    // As if the process died between the two writes: Monday's row is not there.
    const raw = openSqliteStore(file, { now: () => new Date(at('2026-11-27T08:00:00Z')) });
    raw.db.prepare('DELETE FROM alert_outbox WHERE story_id = ?').run(`briefing:${sub.id}:2026-11-30`);
    await raw.close();
    const b = await instance(file, '2026-11-30T07:29:59.400Z');
    expect(runRows(b).map((r) => [r.story_id, r.state])).toEqual([[`briefing:${sub.id}:2026-11-27`, 'sent'], [`briefing:${sub.id}:2026-11-30`, 'pending']]);
    const [post] = await until(() => b.port.posts().length > 0 && b.port.posts(), 'Monday\'s run');
    expect(post.reply.text).toBe('Nothing new since 07:30 Fri.');
  });

  it('an empty period posts one line, never older stories again', async () => {
    const file = dbFile();
    const a = await instance(file, '2026-11-26T07:29:59.500Z');
    await a.store.articles.upsert({ id: 'old', title: 'Harbour reopens after storm', section: 'world', publishedAt: '2026-11-24T07:00:00Z' });
    await a.alerts.service.briefing({ ...scope, channel: 'terminal:morning', schedule: { ...morning, days: [...morning.days] }, sections: [] }, admin);
    const [post] = await until(() => a.port.posts().length > 0 && a.port.posts(), 'the run');
    expect(post.reply).toMatchObject({ text: 'Nothing new since 07:30 yesterday.', cards: [] });
  });

  it('a run missed while every instance was down: posted marked late within two hours; skipped, logged and listed beyond; the next one scheduled', async () => {
    const file = dbFile();
    const a = await instance(file, '2026-11-26T06:00:00Z');
    const { subscription: sub } = await a.alerts.service.briefing({ ...scope, channel: 'terminal:morning', schedule: { ...morning, days: [...morning.days] }, sections: [] }, admin);
    await stop(a);

    // Thursday: back at 08:45, 75 minutes late: posted, marked late.
    const b = await instance(file, '2026-11-26T08:45:00Z');
    const [late] = await until(() => b.port.posts().length > 0 && b.port.posts(), 'the late run');
    expect(late.reply.text).toBe('[late: due 07:30] Nothing new since 07:30 yesterday.');
    await until(() => runRows(b).some((r) => r.story_id.endsWith(':2026-11-27')), 'Friday\'s row');
    await stop(b);

    // Friday: back at 09:30, two hours late: skipped, logged, shown in /alerts list; Monday's run scheduled.
    const c = await instance(file, '2026-11-27T09:30:00Z');
    await until(() => runRows(c).find((r) => r.story_id.endsWith(':2026-11-27'))?.state === 'skipped', 'Friday\'s run skipped');
    expect(c.port.posts()).toEqual([]);
    const friday = runRows(c).find((r) => r.story_id.endsWith(':2026-11-27'))!;
    expect(friday.reason).toBe('missed: due 07:30, 120 min late (no instance was running); the next run is scheduled');
    expect(c.logs.some((l) => /scheduled briefing missed/.test(l) && l.includes(`"subscription":"${sub.id}"`))).toBe(true);
    await until(() => runRows(c).some((r) => r.story_id === `briefing:${sub.id}:2026-11-30` && r.state === 'pending'), 'Monday\'s row');
    const [view] = await c.alerts.service.list(scope);
    expect(view.health.missedRuns).toEqual([at('2026-11-27T07:30:00Z')]);
    const fields = describeSubscription(view, view.health, new Date(at('2026-11-27T09:31:00Z'))).fields!.map((f) => `${f.name}: ${f.value}`);
    expect(fields).toContain('Missed: 07:30: no instance was running for two hours after the run\'s time, so it was skipped');
    expect(fields).toContain('Briefing: briefing 07:30 Europe/London mon-fri · next Mon 07:30 · every section');
  });

  it('a stopped server holds its briefing like an alert; /alerts start lets it out (late when it is)', async () => {
    const file = dbFile();
    const a = await instance(file, '2026-11-26T07:29:59.500Z');
    await a.alerts.service.briefing({ ...scope, channel: 'terminal:morning', schedule: { ...morning, days: [...morning.days] }, sections: [] }, admin);
    await a.alerts.service.stop(scope, admin, 'hoax check');
    await new Promise((r) => setTimeout(r, 1_200));
    expect(a.port.posts()).toEqual([]);
    await a.alerts.service.start(scope, admin);
    const [post] = await until(() => a.port.posts().length > 0 && a.port.posts(), 'the run after start');
    expect(post.reply.text).toBe('Nothing new since 07:30 yesterday.');
  });

  it('daylight saving: a run row on the day a time is skipped is due at the first minute after the gap; a doubled time at its first occurrence', async () => {
    const file = dbFile();
    const a = await instance(file, '2027-03-27T12:00:00Z');
    const spring = await a.alerts.service.briefing({ ...scope, channel: 'terminal:night', schedule: { at: '01:30', tz: 'Europe/London', days: ['sat', 'sun'] }, sections: [] }, admin);
    // Sunday 28 March 2027: 01:00 GMT jumps to 02:00 BST; 01:30 does not exist, the run is at 02:00 BST (01:00 UTC).
    expect(spring.firstRunAt).toBe(at('2027-03-28T01:00:00Z'));
    expect(runRows(a).map((r) => [r.story_id, r.due_at])).toEqual([[`briefing:${spring.subscription.id}:2027-03-28`, at('2027-03-28T01:00:00Z')]]);
    await stop(a);
    const b = await instance(dbFile(), '2027-10-30T12:00:00Z');
    // Sunday 31 October 2027: 01:30 happens twice (BST, then GMT): the first, 00:30 UTC.
    const autumn = await b.alerts.service.briefing({ ...scope, channel: 'terminal:night', schedule: { at: '01:30', tz: 'Europe/London', days: ['sun'] }, sections: [] }, admin);
    expect(autumn.firstRunAt).toBe(at('2027-10-31T00:30:00Z'));
  });
});
