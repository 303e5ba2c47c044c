import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../../src/ingest/feeds/parse.js';
import { SliceQueue } from '../../../src/ingest/feeds/time-slice.js';

/**
 * Many feeds parsing at once share one queue: one slice per turn of the event loop, whatever their number, so a
 * waiting request is read after one slice, never after one slice per feed. Counted in turns of the event loop with
 * a zero budget (every checkpoint hands the turn over), so the counts depend on the input, not on this machine.
 */
const NOW = Date.parse('2026-11-25T12:00:00Z');

function feed(n: number): string {
  const body = '<p>Paragraph with <b>markup</b> &amp; an entity.</p>'.repeat(400);
  const items = Array.from({ length: 5 }, (_, i) =>
    `<item><guid>f${n}-${i}</guid><title>Story ${n}-${i}</title><description><![CDATA[${body}]]></description></item>`);
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed ${n}</title>${items.join('')}</channel></rss>`;
}

/** Turns of the event loop (a heartbeat on each) while `work` runs. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let beating = true;
  const beat = () => {
    turns += 1;
    if (beating) setImmediate(beat);
  };
  setImmediate(beat);
  await work();
  beating = false;
  return turns;
}

describe('feeds parsing at once', () => {
  it('take turns: 20 feeds parsing together give the event loop as many turns as the 20 parsed one by one', async () => {
    const one = await turnsDuring(() => parseFeed(feed(0), 'https://a.example/rss', NOW, { budgetMs: 0 }));
    expect(one).toBeGreaterThan(10);
    const together = await turnsDuring(() =>
      Promise.all(Array.from({ length: 20 }, (_, i) => parseFeed(feed(i), `https://a.example/${i}.xml`, NOW, { budgetMs: 0 }))));
    // Taking turns, the 20 parses need 20 times the turns of one (a few turns' slack); resuming all together
    // in the same turn, as many as one.
    expect(together).toBeGreaterThanOrEqual(20 * (one - 2));
  }, 60_000);

  it('take turns first come, first served, a few under way at once: the next starts when one ends', async () => {
    const queue = new SliceQueue(2);
    const turns: string[] = [];
    const job = (name: string) => queue.run(async (slice) => {
      for (let i = 0; i < 3; i++) {
        turns.push(name);
        await slice.yield();
      }
    });
    await Promise.all([job('A'), job('B'), job('C')]);
    expect(turns.join('')).toBe('ABABABCCC');
  });

  it('a feed that fails to parse hands its turn on: the others finish', async () => {
    const results = await Promise.allSettled([
      parseFeed('<rss><channel><item></channel></rss>', 'https://c.example/broken.xml', NOW, { budgetMs: 0 }),
      parseFeed(feed(1), 'https://c.example/1.xml', NOW, { budgetMs: 0 }),
      parseFeed('{"version": "https://jsonfeed.org/version/1.1", "items": "nope"}', 'https://c.example/feed.json', NOW, { budgetMs: 0 }),
      parseFeed(feed(2), 'https://c.example/2.xml', NOW, { budgetMs: 0 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.items.length : 0))).toEqual([0, 5, 0, 5]);
  });
});
