import { afterEach, describe, expect, it } from 'vitest';
import { ArticleKilled } from '../../src/domain/article.js';
import { harness, TestClock, admin, type Harness } from './harness.js';
import { Permanent, RecordingPort } from './ports.js';

/** Newsroom controls I: /alerts recall (one scope) and the newsroom's kill (everywhere), through the outbox. */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const here = { platform: 'terminal' as const, workspace: '' };
const DAM = { id: 'cms-7', url: 'https://news.example/dam', title: 'Dam fails upstream of the capital', priority: 'breaking' as const, section: 'world' };
const ops = (port: RecordingPort, op: string) => port.sent.filter((s) => s.op === op).map((s) => s.target);
const idle = () => new Promise((r) => setTimeout(r, 150));

async function setup() {
  const clock = new TestClock();
  const terminal = new RecordingPort('terminal');
  const discord = new RecordingPort('discord');
  h = await harness({ clock, ports: [terminal, discord] });
  const desk = await h.subscribe({ channel: 'terminal:desk', threads: true });
  const wire = await h.subscribe({ channel: 'terminal:wire' });
  const other = await h.alerts.service.subscribe({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', minPriority: 'routine' } as never, { ...admin, platform: 'discord', workspace: 'G1' });
  return { clock, terminal, discord, desk, wire, other };
}

describe('/alerts recall', () => {
  it('deletes every posted copy here with its thread replies, skips nothing elsewhere, and the story raises no further alert here', async () => {
    const { terminal, discord } = await setup();
    await h!.store.articles.upsert(DAM);
    await h!.settled(3);
    await h!.store.articles.upsert({ ...DAM, title: 'Dam fails upstream of the capital; thousands evacuated' });
    await h!.settled(3);
    const [deskPost, wirePost] = terminal.posts().map((p) => p.target);
    expect(ops(terminal, 'thread')).toHaveLength(1);

    const outcome = await h!.alerts.service.recall(here, 'cms-7', 'wrong casualty figures', admin);
    expect(outcome).toEqual({ already: null, channels: 2, messages: 3 });
    await h!.settled(2);
    // Thread reply first, then the alert; both channels here; Discord (another scope) untouched.
    expect(ops(terminal, 'delete')).toHaveLength(3);
    expect(ops(terminal, 'delete').filter((t) => t.startsWith(deskPost.replace(/#.*/, '')))).toHaveLength(2);
    expect(ops(terminal, 'delete').some((t) => t.startsWith(wirePost.replace(/#.*/, '')))).toBe(true);
    expect(ops(discord, 'delete')).toEqual([]);

    // A second recall says so and repeats nothing; a new version edits only the other scope.
    expect((await h!.alerts.service.recall(here, 'cms-7', 'again', admin)).already).toMatchObject({ reason: 'wrong casualty figures', by: { name: 'Ada' } });
    await h!.store.articles.upsert({ ...DAM, title: 'Dam fails: corrected figures' });
    await h!.settled(1);
    await idle();
    expect(ops(terminal, 'edit')).toHaveLength(2); // the two edits before the recall
    expect(ops(discord, 'edit')).toHaveLength(2);

    const why = await h!.alerts.service.why(here, 'terminal:desk', 'cms-7');
    expect(why[0].explanation).toMatch(/^recalled: wrong casualty figures: the alert was deleted at \d\d:\d\d/);
    expect((await h!.alerts.service.audit(here, 5)).map((e) => e.action)).toContain('recall');
  });

  it('a refusal is recorded for that message only and pauses nothing', async () => {
    const { terminal } = await setup();
    await h!.store.articles.upsert(DAM);
    await h!.settled(3);
    terminal.failNext('delete', new Permanent('cant_delete_message', 'Slack refused to delete it (cant_delete_message)', 'message'));
    await h!.alerts.service.recall(here, 'cms-7', 'legal', admin);
    await h!.settled(2);
    const rows = await h!.store.outbox.forStoryAll('cms-7');
    expect(rows.filter((r) => r.platform === 'terminal').map((r) => r.deleteState).sort()).toEqual(['deleted', 'failed']);
    expect((await h!.alerts.service.list(here)).every((s) => !s.paused)).toBe(true);
  });

  it('removes the story from a sent "N more stories" fold (an edit), and deletes run while the scope is stopped', async () => {
    const clock = new TestClock();
    const terminal = new RecordingPort('terminal');
    h = await harness({ clock, ports: [terminal] });
    await h.subscribe({ channel: 'terminal:desk' });
    // Stop first: routine stories pile up and fold; start sends the fold.
    await h.alerts.service.stop(here, admin, null);
    for (let i = 1; i <= 7; i++) await h.store.articles.upsert({ id: `r${i}`, title: `Routine story number ${i} about the tram line`, url: `https://news.example/r${i}`, priority: 'routine' });
    await h.alerts.service.start(here, admin);
    await h.settled(6);
    const fold = terminal.posts().find((p) => /more stories/.test(p.reply.cards[0].title ?? ''))!;
    const listed = fold.reply.cards[0].items!.map((i) => i.id);
    expect(listed.length).toBeGreaterThanOrEqual(2);
    await h.alerts.service.stop(here, admin, 'checking');
    await h.alerts.service.recall(here, listed[0]!, 'duplicate', admin);
    await h.settled(1);
    const edit = terminal.sent.filter((s) => s.op === 'edit').at(-1)!;
    expect(edit.reply.cards[0].items!.map((i) => i.id)).toEqual(listed.slice(1));
  });
});

describe('the newsroom\'s kill', () => {
  it('deletes the alert in every server and workspace, hides the story from readers, and refuses later writes', async () => {
    const { terminal, discord } = await setup();
    await h!.store.articles.upsert(DAM);
    await h!.settled(3);
    await h!.store.articles.upsert({ ...DAM, status: 'killed' });
    await h!.settled(3);
    expect(ops(terminal, 'delete')).toHaveLength(2);
    expect(ops(discord, 'delete')).toHaveLength(1);
    expect(await h!.store.articles.get('cms-7')).toBeNull();
    expect((await h!.store.articles.latest({ limit: 10, offset: 0 })).items).toEqual([]);
    await expect(h!.store.articles.upsert({ ...DAM, status: 'published' })).rejects.toThrow(ArticleKilled);
    expect((await h!.alerts.service.recall(here, 'cms-7', 'x', admin)).already).toMatchObject({ kind: 'kill' });
  });

  it('a story recalled while held for quiet hours is left out of the "While you were away" message', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T23:00:00Z');
    const terminal = new RecordingPort('terminal');
    h = await harness({ clock, ports: [terminal] });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.alerts.service.setQuiet(here, sub.id, { from: '22:00', to: '07:00', tz: 'UTC' }, admin);
    await h.store.articles.upsert({ id: 'q1', title: 'Night story one about the port', priority: 'urgent' });
    await h.store.articles.upsert({ id: 'q2', title: 'Night story two about the rail strike', priority: 'urgent' });
    await h.alerts.service.recall(here, 'q1', 'wrong', admin);
    clock.set('2026-11-26T07:00:01Z');
    h.alerts.dispatcher.wake();
    await h.settled(1);
    expect(terminal.posts().map((p) => p.reply.cards[0].items?.map((i) => i.id))).toEqual([['q2']]);
  });
});
