import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Start-up time and idle RSS of the whole process tree, for the ways Newsdesk can be started, in one run:
 * - `npm exec tsx src/main.ts`: what `npm start` ran before issue 24 (npm, the tsx launcher, the app);
 * - `npm start`: npm and `node --import tsx src/main.ts` (exec'd, no shell between);
 * - `node dist/main.js`: the compiled build (run `npm run build` first).
 * Each starts headless (TERMINAL=0) on a fresh SQLite store loaded with the sample articles, PORT=0. Start-up: from
 * spawn to the first 200 from /readyz. Idle RSS: the sum of VmRSS over the process and its descendants (from /proc),
 * 3 s after ready. Linux only (reads /proc).
 */
const ROOT = resolve(import.meta.dirname, '..');

export interface ServiceBenchRow {
  how: string;
  processes: number;
  startupMsMedian: number;
  idleRssMbMedian: number;
  runs: number;
}

interface Variant {
  how: string;
  command: string;
  args: string[];
}

const VARIANTS: Variant[] = [
  { how: 'npm exec tsx src/main.ts (npm start before)', command: 'npm', args: ['exec', '--no', '--', 'tsx', 'src/main.ts'] },
  { how: 'npm start (node --import tsx)', command: 'npm', args: ['start', '--silent'] },
  { how: 'node dist/main.js', command: process.execPath, args: ['dist/main.js'] },
];

function children(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  return map;
}

function treeRssKb(pid: number): { kb: number; processes: number } {
  const kids = children();
  let kb = 0;
  let processes = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) {
        kb += Number(m[1]);
        processes += 1;
      }
    } catch {
      // Gone meanwhile.
    }
    stack.push(...(kids.get(p) ?? []));
  }
  return { kb, processes };
}

async function once(v: Variant): Promise<{ startupMs: number; rssKb: number; processes: number }> {
  const data = mkdtempSync(join(tmpdir(), 'newsdesk-svc-bench-'));
  cpSync(join(ROOT, 'data/articles'), join(data, 'articles'), { recursive: true });
  mkdirSync(join(data, 'inbox'));
  const started = performance.now();
  const child = spawn(v.command, v.args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NEWSDESK_ENV_FILE: 'none', TERMINAL: '0', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: data },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  try {
    let port: number | undefined;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${v.how} exited (${child.exitCode}): ${err.slice(-2000)}`);
      if (performance.now() - started > 120_000) throw new Error(`${v.how} not ready within 120 s`);
      port ??= /"port":(\d+),"host":"[^"]*","msg":"HTTP server listening"/.exec(err)?.[1] as unknown as number | undefined;
      if (port !== undefined) {
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
        if (ok) break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const startupMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 3_000));
    const { kb, processes } = treeRssKb(child.pid!);
    return { startupMs, rssKb: kb, processes };
  } finally {
    // The whole group: the launcher of the old start leaves its child behind on a signal to npm alone.
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // Already gone.
    }
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await new Promise((r) => setTimeout(r, 300));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(data, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runServiceBench(opts: { runs?: number; log?: (line: string) => void } = {}): Promise<ServiceBenchRow[]> {
  const runs = opts.runs ?? 3;
  if (!existsSync(join(ROOT, 'dist/main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first');
  const rows: ServiceBenchRow[] = [];
  for (const v of VARIANTS) {
    const results = [];
    // Interleaving would be fairer to a loaded machine; in a row keeps each variant's disk cache warm alike.
    for (let i = 0; i < runs; i++) {
      const r = await once(v);
      opts.log?.(`${v.how}: ready in ${r.startupMs.toFixed(0)} ms, idle RSS ${(r.rssKb / 1024).toFixed(0)} MB over ${r.processes} processes`);
      results.push(r);
    }
    rows.push({
      how: v.how,
      processes: results[0].processes,
      startupMsMedian: Math.round(median(results.map((r) => r.startupMs))),
      idleRssMbMedian: Math.round(median(results.map((r) => r.rssKb)) / 1024),
      runs,
    });
  }
  return rows;
}
