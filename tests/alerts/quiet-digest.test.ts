import { afterEach, describe, expect, it } from 'vitest';
import { harness, TestClock, admin, type Harness } from './harness.js';
import { Permanent, RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const here = { platform: 'terminal' as const, workspace: '' };
const london = { from: '22:00', to: '07:00', tz: 'Europe/London' };

describe('quiet hours changed during quiet hours', () => {
  it('a story held after the digest was released early goes out in a new digest, not into a group that does not exist', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T23:00:00Z');
    const port = new RecordingPort('terminal');
    h = await harness({ clock, ports: [port] });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.alerts.service.setQuiet(here, sub.id, london, admin);
    await h.store.articles.upsert({ id: 'u1', title: 'Storm warning issued for the coast', priority: 'urgent' });
    // `/alerts quiet` again, inside the window: what was held goes out now.
    await h.alerts.service.setQuiet(here, sub.id, london, admin);
    await h.settled(1);
    expect(port.posts().map((p) => p.reply.cards[0].items?.map((i) => i.id))).toEqual([['u1']]);

    await h.store.articles.upsert({ id: 'r1', title: 'Museum opens a new wing downtown', priority: 'routine' });
    await h.store.articles.upsert({ id: 'r2', title: 'Tram line extension approved', priority: 'routine' });
    const held = h.outbox.forStory('r1', sub.id)!;
    expect(held.state).toBe('held');
    const group = h.outbox.get(held.foldedInto!);
    expect(group).toMatchObject({ kind: 'digest', state: 'pending' });
    expect(h.outbox.forStory('r2', sub.id)!.foldedInto).toBe(group!.id);

    clock.set('2026-11-26T07:00:01Z');
    h.alerts.dispatcher.wake();
    await h.settled(1);
    expect(port.posts()[1].reply.cards[0].items!.map((i) => i.id)).toEqual(['r1', 'r2']);
    expect(h.outbox.forStory('r1', sub.id)!.state).toBe('sent');
  });
});

describe('a digest that cannot be sent', () => {
  it('fails its held members with the same reason instead of leaving them held forever', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T23:00:00Z');
    const port = new RecordingPort('terminal');
    h = await harness({ clock, ports: [port] });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.alerts.service.setQuiet(here, sub.id, london, admin);
    await h.store.articles.upsert({ id: 'u1', title: 'Storm warning issued for the coast', priority: 'urgent' });
    port.failNext('post', new Permanent('msg_too_long', 'Slack refused the message (msg_too_long)', 'message'));
    clock.set('2026-11-26T07:00:01Z');
    h.alerts.dispatcher.wake();
    const [settled] = await h.settled(1);
    expect(settled.delivery).toMatchObject({ kind: 'digest', state: 'failed' });
    expect(h.outbox.forStory('u1', sub.id)).toMatchObject({ state: 'failed', reason: expect.stringContaining('msg_too_long') });
  });
});
