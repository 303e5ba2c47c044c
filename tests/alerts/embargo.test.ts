import { afterEach, describe, expect, it } from 'vitest';
import { harness, TestClock, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

/**
 * Newsroom controls I: what the alerts pipeline does with an embargoed story. The lift is the store's (liftDue, as the
 * lifter calls it); these tests drive it on the test clock. The lifter's own timer is covered by tests/e2e/embargo.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DAM = { url: 'https://news.example/dam-report', section: 'world' };
const LIFT = '2026-11-25T13:00:00.000Z';

async function setup(): Promise<{ port: RecordingPort; clock: TestClock }> {
  const clock = new TestClock();
  const port = new RecordingPort('terminal');
  h = await harness({ clock, ports: [port] });
  await h.subscribe({ channel: 'terminal:desk' });
  return { port, clock };
}

const titles = (port: RecordingPort, op: 'post' | 'edit') => port.sent.filter((s) => s.op === op).map((s) => s.reply.cards[0].title);

describe('an embargoed story and its alerts', () => {
  it('queues nothing before the lift; at the lift alerts once, with the version current then', async () => {
    const { port, clock } = await setup();
    await h!.store.articles.upsert({ ...DAM, id: 'cms-1', origin: 'push', title: 'Dam report finds cracks', priority: 'breaking', embargoUntil: LIFT });
    await h!.store.articles.upsert({ ...DAM, id: 'cms-1', origin: 'push', title: 'Dam report finds deep cracks', priority: 'breaking' });
    await new Promise((r) => setTimeout(r, 100));
    expect(port.sent).toEqual([]);
    expect(await h!.store.stories.story('cms-1')).toBeNull();

    clock.set('2026-11-25T13:00:00.500Z');
    expect((await h!.store.articles.liftDue(clock.ms)).map((a) => a.id)).toEqual(['cms-1']);
    await h!.settled(1);
    expect(titles(port, 'post')).toEqual(['Dam report finds deep cracks']);
    expect(await h!.store.articles.liftDue(clock.ms + 1000)).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(port.sent).toHaveLength(1);
  });

  it('a feed\'s copy alerts on its own; at the lift the newsroom\'s text takes the story over with one edit, never at ingest', async () => {
    const { port, clock } = await setup();
    await h!.store.articles.upsert({ ...DAM, id: 'wire:9', origin: 'feed:wire', title: 'Wire: cracks reported at the dam', priority: 'breaking' });
    await h!.settled(1);
    await h!.store.articles.upsert({ ...DAM, id: 'cms-2', origin: 'push', title: 'Dam report: EMBARGOED TEXT', priority: 'breaking', embargoUntil: LIFT });
    await new Promise((r) => setTimeout(r, 150));
    // No leak: the embargoed text never reached the feed's posted alert.
    expect(port.sent.map((s) => s.op)).toEqual(['post']);
    clock.set(LIFT);
    await h!.store.articles.liftDue(clock.ms);
    await h!.settled(1);
    expect(titles(port, 'post')).toEqual(['Wire: cracks reported at the dam']);
    expect(titles(port, 'edit')).toEqual(['Dam report: EMBARGOED TEXT']);
  });

  it('a retraction before the lift sends nothing', async () => {
    const { port, clock } = await setup();
    await h!.store.articles.upsert({ ...DAM, id: 'cms-3', origin: 'push', title: 'Dam report', priority: 'breaking', embargoUntil: LIFT });
    await h!.store.articles.upsert({ ...DAM, id: 'cms-3', origin: 'push', title: 'Dam report', priority: 'breaking', status: 'retracted' });
    clock.set(LIFT);
    await h!.store.articles.liftDue(clock.ms);
    await new Promise((r) => setTimeout(r, 150));
    expect(port.sent).toEqual([]);
  });
});
