import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../src/log.js';
import { mountHealth } from '../../src/server/health.js';
import { HttpServer, readBody, sendJson } from '../../src/server/http.js';
import { rawClient } from '../helpers/raw-http.js';

/** Hostile and slow clients: the outputs are asserted (closed sockets, answers), never the time they took. */
let server: HttpServer | null = null;
let entered: () => void = () => undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.stop();
  server = null;
});

async function start(opts: ConstructorParameters<typeof HttpServer>[0]): Promise<number> {
  server = new HttpServer(opts);
  mountHealth(server, { checks: {} });
  server.mount('POST', '/echo', async (req, res) => {
    entered();
    const body = await readBody(req, 1024);
    sendJson(res, 200, { bytes: body.length });
  });
  server.mount('POST', '/refuse', (_req, res) => sendJson(res, 401, { error: 'no' }));
  return (await server.start(0, '127.0.0.1')).port;
}

describe('slow and hostile HTTP clients', () => {
  it('drops a client that never finishes its headers once the headers timeout passes', async () => {
    const port = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const client = await rawClient(port);
    client.send('POST /echo HTTP/1.1\r\nHost: x\r\n');
    await client.closed;
    expect(client.socket.destroyed).toBe(true);
  }, 15_000);

  it('drops half-sent requests while other requests keep arriving', async () => {
    const port = await start({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const headers = await rawClient(port);
    headers.send('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const body = await rawClient(port);
    body.send('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf');
    let closed = false;
    const both = Promise.all([headers.closed, body.closed]).then(() => { closed = true; });
    let answered = 0;
    while (!closed) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) answered += 1;
      await res.text();
      await new Promise((r) => setTimeout(r, 200));
    }
    await both;
    expect(answered).toBeGreaterThan(0);
  }, 15_000);

  it('bounds the connections held by half-sent bodies, and /healthz answers again once they time out', async () => {
    const port = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600, maxConnections: 4 });
    const slow = await Promise.all(Array.from({ length: 4 }, () => rawClient(port)));
    for (const c of slow) c.send('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf');
    // Past the bound, a new connection is closed at once instead of holding one more descriptor.
    const extra = await rawClient(port);
    extra.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await extra.closed;
    expect(extra.received()).toBe('');
    await Promise.all(slow.map((c) => c.closed));
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  }, 15_000);

  it('an answer sent before the body arrived says connection: close and closes', async () => {
    const port = await start({});
    const client = await rawClient(port);
    client.send('POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nsome');
    const text = await client.waitFor(/\r\n\r\n/);
    expect(text).toMatch(/^HTTP\/1\.1 401/);
    expect(text.toLowerCase()).toContain('connection: close');
    await client.closed;
  }, 15_000);

  it('a client that aborts mid-body is one debug line, not an error', async () => {
    const port = await start({});
    const error = vi.spyOn(logger, 'error');
    const debug = vi.spyOn(logger, 'debug');
    const reading = new Promise<void>((r) => (entered = r));
    const client = await rawClient(port);
    client.send('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nhalf');
    await reading;
    client.socket.destroy();
    await vi.waitFor(() => expect(debug).toHaveBeenCalledWith(expect.objectContaining({ path: '/echo' }), 'http client went away mid-request'), { timeout: 10_000 });
    expect(error).not.toHaveBeenCalled();
  }, 15_000);
});
