import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The gateway: HELLO → IDENTIFY → READY (the shard's guilds, unavailable) → GUILD_CREATE per guild of the shard;
 * heartbeats are ACKed.
 *
 * Resuming, as Discord documents it: a session outlives its connection. What is dispatched to it while it has no
 * connection is kept; RESUME (op 6: token, session_id, seq) on a new connection replays every dispatch after `seq`,
 * in order, then RESUMED. A session that cannot be resumed (unknown, expired, invalidated, or `seq` beyond what it
 * was sent) gets op 9 Invalid Session with `d: false`: the client identifies anew. op 7 Reconnect asks a client to
 * reconnect and resume. `dropConnections()` cuts every connection without a close frame (a network that drops: the
 * client sees 1006 and resumes); `invalidateSessions()` makes every session unresumable.
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
  /** How long a session without a connection stays resumable (Discord keeps them for minutes). */
  resumeWindowMs?: number;
}

/** [shard_id, num_shards], as IDENTIFY and READY carry it. */
export type Shard = [number, number];

interface Session {
  /** Its connection; null while it has none (then what is dispatched to it waits in `log` for a resume). */
  socket: WebSocket | null;
  id: string;
  seq: number;
  identified: boolean;
  shard: Shard;
  /** Every dispatch sent to it (seq order), for replay on resume. */
  log: Array<{ s: number; t: string; d: unknown }>;
  /** When its connection went (Date.now()), or null while it has one. */
  lostAt: number | null;
  resumable: boolean;
}

/** A connection and the session it carries (a RESUME moves it to the session it names). */
interface Connection {
  socket: WebSocket;
  session: Session;
}

const DISPATCH_LOG_LIMIT = 5_000;

/** Discord's sharding formula, written here from the documentation (never imported from the code under test). */
export function shardOf(guildId: string, numShards: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(numShards));
}

export class Gateway {
  private readonly wss: WebSocketServer;
  /** Sessions with a connection. */
  private readonly sessions = new Set<Session>();
  /** Identified sessions by id, with a connection or without one (resumable for a while). */
  private readonly byId = new Map<string, Session>();
  /** Frames the client sent, in order (op codes only; IDENTIFY tokens are not kept). */
  readonly received: Array<{ op: number }> = [];
  /** RESUMEs accepted, and the dispatches they replayed. */
  resumes = 0;
  replayed = 0;
  /** RESUMEs refused with op 9 (Invalid Session). */
  invalidSessions = 0;
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
    const session: Session = { socket, id: Math.random().toString(36).slice(2), seq: 0, identified: false, shard: [0, 1], log: [], lostAt: null, resumable: true };
    const conn: Connection = { socket, session };
    this.sessions.add(session);
    const gone = (code?: number) => {
      const s = conn.session;
      if (s.socket !== socket) return;
      s.socket = null;
      s.lostAt = Date.now();
      // A client that closes normally (1000, 1001) ends its session; any other loss leaves it resumable.
      if (code === 1000 || code === 1001) s.resumable = false;
      if (this.sessions.delete(s)) this.opts.onChange?.();
    };
    socket.on('close', (code) => gone(code));
    socket.on('error', () => gone());
    socket.on('message', (raw) => this.onMessage(conn, String(raw)));
    this.sendOn(socket, { op: 10, d: { heartbeat_interval: this.opts.heartbeatIntervalMs } });
  }

  private onMessage(conn: Connection, raw: string): void {
    let frame: { op: number; d?: any };
    try {
      frame = JSON.parse(raw);
    } catch {
      conn.socket.close(4002, 'Decode error');
      return;
    }
    this.received.push({ op: frame.op });
    this.opts.onFrame?.({ op: frame.op });
    switch (frame.op) {
      case 1:
        this.sendOn(conn.socket, { op: 11 });
        return;
      case 2:
        this.identify(conn.session, frame.d);
        return;
      case 6:
        this.resume(conn, frame.d);
        return;
      default:
        return;
    }
  }

  private authentic(token: unknown): boolean {
    return token === this.opts.token || token === `Bot ${this.opts.token}`;
  }

  private identify(session: Session, d: any): void {
    const socket = session.socket!;
    if (!this.authentic(d?.token)) {
      socket.close(4004, 'Authentication failed');
      return;
    }
    if (session.identified) {
      socket.close(4005, 'Already authenticated');
      return;
    }
    const shard = d?.shard === undefined ? [0, 1] : d.shard;
    if (!validShard(shard)) {
      this.refusedShards.push(shard);
      socket.close(4010, 'Invalid shard');
      return;
    }
    if (this.shards.some(([id, count]) => id === shard[0] && count === shard[1])) this.overlaps += 1;
    session.shard = shard;
    session.identified = true;
    this.byId.set(session.id, session);
    this.identifies.push(shard);
    const guildIds = this.opts.guildIds().filter((g) => this.receives(session, g));
    this.dispatchTo(session, 'READY', this.opts.ready(session.id, shard, guildIds));
    for (const g of guildIds) this.dispatchTo(session, 'GUILD_CREATE', this.opts.guildCreate(g));
    this.opts.onChange?.();
  }

  /** op 6: the connection takes over the session it names, which gets what it missed, then RESUMED. */
  private resume(conn: Connection, d: any): void {
    if (!this.authentic(d?.token)) {
      conn.socket.close(4004, 'Authentication failed');
      return;
    }
    if (conn.session.identified) {
      conn.socket.close(4005, 'Already authenticated');
      return;
    }
    const session = this.byId.get(String(d?.session_id));
    const seq = Number(d?.seq);
    const missed = session?.log.filter((e) => e.s > seq) ?? [];
    const complete = session !== undefined && (missed.length === 0 ? seq === session.seq : missed[0].s === seq + 1);
    if (!session || !this.resumableNow(session) || !Number.isInteger(seq) || !complete) {
      this.invalidSessions += 1;
      this.sendOn(conn.socket, { op: 9, d: false });
      return;
    }
    // A connection the session still had is replaced (Discord closes it).
    if (session.socket && session.socket !== conn.socket) session.socket.terminate();
    this.sessions.delete(conn.session);
    conn.session = session;
    session.socket = conn.socket;
    session.lostAt = null;
    this.sessions.add(session);
    for (const e of missed) this.sendOn(conn.socket, { op: 0, t: e.t, s: e.s, d: e.d });
    this.resumes += 1;
    this.replayed += missed.length;
    this.dispatchTo(session, 'RESUMED', {});
    this.opts.onChange?.();
  }

  private resumableNow(session: Session): boolean {
    if (!session.resumable) return false;
    return session.lostAt === null || Date.now() - session.lostAt <= (this.opts.resumeWindowMs ?? 60_000);
  }

  private receives(session: Session, guildId: string | undefined): boolean {
    const [id, count] = session.shard;
    return guildId ? shardOf(guildId, count) === id : id === 0;
  }

  private sendOn(socket: WebSocket | null, frame: Record<string, unknown>): void {
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  }

  /** Numbered and kept for a resume; sent at once if the session has a connection. */
  private dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    session.log.push({ s: session.seq, t, d });
    if (session.log.length > DISPATCH_LOG_LIMIT) session.log.splice(0, session.log.length - DISPATCH_LOG_LIMIT);
    this.sendOn(session.socket, { op: 0, t, s: session.seq, d });
  }

  /**
   * Sends a dispatch to the identified sessions of the shard the event belongs to (its `guild_id`; none: shard 0),
   * those without a connection included while they may still resume (they get it then); returns how many will.
   */
  dispatch(t: string, d: { guild_id?: string; [key: string]: unknown }): number {
    let n = 0;
    for (const s of this.byId.values()) {
      if (!s.identified || !this.receives(s, d.guild_id)) continue;
      if (!s.socket && !this.resumableNow(s)) continue;
      this.dispatchTo(s, t, d);
      n += 1;
    }
    return n;
  }

  /** Asks clients to reconnect and resume (op 7). */
  requestReconnect(): void {
    for (const s of this.sessions) this.sendOn(s.socket, { op: 7, d: null });
  }

  /** Cuts every connection without a close frame (the network drops); the sessions stay resumable. */
  dropConnections(): number {
    const open = [...this.sessions].filter((s) => s.socket);
    for (const s of open) s.socket!.terminate();
    return open.length;
  }

  /** From now on no session can be resumed (a RESUME gets op 9, and the client identifies anew). */
  invalidateSessions(): void {
    for (const s of this.byId.values()) s.resumable = false;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket?.terminate();
    this.sessions.clear();
    this.byId.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** Discord: `shard` is [shard_id, num_shards] with 0 ≤ shard_id < num_shards. */
function validShard(shard: unknown): shard is Shard {
  return Array.isArray(shard) && shard.length === 2 && shard.every((n) => Number.isInteger(n)) &&
    shard[1] >= 1 && shard[0] >= 0 && shard[0] < shard[1];
}
