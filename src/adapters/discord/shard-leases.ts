import type { Logger } from '../../log.js';
import type { Coordination } from '../../store/types.js';

/**
 * Which Discord shards this instance runs, when instances share PostgreSQL: each shard is held under a lease
 * (`discord-shard:<id>/<count>`, expiring by the database's clock), so no two instances hold one shard and no
 * command is answered twice. Leases are renewed every ttl/3 and a shard is dropped locally shortly before its lease
 * could have expired when renewal fails.
 *
 * - Pinned (DISCORD_SHARD_IDS): the instance takes only those, waiting while another holds them; it marks each
 *   one it waits for (`discord-pin:<id>/<count>`) so an unpinned holder hands it over.
 * - Otherwise the instance is a claimant (`discord-claimant:<instance>`): it takes free shards up to its share,
 *   ceil(shards left to claimants / live claimants); while it runs two or more shards more than the least busy
 *   other claimant it hands one over per round (and does not take that one back for a while); and it takes any shard
 *   left free for longer than a lease (its holder died, or no one else wanted it).
 * - While live leases of another shard count exist (a rolling change of DISCORD_SHARD_COUNT), no shard is taken:
 *   two counts at once would send a guild's events to two sessions.
 */
export interface ShardLeasesOptions {
  coordination: Pick<Coordination, 'instanceId' | 'acquire' | 'release' | 'leases'>;
  count: number;
  /** DISCORD_SHARD_IDS; undefined: claim a share. */
  pinned?: number[];
  logger: Logger;
  /** A shard's lease lasts this long without renewal: about the takeover time after an instance dies. */
  ttlMs?: number;
  everyMs?: number;
  /** Connects the shard's gateway session (resolves when it is ready; rejects when it cannot connect). */
  startShard(id: number): Promise<void>;
  /** Closes the shard's gateway session (the lease is lost or released). */
  stopShard(id: number): Promise<void>;
}

const SHARD = 'discord-shard:';
const PIN = 'discord-pin:';
const CLAIMANT = 'discord-claimant:';
/** A lease is used locally only until this long before it could have expired in the database. */
const MARGIN_MS = 500;
/**
 * How often held leases are checked for their local end, apart from the rounds: well inside MARGIN_MS, so a shard is
 * closed before its lease can expire. (Checked every round, ttl/3 = 1 s, a shard could outlive its lease by up to
 * half a second, and an instance taking it over in that time ran the shard in a second session.)
 */
const WATCHDOG_MS = 100;

interface Held {
  /** Local monotonic time until which the lease is surely ours. */
  until: number;
  started: Promise<void>;
  /** Settles when the shard is dropped (possibly while still connecting). */
  dropped: Promise<void>;
  onDrop(): void;
}

export class ShardLeases {
  private readonly ttlMs: number;
  private readonly everyMs: number;
  private readonly held = new Map<number, Held>();
  /** Shard → local time it was first seen free (no live holder). */
  private readonly freeSince = new Map<number, number>();
  /** Shards this instance handed over → local time until which it leaves them to the others. */
  private readonly handedOver = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;
  private warnedCounts = '';

  constructor(private readonly opts: ShardLeasesOptions) {
    this.ttlMs = opts.ttlMs ?? 3_000;
    this.everyMs = opts.everyMs ?? Math.max(100, Math.floor(this.ttlMs / 3));
  }

  /** The shards this instance runs now. */
  shards(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /**
   * Runs the first round and keeps renewing in the background; resolves once the shards taken in the first round
   * are connected or given up (connecting may outlast a lease: IDENTIFYs are spaced by Discord's max_concurrency).
   */
  async start(): Promise<void> {
    await this.round();
    this.schedule();
    // Apart from the rounds, so a database that stops answering mid-round cannot keep an expired shard running.
    this.watchdog = setInterval(() => void this.dropExpired(), Math.min(this.everyMs, WATCHDOG_MS)).unref();
    await Promise.allSettled([...this.held.values()].map((h) => Promise.race([h.started, h.dropped])));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = null;
        this.schedule();
      });
    }, this.everyMs).unref();
  }

  private name(prefix: string, id: number): string {
    return `${prefix}${id}/${this.opts.count}`;
  }

  private async round(): Promise<void> {
    try {
      await this.renew();
      await this.take();
    } catch (err) {
      this.opts.logger.warn({ err }, 'discord shard leases could not be renewed; retrying');
    } finally {
      await this.dropExpired();
    }
  }

  /** A shard whose lease may have expired is closed before another instance can take it. */
  private async dropExpired(): Promise<void> {
    const now = performance.now();
    for (const [id, h] of [...this.held]) if (h.until <= now) await this.drop(id, 'its lease could not be renewed in time');
  }

  private async renew(): Promise<void> {
    for (const id of [...this.held.keys()]) {
      const asked = performance.now();
      if (await this.opts.coordination.acquire(this.name(SHARD, id), this.ttlMs)) {
        const h = this.held.get(id);
        if (h) h.until = asked + this.ttlMs - MARGIN_MS;
      } else {
        await this.drop(id, 'another instance holds its lease');
      }
    }
  }

  private async take(): Promise<void> {
    const { coordination, count, pinned } = this.opts;
    const me = coordination.instanceId;
    if (pinned) {
      for (const id of pinned) {
        if (this.held.has(id)) await coordination.release(this.name(PIN, id));
        else await coordination.acquire(this.name(PIN, id), this.ttlMs);
      }
    } else {
      await coordination.acquire(`${CLAIMANT}${me}`, this.ttlMs);
    }

    const leases = await coordination.leases('discord-');
    const holders = new Map<number, string>();
    const pinnedByOthers = new Set<number>();
    const claimants = new Set<string>();
    const otherCounts = new Set<number>();
    for (const { name, holder } of leases) {
      if (name.startsWith(CLAIMANT)) {
        claimants.add(holder);
        continue;
      }
      const m = /^(discord-shard:|discord-pin:)(\d+)\/(\d+)$/.exec(name);
      if (!m) continue;
      const [id, theirCount] = [Number(m[2]), Number(m[3])];
      if (theirCount !== count) {
        if (m[1] === SHARD) otherCounts.add(theirCount);
        continue;
      }
      if (m[1] === SHARD) holders.set(id, holder);
      else if (holder !== me) pinnedByOthers.add(id);
    }
    if (otherCounts.size) {
      const seen = [...otherCounts].sort().join(',');
      if (seen !== this.warnedCounts) {
        this.warnedCounts = seen;
        this.opts.logger.warn({ ours: count, theirs: [...otherCounts] }, 'other instances run Discord with another shard count: this one takes no shard until they stop');
      }
      return;
    }
    this.warnedCounts = '';

    const now = performance.now();
    const free: number[] = [];
    for (let id = 0; id < count; id++) {
      if (holders.has(id)) this.freeSince.delete(id);
      else {
        if (!this.freeSince.has(id)) this.freeSince.set(id, now);
        free.push(id);
      }
    }

    if (pinned) {
      for (const id of pinned) if (!this.held.has(id) && !holders.has(id)) await this.tryTake(id);
      return;
    }

    // A shard someone pinned is theirs: hand it over, and leave it to them while they live.
    for (const id of this.held.keys()) {
      if (pinnedByOthers.has(id)) {
        await this.release(id, 'an instance pinned to it is waiting');
        return;
      }
    }
    claimants.add(me);
    const forClaimants = [...Array(count).keys()].filter((id) => {
      const holder = holders.get(id);
      return !pinnedByOthers.has(id) && (holder === undefined || claimants.has(holder));
    });
    const share = Math.ceil(forClaimants.length / claimants.size);
    for (const id of free) {
      if (pinnedByOthers.has(id) || (this.handedOver.get(id) ?? 0) > now) continue;
      const orphaned = now - (this.freeSince.get(id) ?? now) >= this.ttlMs;
      if (this.held.size < share || orphaned) await this.tryTake(id);
    }
    const others = new Map<string, number>([...claimants].filter((c) => c !== me).map((c) => [c, 0]));
    for (const holder of holders.values()) if (others.has(holder)) others.set(holder, others.get(holder)! + 1);
    if (others.size && this.held.size - Math.min(...others.values()) >= 2) {
      const id = Math.max(...this.held.keys());
      this.handedOver.set(id, now + 2 * this.ttlMs);
      await this.release(id, 'handing a shard to a less busy instance');
    }
  }

  private async tryTake(id: number): Promise<void> {
    const asked = performance.now();
    if (!(await this.opts.coordination.acquire(this.name(SHARD, id), this.ttlMs))) return;
    this.freeSince.delete(id);
    this.opts.logger.info({ shard: id, count: this.opts.count, instance: this.opts.coordination.instanceId }, 'this instance now runs this Discord shard');
    const started = this.opts.startShard(id).catch(async (err: unknown) => {
      this.opts.logger.error({ err, shard: id }, 'the Discord shard could not connect; its lease is given back');
      if (this.held.get(id)?.started === started) await this.release(id, 'it could not connect');
    });
    let onDrop!: () => void;
    const dropped = new Promise<void>((resolve) => (onDrop = resolve));
    this.held.set(id, { until: asked + this.ttlMs - MARGIN_MS, started, dropped, onDrop });
  }

  private async drop(id: number, why: string): Promise<void> {
    const h = this.held.get(id);
    if (!h) return;
    this.held.delete(id);
    h.onDrop();
    this.opts.logger.warn({ shard: id, why }, 'this instance stops running this Discord shard');
    await this.opts.stopShard(id).catch((err: unknown) => this.opts.logger.warn({ err, shard: id }, 'closing the Discord shard failed'));
  }

  /** Closes the session first, then frees the lease: never two sessions of one shard. */
  private async release(id: number, why: string): Promise<void> {
    await this.drop(id, why);
    await this.opts.coordination.release(this.name(SHARD, id)).catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    await this.running;
    for (const id of [...this.held.keys()]) await this.release(id, 'the instance stops');
    const { coordination } = this.opts;
    await coordination.release(`${CLAIMANT}${coordination.instanceId}`).catch(() => {});
    for (const id of this.opts.pinned ?? []) await coordination.release(this.name(PIN, id)).catch(() => {});
  }
}
