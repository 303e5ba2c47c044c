import { connect, type Socket } from 'node:net';

/**
 * A hand-driven HTTP client on a raw socket, for clients that misbehave: headers never finished, bodies half
 * sent, connections reused after a refusal. `response` is everything the server wrote; `closed` settles when the
 * server (or the network) closes the socket.
 */
export interface RawClient {
  socket: Socket;
  send(text: string): void;
  /** Everything received so far. */
  received(): string;
  /** Resolves once the received text matches, or rejects when the socket closes first. */
  waitFor(pattern: RegExp): Promise<string>;
  closed: Promise<void>;
}

/** `from`: the loopback address to connect from (127.0.0.2, 127.0.0.3…), to stand for several clients' addresses. */
export function rawClient(port: number, from?: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    let data = '';
    const waiters: Array<{ pattern: RegExp; resolve: (s: string) => void; reject: (e: Error) => void }> = [];
    let isClosed = false;
    const closed = new Promise<void>((r) => socket.once('close', () => {
      isClosed = true;
      for (const w of waiters.splice(0)) w.reject(new Error(`socket closed before ${w.pattern}; received: ${data.slice(0, 200)}`));
      r();
    }));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      for (const w of [...waiters]) {
        if (w.pattern.test(data)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(data);
        }
      }
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({
      socket,
      send: (text) => void socket.write(text),
      received: () => data,
      waitFor: (pattern) => new Promise((res, rej) => {
        if (pattern.test(data)) return res(data);
        if (isClosed) return rej(new Error(`socket closed before ${pattern}; received: ${data.slice(0, 200)}`));
        waiters.push({ pattern, resolve: res, reject: rej });
      }),
      closed,
    }));
    socket.once('error', reject);
  });
}
