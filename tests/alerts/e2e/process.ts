import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { passThroughEnv } from '../../helpers/process.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

/** An empty DATA_DIR (no sample articles: every alert the test counts comes from the test). */
export function emptyDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-e2e-'));
  mkdirSync(join(dir, 'articles'));
  mkdirSync(join(dir, 'inbox'));
  return dir;
}

export interface NewsdeskProcess {
  /** The HTTP port the process reported in its "HTTP server listening" log line (it ran with PORT=0). */
  port: number;
  stderr(): string;
  /**
   * Signals the whole process group. `tsx` runs the program in a CHILD node process, so signalling only the
   * tsx pid with SIGKILL would leave the real Newsdesk running as an orphan, still delivering.
   */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within the bound. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts the real entry point (`tsx src/main.ts`) in its own process group and waits for its HTTP port. */
export async function startNewsdeskProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<NewsdeskProcess> {
  const child: ChildProcess = spawn(TSX, ['src/main.ts'], {
    cwd: ROOT,
    env: { ...passThroughEnv(), LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', TIMEZONE: 'UTC', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let done = false;
  const exited = new Promise<void>((r) => child.once('exit', () => { done = true; r(); }));
  const kill = (signal: NodeJS.Signals) => {
    if (done) return;
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };

  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  while (port === undefined) {
    for (const line of err.split('\n')) {
      if (!line.includes('HTTP server listening')) continue;
      try {
        port = (JSON.parse(line) as { port: number }).port;
      } catch {
        // A partial line: read again.
      }
    }
    if (port !== undefined) break;
    if (done || Date.now() > deadline) {
      kill('SIGKILL');
      throw new Error(`Newsdesk did not report its HTTP port${done ? ' (it exited)' : ''}; stderr:\n${err.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    stderr: () => err,
    kill,
    exited,
    async stop(bound = 15_000) {
      kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, bound)))]);
      clearTimeout(timer);
      kill('SIGKILL');
      await exited;
    },
  };
}

/** POST /v1/articles with the bearer token; returns status and JSON body. */
export async function pushArticles(port: number, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Reads the outbox of a database another process writes (WAL lets a reader in). */
export function outboxStates(dbPath: string): Record<string, number> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT state, COUNT(*) AS n FROM alert_outbox GROUP BY state').all() as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    db.close();
  }
}

/** Polls until `check` is truthy; rejects after `timeoutMs` (a bound, not a measurement). */
export async function until<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
