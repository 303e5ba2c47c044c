import type { Logger } from '../log.js';
import type { PortRegistry } from '../outbound/registry.js';
import type { Coordination, OutboxStore } from '../store/types.js';

export interface SenderLeasesOptions {
  coordination: Coordination;
  outbox: Pick<OutboxStore, 'dueBuckets' | 'reclaimAbandoned'>;
  ports: PortRegistry;
  logger: Logger;
  now: () => number;
  /** A bucket's lease lasts this long without renewal (the database's clock): the failover time. */
  ttlMs?: number;
  /** How often leases are renewed and free buckets with due work looked for. */
  everyMs?: number;
  /** Buckets gained, or abandoned rows returned to the queue: the dispatcher looks again. */
  onChange(): void;
}

/** Local margin: a lease is used only until shortly before it could have expired in the database. */
const MARGIN_MS = 500;
/** The slow safety sweep behind NOTIFY: every this many rounds the dispatcher looks anyway. */
const SWEEP_ROUNDS = 5;
/**
 * A free bucket is left this long to an instance holding fewer buckets (it takes it on its own round) before an
 * instance holding more takes it anyway (the others may not run that platform at all).
 */
const SHARE_WAIT_MS = 1_500;
/** Nudged rounds start at least this long after the previous round's start (a fan-out NOTIFYs often). */
const NUDGE_GAP_MS = 250;

/**
 * One instance at a time sends for each platform bucket (the Discord bot; one Slack workspace), under a lease
 * the holder renews every second: rate limits belong to the bucket, and one pacer per bucket keeps within them.
 * An instance takes a bucket when it has due work and no live holder; when the holder stops, its lease and its
 * heartbeat expire and another instance takes the bucket within the lease time. Each round also returns the
 * rows a stopped instance had claimed to the queue, in doubt (looked up before any re-post).
 */
export class SenderLeases {
  private readonly ttlMs: number;
  private readonly everyMs: number;
  /** Bucket → local monotonic time until which it is ours. */
  private readonly mine = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;
  private rounds = 0;
  /** A nudge came while a round ran: run another as soon as it ends. */
  private again = false;
  private lastStart = -Infinity;
  /** Free buckets with due work this instance left to others, and since when. */
  private readonly leftSince = new Map<string, number>();

  constructor(private readonly opts: SenderLeasesOptions) {
    this.ttlMs = opts.ttlMs ?? 3_000;
    this.everyMs = opts.everyMs ?? Math.max(100, Math.floor(this.ttlMs / 3));
  }

  /** The buckets this instance may send for now. */
  held(): string[] {
    const t = performance.now();
    return [...this.mine].filter(([, until]) => until > t).map(([b]) => b);
  }

  start(): void {
    this.round();
  }

  /**
   * Work became due somewhere (NOTIFY): look for free buckets now, not at the next round, so the first post of a
   * fan-out does not wait up to a round for a sender to step forward.
   */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.round(), this.nudgeWait()).unref();
  }

  private nudgeWait(): number {
    return Math.max(0, this.lastStart + NUDGE_GAP_MS - performance.now());
  }

  private round(): void {
    if (this.stopped) return;
    this.again = false;
    this.lastStart = performance.now();
    this.running = this.renewAndTake()
      .catch((err) => this.opts.logger.warn({ err }, 'sender leases could not be renewed; retrying'))
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        this.timer = setTimeout(() => this.round(), this.again ? this.nudgeWait() : this.everyMs).unref();
      });
  }

  private async renewAndTake(): Promise<void> {
    const { coordination, outbox, logger } = this.opts;
    let changed = false;
    for (const bucket of [...this.mine.keys()]) {
      const asked = performance.now();
      if (await coordination.acquire(`sender:${bucket}`, this.ttlMs)) {
        this.mine.set(bucket, asked + this.ttlMs - MARGIN_MS);
      } else {
        this.mine.delete(bucket);
        logger.warn({ bucket }, 'another instance took over sending for this bucket');
      }
    }
    if (outbox.reclaimAbandoned && (await outbox.reclaimAbandoned(this.opts.now())) > 0) changed = true;
    const platforms = this.opts.ports.platforms();
    // Work due before the next round counts (a briefing run, a digest, a coalesced edit due later): its bucket's sender
    // steps forward ahead of it, so the dispatcher's timer, not the next round, decides when it goes out.
    const free = (await outbox.dueBuckets(this.opts.now() + this.everyMs, platforms)).filter((b) => !this.mine.has(b));
    for (const b of [...this.leftSince.keys()]) if (!free.includes(b)) this.leftSince.delete(b);
    // Buckets are spread: an instance holding more than another live instance leaves a free bucket to it first.
    const load = free.length > 0 ? await this.othersLoad() : null;
    for (const bucket of free) {
      const t = performance.now();
      if (load && load.fewest < this.mine.size) {
        const since = this.leftSince.get(bucket) ?? t;
        this.leftSince.set(bucket, since);
        if (t - since < SHARE_WAIT_MS) continue;
      }
      if (await coordination.acquire(`sender:${bucket}`, this.ttlMs)) {
        this.mine.set(bucket, t + this.ttlMs - MARGIN_MS);
        this.leftSince.delete(bucket);
        logger.info({ bucket, instance: coordination.instanceId }, 'this instance now sends for this bucket');
        changed = true;
      }
    }
    this.rounds += 1;
    if (changed || this.rounds % SWEEP_ROUNDS === 0) this.opts.onChange();
  }

  /** The fewest sender buckets any other live instance holds (Infinity when alone). */
  private async othersLoad(): Promise<{ fewest: number }> {
    const { coordination } = this.opts;
    const others = await coordination.liveInstances();
    if (others.length === 0) return { fewest: Number.POSITIVE_INFINITY };
    const count = new Map(others.map((o) => [o.id, 0]));
    for (const l of await coordination.leases('sender:')) if (count.has(l.holder)) count.set(l.holder, count.get(l.holder)! + 1);
    return { fewest: Math.min(...count.values()) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const bucket of this.mine.keys()) await this.opts.coordination.release(`sender:${bucket}`).catch(() => {});
    this.mine.clear();
  }
}
