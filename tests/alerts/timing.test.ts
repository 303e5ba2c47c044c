import { afterEach, describe, expect, it } from 'vitest';
import { quietState } from '../../src/alerts/quiet-hours.js';
import { harness, TestClock, admin, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('quiet hours', () => {
  const london = { from: '22:00', to: '07:00', tz: 'Europe/London' };

  it('knows windows that cross midnight, and when they end, in the subscription time zone', () => {
    expect(quietState(new Date('2026-07-01T21:30:00Z'), london)).toEqual({ quiet: true, endsAt: new Date('2026-07-02T06:00:00Z') }); // 22:30 BST
    expect(quietState(new Date('2026-07-01T20:59:00Z'), london)).toEqual({ quiet: false });
    expect(quietState(new Date('2026-01-10T06:59:30Z'), london)).toEqual({ quiet: true, endsAt: new Date('2026-01-10T07:00:00Z') });
    expect(quietState(new Date('2026-01-10T07:00:00Z'), london)).toEqual({ quiet: false });
    // The clocks go back during the night of 2026-10-25: 07:00 local is 07:00 UTC, not 06:00.
    expect(quietState(new Date('2026-10-24T22:30:00Z'), london)).toEqual({ quiet: true, endsAt: new Date('2026-10-25T07:00:00Z') });
    expect(quietState(new Date('2026-01-10T13:00:00Z'), { from: '12:00', to: '14:00', tz: 'UTC' })).toEqual({ quiet: true, endsAt: new Date('2026-01-10T14:00:00Z') });
  });

  it('lets breaking through, holds the rest, and posts ONE "While you were away" message when they end', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T23:00:00Z');
    const port = new RecordingPort('terminal');
    h = await harness({ clock, ports: [port] });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.alerts.service.setQuiet({ platform: 'terminal', workspace: '' }, sub.id, london, admin);
    await h.store.articles.upsert({ id: 'u1', title: 'Storm warning issued for the coast', priority: 'urgent' });
    await h.store.articles.upsert({ id: 'r1', title: 'Museum opens a new wing downtown', priority: 'routine' });
    await h.store.articles.upsert({ id: 'b1', title: 'Dam fails upstream of the capital', priority: 'breaking' });
    await h.settled(1);
    expect(port.posts().map((p) => p.reply.cards[0].title)).toEqual(['Dam fails upstream of the capital']);
    const [held] = await h.alerts.service.why({ platform: 'terminal', workspace: '' }, 'terminal:desk', 'u1');
    expect(held.explanation).toBe('held for quiet hours; it goes out in one "While you were away" message at 07:00 on 2026-11-26');

    clock.set('2026-11-26T07:00:01Z');
    h.alerts.dispatcher.wake();
    await h.settled(1);
    const digest = port.posts()[1].reply.cards[0];
    expect(digest.title).toBe('While you were away: 2 stories');
    expect(digest.items!.map((i) => i.id)).toEqual(['u1', 'r1']);
    expect(port.posts()).toHaveLength(2);
    expect(h.outbox.forStory('u1', sub.id)!.state).toBe('sent');
  });
});
