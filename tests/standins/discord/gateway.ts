import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The gateway: HELLO → IDENTIFY → READY (the shard's guilds, unavailable) → GUILD_CREATE per guild of the shard;
 * heartbeats are ACKed; RESUME is answered with RESUMED.
 *
 * Sharding as Discord documents it: IDENTIFY may carry `shard: [shard_id, num_shards]` (none means [0, 1]); a
 * guild's events go to every session whose shard_id = (guild_id >> 22) % num_shards, events without a guild
 * (direct messages) to shard 0. A shard outside 0 ≤ id < count closes the socket with 4010 (Invalid shard).
 * Discord does not refuse a second session of the same shard (both then receive the shard's events, so a command
 * would be answered twice): neither does the stand-in; it counts such overlaps instead, for tests to assert none.
 */
export interface GatewayOptions {
  server: Server;
  token: string;
  heartbeatIntervalMs: number;
  url: () => string;
  ready: (sessionId: string, shard: Shard, guildIds: string[]) => Record<string, unknown>;
  /** Every guild id the bot is in; READY and GUILD_CREATE carry the ones of the session's shard. */
  guildIds: () => string[];
  guildCreate: (guildId: string) => Record<string, unknown>;
  onFrame?: (frame: { op: number; t?: string }) => void;
  onChange?: () => void;
}

/** [shard_id, num_shards], as IDENTIFY and READY carry it. */
export type Shard = [number, number];

interface Session {
  socket: WebSocket;
  id: string;
  seq: number;
  identified: boolean;
  shard: Shard;
}

/** Discord's sharding formula, written here from the documentation (never imported from the code under test). */
export function shardOf(guildId: string, numShards: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(numShards));
}

export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<Session>();
  /** Frames the client sent, in order (op codes only; IDENTIFY tokens are not kept). */
  readonly received: Array<{ op: number }> = [];
  /** Every accepted IDENTIFY's shard, in order. */
  readonly identifies: Shard[] = [];
  /** IDENTIFYs refused with 4010, with the shard they asked for. */
  readonly refusedShards: unknown[] = [];
  /** How many times a session identified for a shard another open session already held (Discord allows it). */
  overlaps = 0;

  constructor(private readonly opts: GatewayOptions) {
    this.wss = new WebSocketServer({ server: opts.server, path: '/gateway' });
    this.wss.on('connection', (socket) => this.accept(socket));
  }

  get identifiedCount(): number {
    return [...this.sessions].filter((s) => s.identified).length;
  }

  /** The shards of the open, identified sessions (one entry per session). */
  get shards(): Shard[] {
    return [...this.sessions].filter((s) => s.identified).map((s) => s.shard);
  }

  private accept(socket: WebSocket): void {
    const session: Session = { socket, id: Math.random().toString(36).slice(2), seq: 0, identified: false, shard: [0, 1] };
    this.sessions.add(session);
    const gone = () => {
      if (this.sessions.delete(session)) this.opts.onChange?.();
    };
    socket.on('close', gone);
    socket.on('error', gone);
    socket.on('message', (raw) => this.onMessage(session, String(raw)));
    this.send(session, { op: 10, d: { heartbeat_interval: this.opts.heartbeatIntervalMs } });
  }

  private onMessage(session: Session, raw: string): void {
    let frame: { op: number; d?: any };
    try {
      frame = JSON.parse(raw);
    } catch {
      session.socket.close(4002, 'Decode error');
      return;
    }
    this.received.push({ op: frame.op });
    this.opts.onFrame?.({ op: frame.op });
    switch (frame.op) {
      case 1:
        this.send(session, { op: 11 });
        return;
      case 2:
        this.identify(session, frame.d);
        return;
      case 6:
        session.identified = true;
        session.seq = Number(frame.d?.seq ?? session.seq);
        this.dispatchTo(session, 'RESUMED', {});
        this.opts.onChange?.();
        return;
      default:
        return;
    }
  }

  private identify(session: Session, d: any): void {
    if (d?.token !== this.opts.token && d?.token !== `Bot ${this.opts.token}`) {
      session.socket.close(4004, 'Authentication failed');
      return;
    }
    if (session.identified) {
      session.socket.close(4005, 'Already authenticated');
      return;
    }
    const shard = d?.shard === undefined ? [0, 1] : d.shard;
    if (!validShard(shard)) {
      this.refusedShards.push(shard);
      session.socket.close(4010, 'Invalid shard');
      return;
    }
    if (this.shards.some(([id, count]) => id === shard[0] && count === shard[1])) this.overlaps += 1;
    session.shard = shard;
    session.identified = true;
    this.identifies.push(shard);
    const guildIds = this.opts.guildIds().filter((g) => this.receives(session, g));
    this.dispatchTo(session, 'READY', this.opts.ready(session.id, shard, guildIds));
    for (const g of guildIds) this.dispatchTo(session, 'GUILD_CREATE', this.opts.guildCreate(g));
    this.opts.onChange?.();
  }

  private receives(session: Session, guildId: string | undefined): boolean {
    const [id, count] = session.shard;
    return guildId ? shardOf(guildId, count) === id : id === 0;
  }

  private send(session: Session, frame: Record<string, unknown>): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(frame));
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    this.send(session, { op: 0, t, s: session.seq, d });
  }

  /**
   * Sends a dispatch to the identified sessions of the shard the event belongs to (its `guild_id`; none: shard 0);
   * returns how many received it.
   */
  dispatch(t: string, d: { guild_id?: string; [key: string]: unknown }): number {
    let n = 0;
    for (const s of this.sessions) {
      if (!s.identified || !this.receives(s, d.guild_id)) continue;
      this.dispatchTo(s, t, d);
      n += 1;
    }
    return n;
  }

  /** Asks clients to reconnect and resume (op 7). */
  requestReconnect(): void {
    for (const s of this.sessions) this.send(s, { op: 7, d: null });
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket.terminate();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** Discord: `shard` is [shard_id, num_shards] with 0 ≤ shard_id < num_shards. */
function validShard(shard: unknown): shard is Shard {
  return Array.isArray(shard) && shard.length === 2 && shard.every((n) => Number.isInteger(n)) &&
    shard[1] >= 1 && shard[0] >= 0 && shard[0] < shard[1];
}
