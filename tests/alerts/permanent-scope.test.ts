import { afterEach, describe, expect, it } from 'vitest';
import { Permanent } from '../../src/outbound/port.js';
import { harness, TestClock, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const here = { platform: 'terminal' as const, workspace: '' };

describe('permanent failures by scope', () => {
  it('a refused message fails alone: the subscription stays active and the next story goes out', async () => {
    const port = new RecordingPort('terminal');
    port.failNext('post', new Permanent('invalid_blocks', 'Slack refused the message (invalid_blocks)', 'message'));
    h = await harness({ ports: [port] });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert({ id: 'a1', title: 'Ferry runs aground', priority: 'breaking' });
    await h.settled(1);
    expect(h.outbox.forStory('a1', sub.id)).toMatchObject({ state: 'failed', reason: expect.stringContaining('invalid_blocks') });
    expect((await h.alerts.service.get(here, sub.id))!.paused).toBe(false);
    await h.store.articles.upsert({ id: 'a2', title: 'Bridge closed after crash', priority: 'breaking' });
    await h.settled(1);
    expect(port.posts().map((p) => p.reply.cards[0].title)).toEqual(['Bridge closed after crash']);
  });

  it('a refusal of the bot itself holds the platform without pausing anyone, shows it in /alerts list, and resumes later', async () => {
    const clock = new TestClock();
    const port = new RecordingPort('terminal');
    // Both posts leave in the same pass: each is refused, as every request with a revoked token is.
    for (let i = 0; i < 2; i++) port.failNext('post', new Permanent('token_revoked', 'the bot token was revoked', 'bot'));
    h = await harness({ clock, ports: [port] });
    const a = await h.subscribe({ channel: 'terminal:a' });
    const b = await h.subscribe({ channel: 'terminal:b' });
    const retried: string[] = [];
    h.alerts.dispatcher.onSettled((e) => e.retrying && retried.push(e.delivery.id));
    await h.store.articles.upsert({ id: 'a1', title: 'Ferry runs aground', priority: 'breaking' });
    for (let i = 0; i < 100 && retried.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(retried).toHaveLength(2);
    expect(port.posts()).toHaveLength(0);
    const listed = await h.alerts.service.list(here);
    expect(listed.map((s) => s.paused)).toEqual([false, false]);
    expect(listed[0].health.platformProblem).toContain('token_revoked');
    expect([h.outbox.forStory('a1', a.id)!.state, h.outbox.forStory('a1', b.id)!.state]).toEqual(['pending', 'pending']);

    clock.advance(5 * 60_000 + 1);
    h.alerts.dispatcher.wake();
    await h.settled(2);
    expect(port.posts()).toHaveLength(2);
    expect(h.alerts.dispatcher.platformProblem('terminal')).toBeNull();
  });
});
