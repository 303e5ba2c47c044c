import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountHealth } from '../../src/server/health.js';
import { HttpServer } from '../../src/server/http.js';

const state = { store: true, discord: true };
let http: HttpServer;
let base: string;

beforeAll(async () => {
  http = new HttpServer();
  mountHealth(http, {
    checkTimeoutMs: 50,
    checks: {
      store: () => state.store,
      discord: async () => state.discord,
      slack: () => {
        if (!state.store) throw new Error('boom');
        return true;
      },
      hangs: () => (state.discord ? true : new Promise<boolean>(() => undefined)),
    },
  });
  const address = await http.start(0, '127.0.0.1');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(() => http.stop());

describe('health endpoints', () => {
  it('/healthz answers 200 while the process is alive', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when every check passes', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { store: true, discord: true, slack: true, hangs: true } });
  });

  it('/readyz is 503 naming what failed: false, thrown and hanging checks all count', async () => {
    state.store = false;
    state.discord = false;
    try {
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; failed: string[] };
      expect(body.status).toBe('not ready');
      expect(body.failed).toEqual(['store', 'discord', 'slack', 'hangs']);
    } finally {
      state.store = true;
      state.discord = true;
    }
  });

  it('/readyz with no checks configured is ready', async () => {
    const other = new HttpServer();
    mountHealth(other, { checks: {} });
    const { port } = await other.start(0, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      await other.stop();
    }
  });

  it('/readyz is 503 "draining" once a stop has begun, while /healthz still answers 200', async () => {
    let draining = false;
    const other = new HttpServer();
    mountHealth(other, { checks: { store: () => true }, draining: () => draining });
    const { port } = await other.start(0, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      draining = true;
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'draining' });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});
