import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxStore } from '../../src/store/types.js';
import { StoreUnavailable } from '../../src/store/unavailable.js';
import { harness, quakeArticle as quake, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

/**
 * The store fails under the dispatcher (a bookkeeping query dies mid-fan-out), or one of its rows cannot be read:
 * no row stays 'sending' under this live sender's claim (it goes back to the queue, in doubt, once the store
 * answers, and is looked up on the platform before any re-post), and one unreadable row is set aside while the
 * others go out.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Every outbox call fails while `away.on` (the dispatcher holds this very object: the store's outbox). */
function breakable(outbox: OutboxStore): { on: boolean; refused: number } {
  const away = { on: false, refused: 0 };
  for (const key of Object.keys(Object.getPrototypeOf(outbox)).concat(Object.keys(outbox))) {
    const real = (outbox as unknown as Record<string, unknown>)[key];
    if (typeof real !== 'function') continue;
    (outbox as unknown as Record<string, unknown>)[key] = (...args: unknown[]) => {
      if (away.on) {
        away.refused += 1;
        return Promise.reject(new StoreUnavailable('PostgreSQL: Connection terminated unexpectedly'));
      }
      return (real as (...a: unknown[]) => unknown).apply(outbox, args);
    };
  }
  return away;
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the store fails mid-delivery', () => {
  it('the platform took the post, then every bookkeeping write failed: once the store is back the row is looked up, found, and marked sent; posted once', async () => {
    const port = new RecordingPort('terminal', { withHistory: true });
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    const away = breakable(h.store.outbox);
    const post = port.post.bind(port);
    port.post = async (...args) => {
      const ref = await post(...args);
      away.on = true; // the connection dies right after the platform answered
      return ref;
    };
    await h.store.articles.upsert(quake());
    await until(() => away.refused >= 3, 'the bookkeeping and the release to be refused while the store is away');
    expect(h.outbox.forStory('quake', sub.id)).toMatchObject({ state: 'sending' });
    port.post = post;
    away.on = false;
    await until(() => h!.outbox.forStory('quake', sub.id)?.state === 'sent', 'the row to be sent once the store answers');
    expect(port.posts()).toHaveLength(1);
    expect(h.outbox.forStory('quake', sub.id)).toMatchObject({ state: 'sent', inDoubt: false, messageRef: 'terminal:desk#m1', dueAt: null });
  });

  it('Discord-like (no history, the nonce dedupes): the re-post after the store came back carries the same delivery id', async () => {
    const port = new RecordingPort('terminal', { dedupeByDeliveryId: true });
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    const away = breakable(h.store.outbox);
    const post = port.post.bind(port);
    let calls = 0;
    port.post = async (...args) => {
      calls += 1;
      const ref = await post(...args);
      if (calls === 1) away.on = true;
      return ref;
    };
    await h.store.articles.upsert(quake());
    await until(() => away.refused >= 2, 'the bookkeeping to be refused');
    away.on = false;
    await until(() => h!.outbox.forStory('quake', sub.id)?.state === 'sent', 'the row to be sent once the store answers');
    expect(calls).toBe(2);
    expect(port.posts()).toHaveLength(1);
  });
});

describe('an unreadable row', () => {
  it('a subscription whose channel reference does not parse: its row is failed with the reason, the other channels get the alert', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const good = [await h.subscribe({ channel: 'terminal:desk' }), await h.subscribe({ channel: 'terminal:wire' })];
    const bad = await h.subscribe({ channel: 'terminal:bad' });
    // Written by hand (or by a bad migration): not a channel reference at all.
    h.store.db.prepare(`UPDATE alert_subscriptions SET channel = 'terminal:not a channel!' WHERE id = ?`).run(bad.id);
    await h.store.articles.upsert(quake());
    await h.settled(2);
    expect(port.posts().map((p) => p.target).sort()).toEqual(['terminal:desk', 'terminal:wire']);
    await until(() => h!.outbox.forStory('quake', bad.id)?.state === 'failed', 'the unreadable row to be set aside');
    expect(h.outbox.forStory('quake', bad.id)).toMatchObject({
      state: 'failed', dueAt: null, reason: 'unreadable row: not a channel reference: "terminal:not a channel!"',
    });
    for (const sub of good) expect(h.outbox.forStory('quake', sub.id)).toMatchObject({ state: 'sent' });
  });
});
