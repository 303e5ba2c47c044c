import { afterEach, describe, expect, it } from 'vitest';
import { harness, TestClock, admin, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

/** Newsroom controls I: /alerts stop holds everything of the scope at once; /alerts start resumes, grouping the old. */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const here = { platform: 'terminal' as const, workspace: '' };
const story = (id: string, title: string) => ({ id, title, url: `https://news.example/${id}`, priority: 'breaking' as const, section: 'world' });

describe('/alerts stop and start', () => {
  it('holds alerts and edits of the stopped scope; start sends what is recent as usual and groups what waited over 30 minutes', async () => {
    const clock = new TestClock();
    const port = new RecordingPort('terminal');
    h = await harness({ clock, ports: [port] });
    await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert(story('s0', 'Bridge reopens after repairs'));
    await h.settled(1);

    const stopped = await h.alerts.service.stop(here, admin, 'verifying a hoax');
    expect(stopped).toMatchObject({ changed: true, stop: { reason: 'verifying a hoax', by: { name: 'Ada' } } });
    expect(await h.alerts.service.stop(here, admin, 'again')).toMatchObject({ changed: false, stop: { reason: 'verifying a hoax' } });
    // A correction of the posted story (an edit) and a new story: neither leaves.
    await h.store.articles.upsert({ ...story('s0', 'Bridge reopens after repairs'), title: 'Bridge reopens after two weeks of repairs' });
    await h.store.articles.upsert(story('s1', 'Old story held by the stop'));
    h.alerts.dispatcher.wake();
    await new Promise((r) => setTimeout(r, 200));
    expect(port.sent.map((s) => s.op)).toEqual(['post']);

    clock.advance(31 * 60_000);
    await h.store.articles.upsert(story('s2', 'Recent story held by the stop'));
    await new Promise((r) => setTimeout(r, 100));
    expect(port.sent).toHaveLength(1);

    const started = await h.alerts.service.start(here, admin);
    expect(started).toMatchObject({ grouped: 1, channels: 1, stop: { reason: 'verifying a hoax' } });
    await h.settled(3);
    const posts = port.posts().slice(1).map((p) => p.reply.cards[0].title).sort();
    expect(posts).toEqual(['Recent story held by the stop', 'While stopped: 1 story']);
    expect(port.sent.filter((s) => s.op === 'edit').map((s) => s.reply.cards[0].title)).toEqual(['Bridge reopens after two weeks of repairs']);
    expect(await h.alerts.service.start(here, admin)).toMatchObject({ stop: null, grouped: 0 });
    expect((await h.alerts.service.audit(here, 10)).map((e) => e.action).filter((a) => a === 'stop' || a === 'start')).toEqual(['start', 'stop']);
  });

  it('a stop in one scope holds nothing of another', async () => {
    const clock = new TestClock();
    const port = new RecordingPort('terminal');
    h = await harness({ clock, ports: [port] });
    await h.subscribe({ channel: 'terminal:desk' });
    await h.alerts.service.stop({ platform: 'discord' as never, workspace: 'G1' }, admin, null);
    await h.store.articles.upsert(story('s3', 'Not held: another scope was stopped'));
    await h.settled(1);
    expect(port.posts().map((p) => p.reply.cards[0].title)).toEqual(['Not held: another scope was stopped']);
  });
});
