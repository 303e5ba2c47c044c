import type { ChannelRef, PublishLedger } from './port.js';

/**
 * A publish ledger in memory: for a port used without a store (tests, tools). One process only, forgotten on restart;
 * Newsdesk itself hands its adapters the store's publish log (src/app.ts).
 */
export class MemoryPublishLedger implements PublishLedger {
  private readonly entries: Array<{ id: number; channel: ChannelRef; at: number; outcome: 'published' | 'held'; problem: string | null }> = [];
  private nextId = 1;

  async take(channel: ChannelRef, at: number, limit: number, windowMs: number, heldProblem: string): Promise<number | null> {
    const published = this.entries.filter((e) => e.channel === channel && e.at > at - windowMs && e.outcome === 'published').length;
    const id = this.nextId++;
    const full = published >= limit;
    this.entries.push({ id, channel, at, outcome: full ? 'held' : 'published', problem: full ? heldProblem : null });
    return full ? null : id;
  }

  async refused(id: number, problem: string): Promise<void> {
    const entry = this.entries.find((e) => e.id === id);
    if (entry) Object.assign(entry, { outcome: 'held', problem });
  }

  async window(channel: ChannelRef, since: number) {
    const mine = this.entries.filter((e) => e.channel === channel && e.at > since);
    const held = mine.filter((e) => e.outcome === 'held');
    return { published: mine.length - held.length, held: held.length, lastProblem: held.at(-1)?.problem ?? null };
  }
}
