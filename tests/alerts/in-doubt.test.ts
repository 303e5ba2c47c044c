import { afterEach, describe, expect, it } from 'vitest';
import type { SettledEvent } from '../../src/alerts/dispatcher.js';
import { RetryLater } from '../../src/outbound/port.js';
import { harness, quakeArticle as quake, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});


function retries(h: Harness): SettledEvent[] {
  const seen: SettledEvent[] = [];
  h.alerts.dispatcher.onSettled((e) => {
    if (e.retrying) seen.push(e);
  });
  return seen;
}

describe('ambiguous failures leave a post in doubt', () => {
  it('Slack-like port: a fatal_error after the write is checked in history, not posted twice', async () => {
    const port = new RecordingPort('terminal', { withHistory: true });
    port.failNext('post', new RetryLater(20, 'Slack: fatal_error', { inDoubt: true }), { afterWrite: true });
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    const retried = retries(h);
    await h.store.articles.upsert(quake());
    await h.settled(1);
    expect(retried.map((e) => e.delivery.inDoubt)).toEqual([true]);
    expect(port.posts()).toHaveLength(1);
    const row = h.outbox.forStory('quake', sub.id)!;
    expect(row).toMatchObject({ state: 'sent', inDoubt: false });
    expect(row.messageRef).toBe('terminal:desk#m1');
  });

  it('Discord-like port: a 5xx leaves the row in doubt and the re-post carries the same delivery id (nonce)', async () => {
    const port = new RecordingPort('terminal', { dedupeByDeliveryId: true });
    port.failNext('post', new RetryLater(20, 'Discord 502', { inDoubt: true }), { afterWrite: true });
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    const retried = retries(h);
    await h.store.articles.upsert(quake());
    await h.settled(1);
    expect(retried.map((e) => e.delivery.inDoubt)).toEqual([true]);
    expect(port.posts()).toHaveLength(1);
    expect(h.outbox.forStory('quake', sub.id)).toMatchObject({ state: 'sent', messageRef: 'terminal:desk#m1' });
  });

  it('a plain refusal (429) is not in doubt: the retry posts without asking', async () => {
    const port = new RecordingPort('terminal', { withHistory: true });
    let asked = 0;
    const find = port.findPosted!;
    port.findPosted = async (...args) => {
      asked++;
      return find(...args);
    };
    port.failNext('post', new RetryLater(20, 'Slack rate limit (429)'));
    h = await harness({ ports: [port], realTime: true });
    const retried = retries(h);
    await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert(quake());
    await h.settled(1);
    expect(retried.map((e) => e.delivery.inDoubt)).toEqual([false]);
    expect(asked).toBe(0);
    expect(port.posts()).toHaveLength(1);
  });
});

describe('a post in doubt that is retracted before the retry', () => {
  it('is found in history, marked sent, and struck through by an edit (not skipped, not posted again)', async () => {
    const port = new RecordingPort('terminal', { withHistory: true });
    port.failNext('post', new RetryLater(150, 'Slack: internal_error', { inDoubt: true }), { afterWrite: true });
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    const retried = retries(h);
    await h.store.articles.upsert(quake());
    for (let i = 0; i < 100 && retried.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(retried).toHaveLength(1);
    await h.store.articles.upsert(quake({ status: 'retracted' }));
    await h.settled(2);
    expect(port.posts()).toHaveLength(1);
    const edits = port.sent.filter((s) => s.op === 'edit');
    expect(edits).toHaveLength(1);
    expect(edits[0].target).toBe('terminal:desk#m1');
    expect(edits[0].reply.cards[0]).toMatchObject({ struck: true, badge: 'RETRACTED' });
    expect(h.outbox.forStory('quake', sub.id)).toMatchObject({ state: 'sent', messageRef: 'terminal:desk#m1', dueAt: null });
  });
});
