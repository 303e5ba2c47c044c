import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy the test drives, to put faults between Newsdesk and a server (PostgreSQL):
 *  - pass: bytes flow both ways (after `latency(ms)`, each chunk waits that long first);
 *  - stall: connections are accepted (new ones too) but nothing is forwarded either way until `pass()`: a server
 *    that stopped answering, with every socket open;
 *  - drop: every open connection is reset (RST), and so is each new one, until `pass()`;
 *  - refuse: the listening socket is closed (ECONNREFUSED for new connections; open ones carry on) until `pass()`,
 *    which listens again on the same port.
 */
export type FaultMode = 'pass' | 'stall' | 'drop' | 'refuse';

export interface FaultProxy {
  readonly port: number;
  readonly mode: FaultMode;
  /** `postgres://user@127.0.0.1:5432/db` → the same URL through the proxy. */
  url(target: string): string;
  pass(): Promise<void>;
  stall(): Promise<void>;
  drop(): Promise<void>;
  refuse(): Promise<void>;
  latency(ms: number): void;
  /** Connections accepted so far, and how many are open. */
  stats(): { accepted: number; open: number; reset: number };
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Chunks held while stalled, per direction, in order. */
  held: Array<{ to: Socket; chunk: Buffer }>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let delayMs = 0;
  let accepted = 0;
  let reset = 0;
  const pairs = new Set<Pair>();

  const resetPair = (p: Pair) => {
    reset += 1;
    pairs.delete(p);
    p.client.resetAndDestroy();
    p.upstream.resetAndDestroy();
  };

  const forward = (p: Pair, to: Socket, chunk: Buffer) => {
    if (mode === 'stall' || p.held.length > 0) {
      p.held.push({ to, chunk });
      return;
    }
    if (delayMs > 0) {
      // Order is kept: every chunk waits the same delay, and timers of equal delay fire in order.
      setTimeout(() => to.destroyed || to.write(chunk), delayMs);
    } else if (!to.destroyed) to.write(chunk);
  };

  const onConnection = (client: Socket) => {
    accepted += 1;
    if (mode === 'drop') {
      reset += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const p: Pair = { client, upstream, held: [] };
    pairs.add(p);
    const end = () => {
      if (!pairs.delete(p)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (c: Buffer) => forward(p, upstream, c));
    upstream.on('data', (c: Buffer) => forward(p, client, c));
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as { port: number }).port;
  let listening = true;

  const flush = () => {
    for (const p of pairs) {
      for (const { to, chunk } of p.held.splice(0)) if (!to.destroyed) to.write(chunk);
    }
  };

  return {
    port,
    get mode() {
      return mode;
    },
    url(t: string) {
      const u = new URL(t);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async pass() {
      mode = 'pass';
      if (!listening) {
        server = createServer(onConnection);
        await listen(port);
        listening = true;
      }
      flush();
    },
    async stall() {
      mode = 'stall';
    },
    async drop() {
      mode = 'drop';
      for (const p of [...pairs]) resetPair(p);
    },
    async refuse() {
      mode = 'refuse';
      if (listening) {
        listening = false;
        // Open connections carry on; only new ones are refused (close() waits for them, so it is not awaited).
        server.close();
      }
    },
    latency(ms: number) {
      delayMs = ms;
    },
    stats: () => ({ accepted, open: pairs.size, reset }),
    async close() {
      for (const p of [...pairs]) resetPair(p);
      if (listening) await new Promise<void>((r) => server.close(() => r()));
      listening = false;
    },
  };
}
