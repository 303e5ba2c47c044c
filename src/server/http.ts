import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { logger } from '../log.js';
import { answerAndClose, ConnectionGuard } from './connections.js';

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
 * open at once, so half-sent requests can never use every file descriptor (feed polls and outbound calls need them);
 * one address holds at most `maxConnectionsPerAddress` of them, and the oldest unfinished requests make room for
 * new connections near the cap (src/server/connections.ts). A slow client gets a 408 before its socket closes.
 */
export interface HttpServerOptions {
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  /** A connection on which nothing has arrived is closed to make room only once it is this old. */
  makeRoomAfterMs?: number;
}

export const HTTP_LIMITS = { headersTimeoutMs: 5_000, requestTimeoutMs: 15_000, maxConnections: 1_000, maxConnectionsPerAddress: 250, makeRoomAfterMs: 1_000 } as const;

/** Node's default, written out so a runtime flag cannot change what a client may send. */
const MAX_HEADER_BYTES = 16 * 1024;

/** What a request Node could not parse is told (Node's own mapping), before its socket closes. */
function clientErrorStatus(code: string | undefined): [number, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, `request headers larger than ${MAX_HEADER_BYTES / 1024} KB`];
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return [413, 'chunk extensions too large'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request not complete in time'];
  return [400, 'malformed HTTP request'];
}

/**
 * `Expect: 100-continue`: "100 Continue" is sent only when the handler starts reading the body, so a request refused
 * at its headers (a wrong token, 404, 415) gets its refusal alone and the client never sends the body.
 */
function continueWhenRead(req: IncomingMessage, res: ServerResponse): void {
  const readable = req as unknown as { _read(size: number): void };
  const read = readable._read;
  readable._read = function (this: IncomingMessage, size: number) {
    readable._read = read;
    if (!res.headersSent && !res.writableEnded) res.writeContinue();
    return read.call(this, size);
  };
}

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
    const { headersTimeoutMs, requestTimeoutMs, maxConnections, maxConnectionsPerAddress, makeRoomAfterMs } = this.limits;
    this.server = createServer({
      headersTimeout: headersTimeoutMs,
      requestTimeout: Math.max(requestTimeoutMs, headersTimeoutMs),
      // How often Node looks for requests past those timeouts (default 30 s, which would make them meaningless).
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
      maxHeaderSize: MAX_HEADER_BYTES,
    });
    // The guard keeps the deadlines too (Node's own check missed some) and room under the cap.
    const guard = new ConnectionGuard({
      headersTimeoutMs, requestTimeoutMs: Math.max(requestTimeoutMs, headersTimeoutMs), maxConnections, maxConnectionsPerAddress, makeRoomAfterMs,
    });
    guard.attach(this.server);
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      guard.onRequest(req, res);
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
    };
    this.server.on('request', onRequest);
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      continueWhenRead(req, res);
      onRequest(req, res);
    });
    // A request timed out, too large or malformed: answered as Node would (408, 431, 413, 400); the client's doing.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      logger.debug({ code: err.code, reason: err.message }, 'http client error');
      // An answer already under way on this socket cannot be followed by another (Node's default checks the same).
      const answering = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (answering?.headersSent) {
        socket.destroy();
        return;
      }
      const [status, error] = clientErrorStatus(err.code);
      answerAndClose(socket, status, error);
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
