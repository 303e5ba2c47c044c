import { connect, type Socket } from 'node:net';

/**
 * The attacker of bench/load.ts, in its own process (as a real one would be): opens `count` half-sent requests to
 * 127.0.0.1:`port`, 200 connections in flight at a time, half with their headers unfinished and half with half a
 * body, and holds them until the parent ends it. Prints one JSON line when all were opened.
 * Usage: node --import tsx bench/half-sent-clients.ts <port> <count>
 */
const port = Number(process.argv[2]);
const count = Number(process.argv[3] ?? 4_000);
const HALF_BODY = 'POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title":';
const HALF_HEADERS = 'GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ';

const sockets: Socket[] = [];
let refused = 0;

function open(payload: string): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(payload);
      resolve();
    });
    s.on('error', () => {
      refused += 1;
      resolve();
    });
    sockets.push(s);
  });
}

process.stdout.write('started\n');
for (let i = 0; i < count; i += 200) {
  await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, k) => open((i + k) % 2 ? HALF_BODY : HALF_HEADERS)));
}
process.stdout.write(`${JSON.stringify({ opened: count - refused, refused, stillOpen: sockets.filter((s) => !s.destroyed).length })}\n`);
// Held until the parent kills this process.
setInterval(() => undefined, 60_000);
