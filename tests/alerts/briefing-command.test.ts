import { afterEach, describe, expect, it } from 'vitest';
import { alerts } from '../../commands/alerts.js';
import type { Invocation } from '../../src/core/command.js';
import { createDispatcher } from '../../src/core/dispatcher.js';
import type { Reply } from '../../src/core/reply.js';
import type { Services } from '../../src/core/services.js';
import { harness, quietLogger, TestClock, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Wednesday 25 November 2026, 12:00 UTC (London is on GMT then). */
async function setup() {
  const port = new RecordingPort('terminal');
  h = await harness({ ports: [port], realTime: true, clock: new TestClock(Date.parse('2026-11-25T12:00:00Z')) });
  const services = { articles: h.store.articles, ports: h.ports, alerts: h.alerts.service } as unknown as Services;
  const dispatcher = createDispatcher({ commands: [alerts], services, logger: quietLogger, now: h.now, autocompleteSources: h.alerts.autocompleteSources });
  const run = (text: string, channel = 'terminal:newsroom'): Promise<Reply> =>
    dispatcher.dispatch({ platform: 'terminal', command: 'alerts', text, user: { id: 'U1', name: 'Ada', isAdmin: true }, workspace: '', channel } as Invocation);
  const said = (r: Reply) => [r.text ?? '', ...r.cards.flatMap((c) => [c.title ?? '', c.text ?? '', ...(c.fields ?? []).map((f) => `${f.name}: ${f.value}`)])].join('\n');
  const runRows = () => (h!.store.db.prepare("SELECT story_id, state, due_at FROM alert_outbox WHERE kind = 'briefing' ORDER BY due_at").all() as Array<{ story_id: string; state: string; due_at: number | null }>);
  return { port, run, said, runRows };
}

describe('/alerts briefing', () => {
  it('schedules a briefing: listed with its next run, its first run row written; pause, resume, test and remove work on it', async () => {
    const { run, said, runRows, port } = await setup();
    const reply = await run('briefing #morning at:7:30 tz:Europe/London sections:World,Politics days:mon-fri');
    expect(reply.kind).toBe('answer');
    const id = /id (\w+)/.exec(reply.text!)![1];
    expect(reply.text).toBe(`Briefing scheduled (id ${id}): 07:30 Europe/London mon-fri in #morning, sections world, politics; next Thu 07:30. /alerts test ${id} posts it now.`);
    expect(runRows()).toEqual([{ story_id: `briefing:${id}:2026-11-26`, state: 'pending', due_at: Date.parse('2026-11-26T07:30:00Z') }]);

    const list = said(await run('list'));
    expect(list).toContain('0 alert subscriptions and 1 briefing:');
    expect(list).toContain(`${id} → #morning`);
    expect(list).toContain('Briefing: briefing 07:30 Europe/London mon-fri · next Thu 07:30 · sections: world, politics');
    expect(list).toContain('last posted never · 0 posted · 0 failed');

    // Pause skips the queued run; resume writes the next one again.
    expect(said(await run(`pause ${id}`))).toContain(`Paused ${id}`);
    expect(runRows()).toEqual([{ story_id: `briefing:${id}:2026-11-26`, state: 'skipped', due_at: null }]);
    expect(said(await run('list'))).toContain('briefing 07:30 Europe/London mon-fri · paused');
    expect(said(await run(`resume ${id}`))).toBe(`Resumed ${id}: the briefing posts in #morning again; next Thu 07:30.`);
    // Thursday's key was used by the skipped run: the schedule goes on from Friday's.
    expect(runRows().map((r) => [r.story_id, r.state])).toEqual([[`briefing:${id}:2026-11-26`, 'skipped'], [`briefing:${id}:2026-11-27`, 'pending']]);

    await h!.store.articles.upsert({ id: 'w1', title: 'Ceasefire talks resume in Lenna', dek: 'Envoys meet at dawn.', section: 'world', publishedAt: '2026-11-25T09:00:00Z' });
    expect(said(await run(`test ${id}`))).toBe(`TEST briefing posted for ${id}.`);
    expect(port.posts().map((p) => [p.target, p.reply.text])).toEqual([['terminal:morning', '[TEST] Briefing: top stories in world, politics since 12:00 yesterday:']]);
    expect(port.posts()[0].reply.cards.flatMap((c) => c.items?.map((i) => i.id))).toEqual(['w1']);

    // Quiet hours and mention rules are for alert subscriptions.
    expect((await run(`quiet ${id} from:22:00 to:07:00`)).text).toBe(`${id} is a briefing: it posts at its own time (07:30), so quiet hours do not apply.`);
    expect((await run(`mention ${id} mention:here`)).text).toBe(`${id} is a briefing: it pings nobody. Mention rules are for alert subscriptions.`);
    expect(said(await run(`remove ${id}`))).toBe(`Removed ${id}: no more briefings to #morning.`);
    expect(runRows().filter((r) => r.state === 'pending')).toEqual([]);
    const actions = (await h!.alerts.service.audit({ platform: 'terminal', workspace: '' }, 20)).map((e) => e.action);
    expect(actions).toEqual(['remove', 'test', 'resume', 'pause', 'briefing']);
  });

  it('tz: defaults to TIMEZONE and days: to daily', async () => {
    const { run, runRows } = await setup();
    const reply = await run('briefing at:18:00');
    const id = /id (\w+)/.exec(reply.text!)![1];
    expect(reply.text).toBe(`Briefing scheduled (id ${id}): 18:00 UTC daily in #newsroom; next Wed 18:00. /alerts test ${id} posts it now.`);
    expect(runRows()).toEqual([{ story_id: `briefing:${id}:2026-11-25`, state: 'pending', due_at: Date.parse('2026-11-25T18:00:00Z') }]);
  });

  it('every bad input gets a short answer naming what was wrong, and nothing is written', async () => {
    const { run, port, runRows } = await setup();
    const bad: Array<[string, string]> = [
      ['briefing #morning', 'Say when: at:07:30 (local time, HH:MM), e.g. /alerts briefing #morning at:07:30 days:mon-fri'],
      ['briefing #morning at:25:00', 'at: "25:00" is not a time of day. Use HH:MM from 00:00 to 23:59, e.g. at:07:30.'],
      ['briefing #morning at:07:30 tz:Mars/Olympus', 'Unknown time zone "Mars/Olympus". Use an IANA name such as Europe/London or America/New_York.'],
      ['briefing #morning at:07:30 days:funday', 'days: "funday" is not daily, mon-fri, sat,sun or a list of mon…sun (e.g. days:mon,wed,fri).'],
      ['briefing #morning at:07:30 days:mon-sun', 'days: "mon-sun" is not daily, mon-fri, sat,sun or a list of mon…sun (e.g. days:mon,wed,fri).'],
      ['briefing discord:G9/C1 at:07:30', 'channel: expected a channel of this server, like #breaking.'],
    ];
    for (const [text, answer] of bad) {
      const reply = await run(text);
      expect(reply.kind, text).toBe('error');
      expect(reply.text, text).toBe(answer);
    }
    port.missing = ['Send Messages'];
    expect((await run('briefing #morning at:07:30')).text).toBe('I cannot post in #morning: missing Send Messages. Fix that and run /alerts briefing again.');
    port.missing = [];
    expect(await h!.alerts.service.list({ platform: 'terminal', workspace: '' })).toEqual([]);
    expect(await h!.alerts.service.audit({ platform: 'terminal', workspace: '' }, 20)).toEqual([]);
    expect(runRows()).toEqual([]);
  });

  it('at most 20 briefings in one server or workspace: the 21st is refused and nothing is written', async () => {
    const { run, runRows } = await setup();
    for (let i = 0; i < 20; i++) expect((await run(`briefing #desk${i} at:07:${String(i).padStart(2, '0')}`)).kind).toBe('answer');
    // Alert subscriptions do not count.
    expect((await run('subscribe #alerts')).kind).toBe('answer');
    const reply = await run('briefing #desk20 at:08:00');
    expect(reply).toMatchObject({ kind: 'error', text: 'This server has 20 briefings already (at most 20). Remove one first: /alerts list shows them.' });
    expect((await h!.alerts.service.list({ platform: 'terminal', workspace: '' })).filter((s) => s.briefing)).toHaveLength(20);
    expect(runRows()).toHaveLength(20);
  });
});
