import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** The raw body (signatures are checked on these exact bytes), refused past `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      req.resume();
      reject(new BodyTooLarge(`body over ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge(`body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class HttpServer {
  private readonly routes: Route[] = [];
  private server: Server | null = null;

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
    this.server = createServer((req, res) => {
      const route = this.route(req);
      if (!route) {
        sendJson(res, 404, { error: 'not found' });
        return;
      }
      Promise.resolve()
        .then(() => route.handler(req, res))
        .catch((err: unknown) => {
          logger.error({ err, path: route.path }, 'http handler failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.end();
        });
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
