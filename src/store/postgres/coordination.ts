import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { Coordination, CoordinationTopic, InstanceInfo } from '../types.js';
import type { PgDb } from './db.js';

export interface PgCoordinationOptions {
  /** How long this instance counts as alive after its last heartbeat (the database's clock). */
  heartbeatTtlMs?: number;
  /** How often the heartbeat is renewed (well inside the TTL). */
  heartbeatEveryMs?: number;
  /** Reported when the listening connection drops or a heartbeat fails (never carries the URL). */
  onProblem?: (what: string, err: unknown) => void;
}

const TOPICS: readonly CoordinationTopic[] = ['outbox', 'articles', 'subscriptions'];
const RECONNECT_MAX_MS = 10_000;

/** A random id per process start: a restarted instance is a new one, and its old claims are reconciled. */
export function newInstanceId(): string {
  return `${hostname().replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 24) || 'instance'}-${randomBytes(4).toString('hex')}`;
}

/**
 * Coordination of instances over PostgreSQL: a heartbeat row per instance, lease rows, and LISTEN on one
 * dedicated connection (not from the pool, which closes idle clients: a dropped LISTEN would go unnoticed).
 * Every expiry is computed by the database (now()), so instances' clocks may disagree.
 */
export class PgCoordination implements Coordination {
  readonly instanceId = newInstanceId();
  private readonly heartbeatTtlMs: number;
  private readonly heartbeatEveryMs: number;
  private readonly listeners = new Map<CoordinationTopic, Set<() => void>>();
  private listener: pg.Client | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private reconnectDelay = 250;
  private stopped = false;
  private started = false;
  private pinging = false;

  constructor(private readonly db: PgDb, private readonly url: string, private readonly opts: PgCoordinationOptions = {}) {
    this.heartbeatTtlMs = opts.heartbeatTtlMs ?? 3_000;
    this.heartbeatEveryMs = opts.heartbeatEveryMs ?? Math.max(100, Math.floor(this.heartbeatTtlMs / 3));
  }

  private channel(topic: CoordinationTopic): string {
    return `newsdesk.${this.db.schema}.${topic}`;
  }

  async start(info: { feeds: string | null; timeZone: string | null }): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.db.query(
      `INSERT INTO instances (id, host, pid, expires_at, feeds, time_zone)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000), $5, $6)`,
      [this.instanceId, hostname().slice(0, 200), process.pid, this.heartbeatTtlMs, info.feeds, info.timeZone],
    );
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatEveryMs).unref();
    await this.connectListener();
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.db.query(
        `UPDATE instances SET expires_at = now() + make_interval(secs => $2::double precision / 1000) WHERE id = $1`,
        [this.instanceId, this.heartbeatTtlMs],
      );
      // Rows of instances gone for a while are cleared (their claims were reconciled by then).
      await this.db.query(`DELETE FROM instances WHERE expires_at < now() - interval '1 hour'`);
    } catch (err) {
      this.opts.onProblem?.('heartbeat failed', err);
    }
    await this.pingListener();
  }

  /**
   * A LISTEN connection whose server stalled, or whose packets are dropped, says nothing: no 'error', no 'end', no
   * notification. A bounded query on it tells; one that fails replaces the connection.
   */
  private async pingListener(): Promise<void> {
    const client = this.listener;
    if (!client || this.pinging) return;
    this.pinging = true;
    try {
      await client.query('SELECT 1');
    } catch (err) {
      this.lost(client, err);
    } finally {
      this.pinging = false;
    }
  }

  private async connectListener(): Promise<void> {
    if (this.stopped) return;
    // Connecting and each query are bounded (a stalled server): the ping in beat() finds a LISTEN that went quiet.
    const client: pg.Client = this.db.dedicatedClient((err) => this.lost(client, err), { readMs: this.db.timeouts.readMs });
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (msg) => {
      const topic = TOPICS.find((t) => this.channel(t) === msg.channel);
      if (topic) this.fire(topic);
    });
    try {
      await client.connect();
      for (const t of TOPICS) await client.query(`LISTEN "${this.channel(t)}"`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    this.listener = client;
    this.reconnectDelay = 250;
    // Anything written while no one listened is looked at now.
    for (const t of TOPICS) this.fire(t);
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.listener && this.listener !== client) return;
    this.listener = null;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.stopped || this.reconnect) return;
    this.opts.onProblem?.('the listening connection dropped; reconnecting', err);
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      void this.connectListener();
    }, delay).unref();
  }

  private fire(topic: CoordinationTopic): void {
    for (const fn of this.listeners.get(topic) ?? []) {
      try {
        fn();
      } catch (err) {
        this.opts.onProblem?.(`a ${topic} listener failed`, err);
      }
    }
  }

  listen(topic: CoordinationTopic, fn: () => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** The sample with the shortest round trip of three, its midpoint compared with the server's clock. */
  async clockOffsetMs(): Promise<number> {
    let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const row = await this.db.one<{ ms: number }>(`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`);
      const t1 = Date.now();
      if (row && t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: Math.round(row.ms - (t0 + t1) / 2) };
    }
    return best.offset;
  }

  async liveInstances(): Promise<InstanceInfo[]> {
    return this.db.rows<InstanceInfo>(
      `SELECT id, host, pid, feeds, time_zone AS "timeZone" FROM instances WHERE expires_at > now() AND id <> $1 ORDER BY started_at`,
      [this.instanceId],
    );
  }

  async acquire(name: string, ttlMs: number): Promise<boolean> {
    const row = await this.db.one<{ holder: string }>(
      `INSERT INTO leases (name, holder, acquired_at, expires_at)
       VALUES ($1, $2, now(), now() + make_interval(secs => $3::double precision / 1000))
       ON CONFLICT (name) DO UPDATE SET
         holder = EXCLUDED.holder,
         acquired_at = CASE WHEN leases.holder = EXCLUDED.holder THEN leases.acquired_at ELSE now() END,
         expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
         OR NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = leases.holder AND i.expires_at > now())
       RETURNING holder`,
      [name, this.instanceId, ttlMs],
    );
    return row?.holder === this.instanceId;
  }

  async takeSlot(name: string, spacingMs: number): Promise<number> {
    const taken = await this.db.one<{ ok: number }>(
      `INSERT INTO leases (name, holder, acquired_at, expires_at)
       VALUES ($1, $2, now(), now() + make_interval(secs => $3::double precision / 1000))
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = now(), expires_at = EXCLUDED.expires_at
       WHERE leases.expires_at <= now()
       RETURNING 1 AS ok`,
      [`slot:${name}`, this.instanceId, spacingMs],
    );
    if (taken) return 0;
    const left = await this.db.one<{ ms: number }>(
      `SELECT GREATEST(1, ceil(extract(epoch FROM expires_at - now()) * 1000))::int AS ms FROM leases WHERE name = $1`, [`slot:${name}`]);
    return left?.ms ?? 1;
  }

  async release(name: string): Promise<void> {
    await this.db.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, this.instanceId]);
  }

  async leases(prefix: string): Promise<Array<{ name: string; holder: string }>> {
    return this.db.rows<{ name: string; holder: string }>(
      `SELECT name, holder FROM leases WHERE left(name, length($1)) = $1 AND expires_at > now()
         AND EXISTS (SELECT 1 FROM instances i WHERE i.id = leases.holder AND i.expires_at > now()) ORDER BY name`,
      [prefix],
    );
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.reconnect);
    const client = this.listener;
    this.listener = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
    if (!this.started) return;
    // A clean stop hands everything over at once: leases freed (start slots keep their spacing), the heartbeat expired.
    await this.db.query(`DELETE FROM leases WHERE holder = $1 AND left(name, 5) <> 'slot:'`, [this.instanceId]).catch(() => {});
    await this.db.query('UPDATE instances SET expires_at = now() WHERE id = $1', [this.instanceId]).catch(() => {});
  }
}
