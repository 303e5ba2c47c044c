import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { passThroughEnv, startNewsdesk } from '../helpers/process.js';
import { emptyDataDir, pushArticles, until } from '../alerts/e2e/process.js';

/**
 * Issue 24: Newsdesk as a service. Real processes only: the entry point with stdin at /dev/null (what systemd,
 * Docker without -i and nohup give), with TERMINAL=0 and a pipe that ends, and the real `npm start` signalled the
 * way a supervisor signals it (the npm process only).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const INGEST_TOKEN = 'service-e2e-ingest-token-0123456789';
const BREAKING = {
  id: 'svc-1', url: 'https://news.example/2026/12/01/bridge', section: 'world', source: 'Newsdesk CMS',
  title: 'Harbour bridge closed after ship strike', dek: 'Traffic is diverted through the tunnel.',
  body: 'A cargo ship struck the harbour bridge at dawn. Traffic is diverted through the tunnel.',
  priority: 'breaking', published_at: '2026-12-01T06:00:00Z',
};

interface Proc {
  child: ChildProcess;
  out(): string;
  err(): string;
  exit: Promise<number | null>;
}

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Spawns `command` in the repository with stdin as given ('ignore' is /dev/null). */
function run(command: string, args: string[], env: Record<string, string>, stdin: 'ignore' | 'pipe'): Proc {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...passThroughEnv(), LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

/** The first JSON log line whose msg starts with `msg`, parsed (bounded wait). */
async function logLine(p: Proc, msg: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return until(() => {
    for (const line of p.err().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (String(parsed.msg).startsWith(msg)) return parsed;
      } catch {
        // A partial line: read again.
      }
    }
    if (p.child.exitCode !== null) throw new Error(`exited (${p.child.exitCode}) before logging "${msg}"; stderr:\n${p.err().slice(-3000)}`);
    return undefined;
  }, `the log line "${msg}"`, timeoutMs);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const probe = createServer();
    probe.once('error', () => res(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => res(true)));
  });
}

describe('Newsdesk as a service (headless)', () => {
  it('stdin at /dev/null, no platform: keeps running, serves /healthz, prints a pushed alert for a subscribed channel, drains on SIGTERM', async () => {
    const dataDir = emptyDataDir();
    // An admin subscribes #newsroom from a piped terminal run; that run ends with its input, saying how not to.
    const setup = startNewsdesk({ DATA_DIR: dataDir });
    setup.child.stdin.end(':as admin\n/alerts subscribe min_priority:breaking\n');
    expect(await setup.exited).toBe(0);
    expect(setup.stdout()).toMatch(/#newsroom/);
    expect(setup.stderr()).toMatch(/End of input: Newsdesk stops\. .*TERMINAL=0/);

    const svc = run(process.execPath, ['--import', 'tsx', 'src/main.ts'], { DATA_DIR: dataDir, INGEST_TOKEN }, 'ignore');
    const mode = await logLine(svc, 'running headless');
    expect(mode).toMatchObject({ mode: 'headless', reason: 'no platform configured and stdin is /dev/null', pid: svc.child.pid });
    const { port } = (await logLine(svc, 'HTTP server listening')) as { port: number };
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const pushed = await pushArticles(port, INGEST_TOKEN, BREAKING);
    expect(pushed).toMatchObject({ status: 201, body: { results: [{ id: 'svc-1', outcome: 'created' }] } });
    await until(() => /Harbour bridge closed after ship strike/.test(svc.out()), 'the alert on stdout', 20_000);
    expect(svc.out()).toMatch(/Alert in #newsroom/);
    expect(svc.child.exitCode).toBeNull();

    svc.child.kill('SIGTERM');
    expect(await svc.exit).toBe(0);
    expect(svc.err()).toMatch(/"msg":"stopped"/);
    expect(await portIsFree(port)).toBe(true);
    // The token never reaches the log.
    expect(svc.err()).not.toContain(INGEST_TOKEN);
  }, 90_000);

  it('TERMINAL=0 with a pipe: the end of input does not stop it; it says it runs headless because of TERMINAL=0', async () => {
    const svc = run(process.execPath, ['--import', 'tsx', 'src/main.ts'], { DATA_DIR: emptyDataDir(), TERMINAL: '0' }, 'pipe');
    svc.child.stdin!.end('/news\n');
    expect(await logLine(svc, 'running headless')).toMatchObject({ mode: 'headless', reason: 'TERMINAL=0' });
    const { port } = (await logLine(svc, 'HTTP server listening')) as { port: number };
    // Input has ended; the service is still there to answer (bounded: a few health probes apart).
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(svc.child.exitCode).toBeNull();
    expect(svc.out()).toBe(''); // the terminal never read the piped /news
    svc.child.kill('SIGINT');
    expect(await svc.exit).toBe(0);
  }, 60_000);

  it('SIGTERM to the npm process of `npm start` reaches Newsdesk: it drains and exits 0, no orphan, the port is free', async () => {
    const npm = run('npm', ['start'], { DATA_DIR: emptyDataDir(), TERMINAL: '0' }, 'ignore');
    const mode = (await logLine(npm, 'running headless', 60_000)) as { pid: number };
    const { port } = (await logLine(npm, 'HTTP server listening')) as { port: number };
    expect(mode.pid).not.toBe(npm.child.pid);
    expect(isAlive(mode.pid)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    npm.child.kill('SIGTERM');
    expect(await npm.exit).toBe(0);
    expect(npm.err()).toMatch(/"signal":"SIGTERM","msg":"stopping: draining/);
    expect(npm.err()).toMatch(/"msg":"stopped"/);
    // npm waits for its child: by the time npm has exited, Newsdesk is gone and its port is free.
    expect(isAlive(mode.pid)).toBe(false);
    expect(await portIsFree(port)).toBe(true);
  }, 90_000);
});
