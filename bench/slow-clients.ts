import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { mountHealth } from '../src/server/health.js';
import { HTTP_LIMITS, HttpServer, readBody, sendJson } from '../src/server/http.js';

/**
 * Slow and hostile HTTP clients against the one HTTP server with its production limits: `clients` connections
 * that send headers and half a body, and as many that never finish their headers. Reports how many the server
 * held at most, how long until it had dropped them all, and how /healthz answered meanwhile (one probe every
 * 250 ms, each with a 2 s bound). Loopback only. Usage: npm run bench -- --only slow-clients
 */
export interface SlowClientsResult {
  clients: number;
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Slow sockets that were still open when the last one closed, at most (what the server held). */
  connectedAtOnce: number;
  /** Seconds until every slow socket was closed, or until the bench gave up waiting (60 s). */
  allDroppedAfterS: number;
  /** Slow sockets still open when the bench stopped waiting. */
  stillOpen: number;
  healthzDuringAttack: string;
  healthzAfter: number;
}

function open(port: number, payload: string): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(payload);
      resolve(s);
    });
    s.on('error', () => resolve(s));
  });
}

async function probe(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function runSlowClientsBench(clients = 2_000): Promise<SlowClientsResult> {
  const http = new HttpServer();
  mountHealth(http, { checks: {} });
  http.mount('POST', '/v1/articles', async (req, res) => sendJson(res, 200, { bytes: (await readBody(req, 1024 * 1024)).length }));
  const { port } = await http.start(0, '127.0.0.1');
  const t0 = performance.now();
  const sockets: Socket[] = [];
  for (let i = 0; i < clients; i++) {
    sockets.push(await open(port, 'POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title":'));
    sockets.push(await open(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n'));
  }
  let open_ = sockets.filter((s) => !s.destroyed).length;
  let connectedAtOnce = 0;
  const probes: boolean[] = [];
  const closed = Promise.all(sockets.map((s) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())))));
  let done = false;
  void closed.then(() => { done = true; });
  while (!done && performance.now() - t0 < 60_000) {
    open_ = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
    connectedAtOnce = Math.max(connectedAtOnce, open_);
    probes.push(await probe(port));
    await new Promise((r) => setTimeout(r, 250));
  }
  const allDroppedAfterS = (performance.now() - t0) / 1000;
  const stillOpen = sockets.filter((s) => !s.destroyed).length;
  const healthzAfter = (await probe(port)) ? 200 : 0;
  for (const s of sockets) s.destroy();
  await http.stop();
  return {
    clients: clients * 2,
    ...HTTP_LIMITS,
    connectedAtOnce,
    allDroppedAfterS: Math.round(allDroppedAfterS * 10) / 10,
    stillOpen,
    healthzDuringAttack: `${probes.filter(Boolean).length}/${probes.length} probes answered`,
    healthzAfter,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table([await runSlowClientsBench(Number(process.argv[2] ?? 2_000))]);
}
