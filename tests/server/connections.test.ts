import { afterEach, describe, expect, it } from 'vitest';
import { mountHealth } from '../../src/server/health.js';
import { HttpServer, readBody, sendJson } from '../../src/server/http.js';
import { rawClient, type RawClient } from '../helpers/raw-http.js';

/**
 * The connection cap is shared, so half-sent requests must not lock everyone else out: one address holds a bounded
 * share, and near the cap the oldest unfinished requests make room. Real HTTP on loopback, raw sockets; other
 * clients' addresses are other loopback addresses (127.0.0.2, 127.0.0.3). Asserted on answers and closed sockets,
 * never on time: the deadlines here are far longer than the tests.
 */
let server: HttpServer | null = null;
const clients: RawClient[] = [];
let entered: () => void = () => undefined;

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await server?.stop();
  server = null;
});

async function start(opts: ConstructorParameters<typeof HttpServer>[0]): Promise<number> {
  server = new HttpServer({ headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, makeRoomAfterMs: 0, ...opts });
  mountHealth(server, { checks: {} });
  server.mount('POST', '/v1/articles', async (req, res) => {
    entered();
    sendJson(res, 201, { bytes: (await readBody(req, 1024 * 1024)).length });
  });
  return (await server.start(0, '127.0.0.1')).port;
}

const HALF_BODY = 'POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title":';

/** A request whose headers are in and whose body stops halfway; resolves once the server is reading it. */
async function halfSent(port: number, from?: string): Promise<RawClient> {
  const client = await rawClient(port, from);
  clients.push(client);
  const reading = new Promise<void>((r) => (entered = r));
  client.send(HALF_BODY);
  await reading;
  return client;
}

async function healthz(port: number, from?: string): Promise<string> {
  const client = await rawClient(port, from);
  clients.push(client);
  client.send('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await client.closed;
  return client.received();
}

describe('half-sent requests and the connection cap', () => {
  it('at the cap, a new connection closes the oldest half-sent request with a 408, and /healthz is answered', async () => {
    // 5 sockets at most; one is kept free for bursts, so a fifth connection makes room.
    const port = await start({ maxConnections: 5, maxConnectionsPerAddress: 100 });
    const slow: RawClient[] = [];
    for (let i = 0; i < 5; i++) slow.push(await halfSent(port));
    const answer = await healthz(port);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('{"status":"ok"}');
    // The two oldest made room (for the fifth half-sent one, then for the probe), each told why.
    await Promise.all([slow[0].closed, slow[1].closed]);
    for (const c of slow.slice(0, 2)) {
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(c.received()).toContain('request not complete in time');
    }
    expect(slow.slice(2).map((c) => c.socket.destroyed)).toEqual([false, false, false]);
  }, 30_000);

  it('a complete request being answered is never closed to make room', async () => {
    let release: () => void = () => undefined;
    let answering: () => void = () => undefined;
    const inHandler = new Promise<void>((r) => (answering = r));
    const port = await start({ maxConnections: 3, maxConnectionsPerAddress: 100 });
    server!.mount('GET', '/slow', (_req, res) => new Promise<void>((r) => {
      release = () => {
        sendJson(res, 200, { done: true });
        r();
      };
      answering();
    }));
    const complete = await rawClient(port);
    clients.push(complete);
    complete.send('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await inHandler;
    // 3 sockets at most, one kept free: each new connection past 2 closes a half-sent one, never the complete request.
    const slow = [await halfSent(port), await halfSent(port)];
    expect(await healthz(port)).toMatch(/^HTTP\/1\.1 200 /);
    await Promise.all(slow.map((c) => c.closed));
    expect(complete.socket.destroyed).toBe(false);
    release();
    expect(await complete.waitFor(/"done":true/)).toMatch(/^HTTP\/1\.1 200 /);
  }, 30_000);

  it('one address holds at most its share: its own oldest half-sent request makes room, other addresses keep theirs', async () => {
    const port = await start({ maxConnections: 100, maxConnectionsPerAddress: 3 });
    const other = [await halfSent(port, '127.0.0.3'), await halfSent(port, '127.0.0.3')];
    const flood: RawClient[] = [];
    for (let i = 0; i < 6; i++) flood.push(await halfSent(port, '127.0.0.2'));
    await Promise.all(flood.slice(0, 3).map((c) => c.closed));
    for (const c of flood.slice(0, 3)) expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    // A probe from the flooding address gets in too (it closes that address's oldest remaining one).
    expect(await healthz(port, '127.0.0.2')).toMatch(/^HTTP\/1\.1 200 /);
    expect(await healthz(port, '127.0.0.4')).toMatch(/^HTTP\/1\.1 200 /);
    expect(other.map((c) => c.socket.destroyed)).toEqual([false, false]);
    expect(other.map((c) => c.received())).toEqual(['', '']);
  }, 30_000);

  it('a burst of new connections on which nothing has arrived yet is not cut short: the one past the share gets 503', async () => {
    const port = await start({ maxConnections: 100, maxConnectionsPerAddress: 3, makeRoomAfterMs: 60_000 });
    const burst: RawClient[] = [];
    for (let i = 0; i < 3; i++) {
      burst.push(await rawClient(port, '127.0.0.2'));
      clients.push(burst[i]);
    }
    const refused = await rawClient(port, '127.0.0.2');
    clients.push(refused);
    await refused.closed;
    expect(refused.received()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refused.received().toLowerCase()).toContain('retry-after: 1');
    expect(refused.received()).toContain('too many connections from this address');
    // The three are untouched and still answered.
    burst[2].send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await burst[2].waitFor(/\{"status":"ok"\}/)).toMatch(/^HTTP\/1\.1 200 /);
    expect(burst.map((c) => c.socket.destroyed)).toEqual([false, false, false]);
  }, 30_000);

  it('an idle connection past its time makes room silently (no 408: no request was under way)', async () => {
    const port = await start({ maxConnections: 100, maxConnectionsPerAddress: 2 });
    const idle = [await rawClient(port, '127.0.0.2'), await rawClient(port, '127.0.0.2')];
    clients.push(...idle);
    expect(await healthz(port, '127.0.0.2')).toMatch(/^HTTP\/1\.1 200 /);
    await idle[0].closed;
    expect(idle[0].received()).toBe('');
    expect(idle[1].socket.destroyed).toBe(false);
  }, 30_000);
});
