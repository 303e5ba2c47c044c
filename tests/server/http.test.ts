import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../src/log.js';
import { mountHealth } from '../../src/server/health.js';
import { HttpServer, readBody, sendJson } from '../../src/server/http.js';
import { mountIngestApi } from '../../src/ingest/push.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { TEST_CLOCK } from '../helpers/clock.js';
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
  it('tells a client that never finishes its headers 408, then closes its connection', async () => {
    const port = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const client = await rawClient(port);
    client.send('POST /echo HTTP/1.1\r\nHost: x\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(client.received().toLowerCase()).toContain('connection: close');
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

  it('tells half-sent bodies 408 when their time is up, and /healthz answers once they are gone', async () => {
    const port = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600, maxConnections: 4 });
    const slow = await Promise.all(Array.from({ length: 3 }, () => rawClient(port)));
    for (const c of slow) c.send('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf');
    await Promise.all(slow.map((c) => c.closed));
    for (const c of slow) expect(c.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  }, 15_000);

  it('answers 431 to headers past 16 KB (a 20 KB Authorization header), not 400', async () => {
    const port = await start({});
    const client = await rawClient(port);
    client.send(`GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(client.received()).toContain('request headers larger than 16 KB');
  }, 15_000);

  it('answers 400 to a request that is not HTTP', async () => {
    const port = await start({});
    const client = await rawClient(port);
    client.send('HELLO THERE\r\n\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
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

describe('Expect: 100-continue on the push API', () => {
  const TOKEN = 'test-ingest-token-0123456789';
  const article = JSON.stringify({ id: 'cms-100', title: 'Bridge reopens after repairs', body: 'Traffic flows again.', priority: 'routine' });

  async function startIngest(): Promise<{ port: number; close(): Promise<void> }> {
    const sqlite = openSqliteStore(':memory:', { now: TEST_CLOCK });
    server = new HttpServer({});
    mountIngestApi(server, { token: TOKEN, store: sqlite.articles, logger: logger.child({}, { level: 'silent' }) });
    const { port } = await server.start(0, '127.0.0.1');
    return { port, close: () => sqlite.close() };
  }

  function headers(token: string): string {
    return `POST /v1/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(article)}\r\nExpect: 100-continue\r\n\r\n`;
  }

  it('a wrong token gets its 401 alone, never "100 Continue" first', async () => {
    const ingest = await startIngest();
    const client = await rawClient(ingest.port);
    client.send(headers('not-the-token'));
    const text = await client.waitFor(/\r\n\r\n/);
    expect(text).toMatch(/^HTTP\/1\.1 401 /);
    expect(text).not.toContain('100 Continue');
    await client.closed;
    expect(client.received()).not.toContain('100 Continue');
    await ingest.close();
  }, 15_000);

  it('the right token gets "100 Continue", then the body is read and stored (201)', async () => {
    const ingest = await startIngest();
    const client = await rawClient(ingest.port);
    client.send(headers(TOKEN));
    expect(await client.waitFor(/\r\n\r\n/)).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    client.send(article);
    const text = await client.waitFor(/\r\n\r\n[^]*\}/);
    expect(text.slice('HTTP/1.1 100 Continue\r\n\r\n'.length)).toMatch(/^HTTP\/1\.1 201 /);
    client.socket.destroy();
    await ingest.close();
  }, 15_000);
});
