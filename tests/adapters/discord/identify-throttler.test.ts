import { describe, expect, it } from 'vitest';
import { SharedIdentifyThrottler } from '../../../src/adapters/discord/identify-throttler.js';

/** A slot table that answers from a script: how many ms remain for each ask, 0 when the slot is taken. */
function scripted(answers: number[]) {
  const asked: Array<{ name: string; spacingMs: number }> = [];
  return {
    asked,
    async takeSlot(name: string, spacingMs: number) {
      asked.push({ name, spacingMs });
      return answers.shift() ?? 0;
    },
  };
}

describe('IDENTIFY spacing shared by instances', () => {
  it('takes the slot of the shard\'s rate-limit key (shard id % max_concurrency) for 5 s, waiting while another holds it', async () => {
    const slots = scripted([3, 2, 0, 0]);
    const throttler = new SharedIdentifyThrottler(slots, 16, () => 0);
    await throttler.waitForIdentify(35, new AbortController().signal);
    expect(slots.asked).toEqual([
      { name: 'discord-identify:3', spacingMs: 5_000 },
      { name: 'discord-identify:3', spacingMs: 5_000 },
      { name: 'discord-identify:3', spacingMs: 5_000 },
    ]);
    await throttler.waitForIdentify(0, new AbortController().signal);
    expect(slots.asked.at(-1)).toEqual({ name: 'discord-identify:0', spacingMs: 5_000 });
  });

  it('stops waiting when the shard is stopped (aborted)', async () => {
    const slots = scripted([4_000, 4_000, 4_000]);
    const throttler = new SharedIdentifyThrottler(slots, 1, () => 0);
    const stop = new AbortController();
    const waiting = throttler.waitForIdentify(1, stop.signal);
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await expect(waiting).rejects.toThrow();
    expect(slots.asked).toHaveLength(1);
  });
});
