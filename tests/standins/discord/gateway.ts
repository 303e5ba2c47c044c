import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The gateway: HELLO → IDENTIFY → READY (guilds unavailable) → GUILD_CREATE per guild; heartbeats are ACKed;
 * RESUME is answered with RESUMED. Dispatches go to every identified session.
 */
export interface GatewayOptions {
  server: Server;
  token: string;
  heartbeatIntervalMs: number;
  url: () => string;
  ready: (sessionId: string) => Record<string, unknown>;
  guildCreates: () => Array<Record<string, unknown>>;
  onFrame?: (frame: { op: number; t?: string }) => void;
}

interface Session {
  socket: WebSocket;
  id: string;
  seq: number;
  identified: boolean;
}

export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<Session>();
  /** Frames the client sent, in order (op codes only; IDENTIFY tokens are not kept). */
  readonly received: Array<{ op: number }> = [];

  constructor(private readonly opts: GatewayOptions) {
    this.wss = new WebSocketServer({ server: opts.server, path: '/gateway' });
    this.wss.on('connection', (socket) => this.accept(socket));
  }

  get identifiedCount(): number {
    return [...this.sessions].filter((s) => s.identified).length;
  }

  private accept(socket: WebSocket): void {
    const session: Session = { socket, id: Math.random().toString(36).slice(2), seq: 0, identified: false };
    this.sessions.add(session);
    socket.on('close', () => this.sessions.delete(session));
    socket.on('error', () => this.sessions.delete(session));
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
        if (frame.d?.token !== this.opts.token && frame.d?.token !== `Bot ${this.opts.token}`) {
          session.socket.close(4004, 'Authentication failed');
          return;
        }
        session.identified = true;
        this.dispatchTo(session, 'READY', this.opts.ready(session.id));
        for (const guild of this.opts.guildCreates()) this.dispatchTo(session, 'GUILD_CREATE', guild);
        return;
      case 6:
        session.identified = true;
        session.seq = Number(frame.d?.seq ?? session.seq);
        this.dispatchTo(session, 'RESUMED', {});
        return;
      default:
        return;
    }
  }

  private send(session: Session, frame: Record<string, unknown>): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(frame));
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    this.send(session, { op: 0, t, s: session.seq, d });
  }

  /** Sends a dispatch to every identified session; returns how many received it. */
  dispatch(t: string, d: unknown): number {
    let n = 0;
    for (const s of this.sessions) {
      if (!s.identified) continue;
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
