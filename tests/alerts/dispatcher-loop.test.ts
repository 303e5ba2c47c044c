import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.js';
import { harness, TestClock, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
  h = undefined;
});

/** Lets the event loop run for a while (timers included); what is asserted is a count, never the time. */
const idle = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const TITLES = ['Ferry runs aground', 'Bridge closed after crash', 'Storm cuts power', 'Mayor resigns suddenly', 'Flood warning issued', 'Airport shuts runway'];
const story = (i: number) => ({ id: `s${i}`, title: TITLES[i - 1], priority: 'breaking' as const });

describe('the dispatcher loop', () => {
  it('does not spin while due rows are paced: the clock stands still, so the loop sleeps until the pacing wait', async () => {
    // The port states its limit, as the adapters do: 5 messages per 5 s per channel.
    const rateRules = { rules: [{ id: 'test:channel', ops: ['post' as const], scope: 'channel' as const, limit: 5, windowMs: 5000 }] };
    const port = new RecordingPort('discord', { rateRules });
    h = await harness({ clock: new TestClock(), ports: [port] });
    await h.subscribe({ platform: 'discord', workspace: 'g', channel: 'discord:g/1' });
    for (let i = 1; i <= 6; i++) await h.store.articles.upsert(story(i));
    await h.settled(5); // 5 messages per 5 s per channel; the clock does not move, so the 6th waits
    const due = vi.spyOn(SqliteOutbox.prototype, 'due');
    await idle(150);
    // Before the fix the paced row made the next wait 0 and a 1 ms timer polled the outbox ~100 times here.
    expect(due.mock.calls.length).toBeLessThanOrEqual(2);
    expect(port.posts()).toHaveLength(5);
  });

  it('does not poll for a platform whose adapter is not up yet, and delivers as soon as its port is added', async () => {
    const port = new RecordingPort('slack');
    h = await harness({ clock: new TestClock(), ports: [port] });
    await h.subscribe({ platform: 'slack', workspace: 'T1', channel: 'slack:T1/C1' });
    h.ports.detach('slack'); // Slack still connecting
    const due = vi.spyOn(SqliteOutbox.prototype, 'due');
    const nextDue = vi.spyOn(SqliteOutbox.prototype, 'nextDueAt');
    await h.store.articles.upsert(story(1));
    await idle(150);
    expect(due.mock.calls.length + nextDue.mock.calls.length).toBeLessThanOrEqual(4);
    expect(port.posts()).toHaveLength(0);
    h.ports.attach(port); // what src/app.ts does once the adapter is up; no explicit wake()
    await h.settled(1);
    expect(port.posts()).toHaveLength(1);
  });
});
