import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';


/** Slack: an app acknowledges a Socket Mode envelope within 3 seconds. */
export const SOCKET_ACK_WINDOW_MS = 3_000;
/**
 * Socket Mode, as Slack runs it: `apps.connections.open` hands out a ws:// URL; the server says `hello`, then sends
 * envelopes (`slash_commands`, `interactive`, `events_api`); the app acks each with `{envelope_id, payload}`.
 */
export interface SocketAck {
  envelopeId: string;
  payload: unknown;
}

export class SocketModeServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly waiting = new Map<string, (ack: SocketAck) => void>();
  readonly acks: SocketAck[] = [];
  /** Close codes seen from clients: 1006 means the connection dropped without a closing handshake. */
  readonly closeCodes: number[] = [];
  private envelopeCounter = 0;
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly appId: string) {
    this.wss.on('connection', (ws) => {
      this.sockets.add(ws);
      ws.on('close', (code) => {
        this.sockets.delete(ws);
        this.closeCodes.push(code);
      });
      ws.on('message', (data) => this.onMessage(String(data)));
      ws.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, debug_info: { host: 'standin' }, connection_info: { app_id: this.appId } }));
    });
    // Slack pings; the client gives up on a silent server after 30 s.
    this.pinger = setInterval(() => this.sockets.forEach((ws) => ws.ping()), 10_000);
    this.pinger.unref();
  }

  get connected(): number {
    return this.sockets.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  private onMessage(text: string): void {
    let msg: { envelope_id?: string; payload?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (!msg.envelope_id) return;
    const ack = { envelopeId: msg.envelope_id, payload: msg.payload ?? null };
    this.acks.push(ack);
    this.waiting.get(msg.envelope_id)?.(ack);
    this.waiting.delete(msg.envelope_id);
  }

  /**
   * Sends one envelope to the first connected client; resolves with its ack, or rejects when none came within
   * Slack's window (an ack later than that is not an ack: Slack has shown the user an error already).
   */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: unknown, timeoutMs = SOCKET_ACK_WINDOW_MS): Promise<SocketAck> {
    const ws = [...this.sockets][0];
    if (!ws) return Promise.reject(new Error('no Socket Mode client is connected'));
    const envelopeId = `env-${++this.envelopeCounter}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(envelopeId);
        reject(new Error(`no ack for ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      ws.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' }));
    });
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
