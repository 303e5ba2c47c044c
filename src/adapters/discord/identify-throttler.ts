import { setTimeout as sleep } from 'node:timers/promises';
import type { IIdentifyThrottler } from 'discord.js';
import type { Coordination } from '../../store/types.js';

/** Discord: one IDENTIFY per rate-limit key (shard id % max_concurrency) per 5 seconds, for the whole bot. */
const IDENTIFY_SPACING_MS = 5_000;
/** Waiters that woke together do not all ask the database at the same instant. */
const JITTER_MS = 250;

/**
 * The IDENTIFY spacing Discord applies to the bot (its token), kept across every instance: each IDENTIFY takes the
 * key's start slot in the shared store, waiting out the last taker's 5 s whichever instance it was. discord.js's own
 * SimpleIdentifyThrottler spaces one process's shards only; several instances starting together would be refused.
 */
export class SharedIdentifyThrottler implements IIdentifyThrottler {
  constructor(
    private readonly coordination: Pick<Coordination, 'takeSlot'>,
    private readonly maxConcurrency: number,
    private readonly random: () => number = Math.random,
  ) {}

  async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    const key = `discord-identify:${shardId % Math.max(1, this.maxConcurrency)}`;
    for (;;) {
      signal.throwIfAborted();
      const wait = await this.coordination.takeSlot(key, IDENTIFY_SPACING_MS);
      if (wait === 0) return;
      await sleep(Math.min(wait, IDENTIFY_SPACING_MS) + Math.floor(this.random() * JITTER_MS), undefined, { signal });
    }
  }
}
