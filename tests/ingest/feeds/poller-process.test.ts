import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNewsdesk, tempDataDir } from '../../helpers/process.js';
import { startFeedServer, type FeedServer } from './fixtures/feed-server.js';

/**
 * The real process (what `npm start` runs) with 15 feeds whose publishers on loopback never answer, so all 15 polls
 * are in flight at once: everything it prints is the JSON log (no MaxListenersExceededWarning text, or any other).
 * One publisher per feed (its own port, so its own host): the poller spaces requests to one host.
 */
const servers: FeedServer[] = [];
beforeAll(async () => {
  for (let i = 0; i < 15; i++) servers.push(await startFeedServer());
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('the process with more than 10 feeds polling at once', () => {
  it('prints nothing but JSON log lines', async () => {
    const dataDir = tempDataDir();
    const feeds = servers.map((server, i) => ({ name: `Hanging ${i}`, url: server.url('/hanging.xml') }));
    for (const server of servers) server.routes.set('/hanging.xml', { hang: true });
    writeFileSync(join(dataDir, 'feeds.json'), JSON.stringify({ feeds }));
    const app = startNewsdesk({ DATA_DIR: dataDir, TERMINAL: '0', PORT: '0', LOG_LEVEL: 'info' });
    try {
      const inFlight = () => servers.filter((s) => s.requests.some((r) => r.path === '/hanging.xml')).length;
      await expect.poll(inFlight, { timeout: 30_000, interval: 100 }).toBe(15);
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
    const lines = app.stderr().split('\n').filter((l) => l.trim());
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    expect(app.stdout()).toBe('');
  }, 60_000);
});
