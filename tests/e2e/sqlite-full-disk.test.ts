import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { pushArticles } from '../alerts/e2e/process.js';
import { portOf, startNewsdesk, untilOutput, type Running } from '../helpers/process.js';

/**
 * The real process (terminal + push API, SQLite) with its DATA_DIR on a real small file system (a 64 MB tmpfs this
 * test mounts: it needs root, and skips saying so without it) that fills up while it runs:
 *  - a push answers 503 with Retry-After (never 2xx and then lost), and the log says why, once per push;
 *  - /news still answers from the archive; a command that writes (/alerts subscribe) says the archive is unavailable;
 *  - the process stays up; once space returns, the same push is stored, alerted once, and found by /news;
 *  - a read-only file system: the file cannot be made read-only under a running process (chmod does not reach open
 *    descriptors, for root or anyone, and a remount read-only is refused while SQLite holds the files open: "mount
 *    point is busy"), so that case is the start: Newsdesk refuses it in one line naming the file, even as root.
 */
const TOKEN = 'sqlite-full-disk-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'newsdesk-full-'));
const mounted = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return (err as Error).message.split('\n')[0];
  }
})();
if (mounted) console.warn(`SQLite full-disk process test skipped: a small tmpfs cannot be mounted here (${mounted})`);

const story = (id: string, title: string) => ({ id, title, body: `${title}. More soon (${id}).`, priority: 'breaking', section: 'local', url: `https://news.example/${id}` });

describe.skipIf(mounted !== null)('the real process on SQLite when the disk fills', () => {
  const dataDir = join(dir, 'data');
  const filler = join(dir, 'filler');
  let app: Running | undefined;

  afterAll(async () => {
    if (app) {
      app.child.stdin.end();
      app.child.kill('SIGTERM');
      await app.exited;
    }
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Every byte of the file system taken, the WAL folded back first so the next write needs new space. */
  function fillDisk(): void {
    const db = new Database(join(dataDir, 'newsdesk.db'));
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (let i = 0; i < 2_000; i++) writeSync(fd, chunk);
      throw new Error('the tmpfs never filled');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      for (let size = 4096; size >= 1; size = Math.floor(size / 2)) {
        try {
          for (;;) writeSync(fd, chunk.subarray(0, size));
        } catch { /* full at this size: try smaller */ }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The stdout written after `mark` (what the last command printed). */
  const since = (mark: number) => app!.stdout().slice(mark);
  const alertsOf = (title: string) => app!.stdout().split('🔔 Alert').filter((block) => block.includes(title)).length;

  it('push 503 + Retry-After, /news answers, a writing command says the archive is unavailable, the process stays up; after space returns the push is stored and alerted once', async () => {
    mkdirSync(dataDir);
    cpSync('data/articles', join(dataDir, 'articles'), { recursive: true });
    app = startNewsdesk({ DATA_DIR: dataDir, TERMINAL: '1', TIMEZONE: 'UTC', PORT: '0', HOST: '127.0.0.1', INGEST_TOKEN: TOKEN, LOG_LEVEL: 'info' });
    const port = await untilOutput(() => portOf(app!.stderr()), 'the HTTP port', app, 30_000);
    app.child.stdin.write(':as admin\n/alerts subscribe min_priority:breaking\n');
    await untilOutput(() => /Subscribed/.test(app!.stdout()) || undefined, 'the subscription', app, 20_000);
    expect((await pushArticles(port, TOKEN, story('before', 'Harbour bridge closed to traffic'))).status).toBe(201);
    await untilOutput(() => alertsOf('Harbour bridge closed to traffic') === 1 || undefined, 'the first alert', app, 20_000);

    fillDisk();
    const refused = await fetch(`http://127.0.0.1:${port}/v1/articles`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(story('full', 'Ferry service suspended after storm')),
    });
    expect({ status: refused.status, retryAfter: refused.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: '5' });
    const refusedLine = (line: string) => line.includes('push refused with 503: the store is unavailable') && /"reason":"SQLITE_FULL/.test(line);
    await untilOutput(() => app!.stderr().split('\n').some(refusedLine) || undefined, 'the log line saying why', app, 10_000);

    let mark = app.stdout().length;
    app.child.stdin.write('/news harbour bridge\n');
    await untilOutput(() => /Results for “harbour bridge”/.test(since(mark)) || undefined, '/news during the full disk', app, 20_000);
    expect(since(mark)).toContain('Harbour bridge closed to traffic');

    mark = app.stdout().length;
    app.child.stdin.write('/alerts subscribe min_priority:routine\n');
    await untilOutput(() => /archive is unavailable/.test(since(mark)) || undefined, 'the writing command to be refused', app, 20_000);
    expect(app.child.exitCode).toBeNull();

    unlinkSync(filler);
    const again = await pushArticles(port, TOKEN, story('full', 'Ferry service suspended after storm'));
    expect(again.status).toBe(201);
    await untilOutput(() => alertsOf('Ferry service suspended after storm') === 1 || undefined, 'the alert once space returned', app, 20_000);
    mark = app.stdout().length;
    app.child.stdin.write('/news ferry service\n');
    await untilOutput(() => /Results for “ferry service”/.test(since(mark)) || undefined, '/news after space returned', app, 20_000);
    expect(since(mark)).toContain('Ferry service suspended after storm');
    // Nothing doubled, and the process never stopped.
    await new Promise((r) => setTimeout(r, 1_000));
    expect([alertsOf('Harbour bridge closed to traffic'), alertsOf('Ferry service suspended after storm')]).toEqual([1, 1]);
    expect(app.child.exitCode).toBeNull();
  }, 120_000);

  it('a read-only file system at start (root cannot write it either): refused in one line naming the file', async () => {
    if (app) {
      app.child.stdin.end();
      app.child.kill('SIGTERM');
      await app.exited;
      app = undefined;
    }
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    execFileSync('mount', ['--bind', dataDir, ro], { stdio: 'pipe' });
    try {
      execFileSync('mount', ['-o', 'remount,ro,bind', ro], { stdio: 'pipe' });
      const run = startNewsdesk({ DATA_DIR: ro, TERMINAL: '0', PORT: '0', HOST: '127.0.0.1' });
      const code = await run.exited;
      expect(code).toBe(1);
      expect(run.stderr()).toBe(
        `Newsdesk failed to start: cannot open the database ${join(ro, 'newsdesk.db')}: ${join(ro, 'newsdesk.db')} is not writable; set DATA_DIR (or DATABASE_PATH) to a writable place\n`,
      );
    } finally {
      execFileSync('umount', [ro], { stdio: 'pipe' });
    }
  }, 60_000);
});
