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

  private round(): void {
    if (this.stopped) return;
    this.running = this.renewAndTake()
      .catch((err) => this.opts.logger.warn({ err }, 'sender leases could not be renewed; retrying'))
      .finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(() => this.round(), this.everyMs).unref();
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
    for (const bucket of await outbox.dueBuckets(this.opts.now(), platforms)) {
      if (this.mine.has(bucket)) continue;
      const asked = performance.now();
      if (await coordination.acquire(`sender:${bucket}`, this.ttlMs)) {
        this.mine.set(bucket, asked + this.ttlMs - MARGIN_MS);
        logger.info({ bucket, instance: coordination.instanceId }, 'this instance now sends for this bucket');
        changed = true;
      }
    }
    this.rounds += 1;
    if (changed || this.rounds % SWEEP_ROUNDS === 0) this.opts.onChange();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const bucket of this.mine.keys()) await this.opts.coordination.release(`sender:${bucket}`).catch(() => {});
    this.mine.clear();
  }
}
