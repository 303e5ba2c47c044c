import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** A throwaway DATA_DIR holding a copy of the sample articles and an empty inbox. */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-'));
  cpSync(join(ROOT, 'data/articles'), join(dir, 'articles'), { recursive: true });
  mkdirSync(join(dir, 'inbox'));
  return dir;
}

export interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves when stdout matches, or rejects after `timeoutMs` (a bound, not a measurement). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Starts the real entry point (what `npm start` runs) as a child process. `node --import tsx` rather than the
 * tsx wrapper, so the child IS the bot and a signal sent to it reaches Newsdesk itself.
 */
export function startNewsdesk(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...passThroughEnv(), LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForStdout(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; stdout:\n${out}\nstderr:\n${err}`);
        if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before ${pattern}; stderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/**
 * What a spawned bot inherits from the test run: PATH and HOME, and the clock shift CI applies
 * (`faketime` works through LD_PRELOAD and FAKETIME*), so the child and the stand-ins read the same date.
 * Nothing else: no tokens, no DATABASE_URL, no .env settings leak into the bot under test (nor is .env read).
 */
export function passThroughEnv(): Record<string, string> {
  // NEWSDESK_ENV_FILE=none: the bot under test never reads a developer's .env.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NEWSDESK_ENV_FILE: 'none' };
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && (key === 'LD_PRELOAD' || key === 'TZ' || key.startsWith('FAKETIME') || key === 'DONT_FAKE_MONOTONIC')) env[key] = value;
  }
  return env;
}

/** The HTTP port a bot started with PORT=0 logged ("HTTP server listening"), once the line is complete. */
export function portOf(stderr: string): number | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.includes('HTTP server listening')) continue;
    try {
      return (JSON.parse(line) as { port: number }).port;
    } catch {
      // A partial line: read again.
    }
  }
  return undefined;
}

/** Polls until `check` gives a value; rejects after `timeoutMs` (a bound, not a measurement) with the bot's output. */
export async function untilOutput<T>(check: () => T | undefined | false, what: string, app: Running, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nstdout:\n${app.stdout().slice(-3000)}\nstderr:\n${app.stderr().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
