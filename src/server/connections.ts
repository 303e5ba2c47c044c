import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { logger } from '../log.js';

/**
 * Who may hold the HTTP server's sockets. The cap on open sockets keeps half-sent requests from using every file
 * descriptor, but a cap alone is shared by everyone: 1,000 half-sent requests would lock out /healthz, the push API,
 * Slack and Discord until they time out. So, besides the deadlines:
 * - one address holds at most `maxConnectionsPerAddress` sockets: past it, a new connection from that address closes
 *   that address's oldest unfinished one (or is refused with 503 when all of them are being answered);
 * - near the cap (a tenth of it kept free for bursts, since Node refuses past the cap before we see the connection),
 *   a new connection closes the oldest unfinished socket, taken first from the address holding the most.
 * "Unfinished" means no complete request on it: headers or body still arriving, or idle between requests. A request
 * that has fully arrived is never closed to make room: room is kept for clients that complete their requests. Nor is
 * a connection younger than `makeRoomAfterMs` on which nothing has arrived yet: in a burst of new connections (a
 * load balancer's, a CMS's), it is most likely a request about to be read, so the newcomer is refused instead.
 * A socket closed with part of a request received gets a 408 first; an idle one is closed silently, as keep-alive
 * connections are.
 *
 * The deadlines are kept here, per socket, besides Node's own headersTimeout/requestTimeout: Node's check did not
 * always expire half-sent requests while other requests kept arriving (seen on Node 20.20: with /healthz probed twice
 * a second over keep-alive, three sockets with unfinished headers stayed open past 20 s with a 5 s headers timeout).
 * Headers must be complete within `headersTimeoutMs` of the connection opening or of the previous answer
 * (keep-alive); the whole request within `requestTimeoutMs` of its headers.
 */
export interface ConnectionLimits {
  /** Headers must be complete within this of the connection opening or of the previous answer (keep-alive). */
  headersTimeoutMs: number;
  /** The whole request must be in within this of its headers. */
  requestTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  makeRoomAfterMs: number;
}

interface Connection {
  address: string;
  /** bytesRead when the socket last had no request under way (opened, or its last answer finished). */
  idleBytes: number;
  /** When that was (performance.now()). */
  idleSince: number;
  /** The request under way, while its body is still arriving. */
  req: IncomingMessage | null;
  res: ServerResponse | null;
  timer: NodeJS.Timeout | undefined;
}

/** How long an answer may take once the request is in, before the socket is dropped (a handler that hangs). */
const ANSWER_GRACE_MS = 60_000;
/** A client that never reads its 408 or closes its side loses the socket after this. */
const CLOSE_GRACE_MS = 1_000;

export class ConnectionGuard {
  private readonly open = new Map<Socket, Connection>();
  /** Sockets without a complete request, oldest first (a Map keeps insertion order). */
  private readonly unfinished = new Map<Socket, Connection>();
  private readonly byAddress = new Map<string, number>();
  /** Past this many open sockets, a new connection makes room. */
  readonly roomAt: number;

  constructor(private readonly limits: ConnectionLimits) {
    this.roomAt = Math.max(1, limits.maxConnections - Math.max(1, Math.floor(limits.maxConnections / 10)));
  }

  attach(server: Server): void {
    server.maxConnections = this.limits.maxConnections;
    server.on('connection', (socket: Socket) => this.onConnection(socket));
  }

  private onConnection(socket: Socket): void {
    const address = addressOf(socket);
    if ((this.byAddress.get(address) ?? 0) >= this.limits.maxConnectionsPerAddress) {
      if (!this.closeOldest((c) => c.address === address, 'too many connections from one address')) {
        refuse(socket);
        return;
      }
    }
    if (this.open.size >= this.roomAt) {
      const heaviest = this.heaviestAddress();
      if (!this.closeOldest((c) => c.address === heaviest, 'connection cap near')) this.closeOldest(() => true, 'connection cap near');
    }
    const conn: Connection = { address, idleBytes: 0, idleSince: performance.now(), req: null, res: null, timer: undefined };
    this.open.set(socket, conn);
    this.unfinished.set(socket, conn);
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
    this.arm(socket, conn, this.limits.headersTimeoutMs, 'headers not complete in time');
    socket.once('close', () => this.forget(socket, conn));
  }

  /** Every request, once its headers are in (the 'request' and 'checkContinue' events). */
  onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const conn = this.open.get(socket);
    if (!conn) return;
    if (req.complete) {
      this.unfinished.delete(socket);
      this.arm(socket, conn, this.limits.headersTimeoutMs + ANSWER_GRACE_MS, 'answer not sent in time', 'drop');
    } else {
      // Keeps its place among the unfinished: its age counts from when the request began.
      conn.req = req;
      conn.res = res;
      this.arm(socket, conn, this.limits.requestTimeoutMs, 'body not complete in time');
      req.once('end', () => {
        if (this.open.get(socket) === conn && conn.req === req) {
          this.arm(socket, conn, this.limits.headersTimeoutMs + ANSWER_GRACE_MS, 'answer not sent in time', 'drop');
        }
      });
    }
    res.once('finish', () => {
      if (this.open.get(socket) !== conn || socket.destroyed) return;
      // Kept alive: the next request starts from here, as the newest unfinished socket.
      conn.req = null;
      conn.res = null;
      conn.idleBytes = socket.bytesRead;
      conn.idleSince = performance.now();
      this.unfinished.delete(socket);
      this.unfinished.set(socket, conn);
      this.arm(socket, conn, this.limits.headersTimeoutMs + 5_000, 'next request headers not complete in time');
    });
  }

  /** `drop` when the wait is ours (a handler that never answers): no 408 then, the client was not slow. */
  private arm(socket: Socket, conn: Connection, ms: number, reason: string, how: 'timeout' | 'drop' = 'timeout'): void {
    clearTimeout(conn.timer);
    conn.timer = setTimeout(() => {
      logger.debug({ reason }, 'http connection closed: past its deadline');
      this.close(socket, conn, how);
    }, ms);
    conn.timer.unref();
  }

  /** Closes the oldest unfinished socket that `pick` accepts; false when there is none. */
  private closeOldest(pick: (c: Connection) => boolean, reason: string): boolean {
    const youngSince = performance.now() - this.limits.makeRoomAfterMs;
    for (const [socket, conn] of this.unfinished) {
      if (conn.req?.complete) {
        this.unfinished.delete(socket);
        continue;
      }
      if (!pick(conn)) continue;
      if (conn.idleSince > youngSince && !requestStarted(socket, conn)) continue;
      logger.debug({ reason }, 'http connection closed to make room');
      this.close(socket, conn, 'timeout');
      return true;
    }
    return false;
  }

  private heaviestAddress(): string | undefined {
    let heaviest: string | undefined;
    let most = 0;
    for (const [address, count] of this.byAddress) {
      if (count > most) [heaviest, most] = [address, count];
    }
    return heaviest;
  }

  /** 'timeout': a 408 when part of a request arrived, else a silent close; 'drop': closed as it is. */
  private close(socket: Socket, conn: Connection, how: 'timeout' | 'drop'): void {
    this.forget(socket, conn);
    if (how === 'timeout' && requestStarted(socket, conn) && !conn.res?.headersSent) answerAndClose(socket, 408, 'request not complete in time');
    else socket.destroy();
  }

  private forget(socket: Socket, conn: Connection): void {
    if (this.open.get(socket) !== conn) return;
    clearTimeout(conn.timer);
    this.open.delete(socket);
    this.unfinished.delete(socket);
    const left = (this.byAddress.get(conn.address) ?? 1) - 1;
    if (left > 0) this.byAddress.set(conn.address, left);
    else this.byAddress.delete(conn.address);
  }
}

/** Part of a request has arrived on the socket since it was last idle. */
function requestStarted(socket: Socket, conn: Connection): boolean {
  return conn.req !== null || socket.bytesRead > conn.idleBytes;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large', 503: 'Service Unavailable',
};

/**
 * Answers on the raw socket (no request object exists, or its handler is still waiting for the body) and closes:
 * once the answer is handed to the kernel, or after a grace period for a client that never reads it.
 */
export function answerAndClose(socket: Socket, status: number, error: string, extraHeaders = ''): void {
  if (!socket.writable || socket.writableEnded) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`,
    () => socket.destroy(),
  );
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

function refuse(socket: Socket): void {
  logger.debug({}, 'http connection refused: too many connections from one address');
  answerAndClose(socket, 503, 'too many connections from this address; try again shortly', 'retry-after: 1\r\n');
}

/** IPv4-mapped IPv6 addresses count as the IPv4 address they carry. */
function addressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
