import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { logger } from '../log.js';

/**
 * The one HTTP server: Slack's requests, Discord's HTTP interactions, the ingest API, /healthz and
 * /readyz all arrive here. Each part mounts its routes; none opens its own port.
 */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface Route {
  method: string | '*';
  path: string;
  prefix: boolean;
  handler: Handler;
}

export class BodyTooLarge extends Error {}
/** The client went away before its request was read: nobody to answer, nothing to report above debug. */
export class ClientGone extends Error {}

/**
 * The raw body (signatures are checked on these exact bytes), refused past `maxBytes`: by the declared length
 * before anything is read, else as soon as the bytes pass it. Settles when the client aborts, too.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      reject(new BodyTooLarge(`body over ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        reject(new BodyTooLarge(`body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (err) => reject(new ClientGone(err.message)));
    req.on('close', () => {
      if (!req.complete) reject(new ClientGone('client closed the connection before sending the whole body'));
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Bounds on what a stranger can hold: headers must arrive within `headersTimeoutMs`, the whole request within
 * `requestTimeoutMs` (Node's default is 300 s, checked every 30 s), and at most `maxConnections` sockets are
 * open at once, so half-sent requests can never use every file descriptor (feed polls and outbound calls need them).
 */
export interface HttpServerOptions {
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxConnections?: number;
}

export const HTTP_LIMITS = { headersTimeoutMs: 5_000, requestTimeoutMs: 15_000, maxConnections: 1_000 } as const;

/**
 * An answer sent while the request's body is still arriving (a refusal at the headers, a 413, Bolt's included)
 * says `connection: close` and closes: the unread rest of the body must not be read as a next request on a
 * connection advertised as kept alive.
 */
function closeWhenAnsweredEarly(req: IncomingMessage, res: ServerResponse): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    if (!req.complete) res.shouldKeepAlive = false;
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
  res.on('finish', () => {
    if (!req.complete) req.socket.destroySoon();
  });
}

/**
 * Deadlines per connection, kept by this server itself: Node's own headersTimeout/requestTimeout check did not
 * always expire half-sent requests while other requests kept arriving (seen here on Node 20.20: with /healthz
 * probed twice a second over keep-alive, three sockets with unfinished headers stayed open past 20 s with a 5 s
 * headers timeout; not reproduced at smaller timeouts). Headers must be complete within
 * `headersMs` of the connection opening or of the previous answer (keep-alive); the whole request within
 * `requestMs` of its headers. A socket past either is destroyed.
 */
function enforceDeadlines(server: Server, headersMs: number, requestMs: number): void {
  server.on('connection', (socket) => {
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, reason: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        logger.debug({ reason }, 'http client too slow: connection closed');
        socket.destroy();
      }, ms);
      timer.unref();
    };
    arm(headersMs, 'headers not complete in time');
    socket.once('close', () => clearTimeout(timer));
    // The request event is emitted once the headers are in.
    (socket as Socket & { [kDeadline]?: typeof arm })[kDeadline] = arm;
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const arm = (req.socket as Socket & { [kDeadline]?: (ms: number, reason: string) => void })[kDeadline];
    if (!arm) return;
    if (req.complete) arm(headersMs + 60_000, 'answer not sent in time');
    else {
      arm(requestMs, 'body not complete in time');
      req.once('end', () => arm(headersMs + 60_000, 'answer not sent in time'));
    }
    // After the answer, a kept-alive connection has the headers deadline again for its next request.
    res.once('finish', () => arm(headersMs + 5_000, 'next request headers not complete in time'));
  });
}

const kDeadline = Symbol('newsdesk.deadline');

export class HttpServer {
  private readonly routes: Route[] = [];
  private server: Server | null = null;
  private readonly limits: Required<HttpServerOptions>;

  constructor(opts: HttpServerOptions = {}) {
    this.limits = { ...HTTP_LIMITS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  }

  /** Exact path, or every path under `path` when it ends with `/*`. */
  mount(method: string, path: string, handler: Handler): void {
    const prefix = path.endsWith('/*');
    this.routes.push({ method: method.toUpperCase(), path: prefix ? path.slice(0, -1) : path, prefix, handler });
  }

  get hasRoutes(): boolean {
    return this.routes.length > 0;
  }

  private route(req: IncomingMessage): Route | undefined {
    const path = (req.url ?? '/').split('?')[0];
    return this.routes.find(
      (r) => (r.method === '*' || r.method === req.method) && (r.prefix ? path.startsWith(r.path) : path === r.path),
    );
  }

  async start(port: number, host: string): Promise<AddressInfo> {
    const { headersTimeoutMs, requestTimeoutMs, maxConnections } = this.limits;
    this.server = createServer({
      headersTimeout: headersTimeoutMs,
      requestTimeout: Math.max(requestTimeoutMs, headersTimeoutMs),
      // How often Node looks for requests past those timeouts (default 30 s, which would make them meaningless).
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
    }, (req, res) => {
      closeWhenAnsweredEarly(req, res);
      const route = this.route(req);
      if (!route) {
        sendJson(res, 404, { error: 'not found' });
        return;
      }
      Promise.resolve()
        .then(() => route.handler(req, res))
        .catch((err: unknown) => {
          if (err instanceof ClientGone) {
            logger.debug({ path: route.path, reason: err.message }, 'http client went away mid-request');
            res.destroy();
            return;
          }
          logger.error({ err, path: route.path }, 'http handler failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.end();
        });
    });
    this.server.maxConnections = maxConnections;
    enforceDeadlines(this.server, headersTimeoutMs, Math.max(requestTimeoutMs, headersTimeoutMs));
    // A request timed out or a malformed one: Node answers 408/400 itself; that is the client's doing, not ours.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      logger.debug({ code: err.code, reason: err.message }, 'http client error');
      if (socket.writable && !socket.writableEnded) {
        const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
        // A client that never reads or closes its side would otherwise keep the socket.
        setTimeout(() => socket.destroy(), 1_000).unref();
      } else {
        socket.destroy();
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections?.();
    });
  }
}
