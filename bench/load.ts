import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseFeed } from '../src/ingest/feeds/parse.js';
import type { SliceQueue } from '../src/ingest/feeds/time-slice.js';
import { mountHealth } from '../src/server/health.js';
import { HttpServer, readBody, sendJson } from '../src/server/http.js';
import { startStallMeter } from './stall-meter.js';

/**
 * Stalls and fairness under load (issue 22, item 3), on loopback only:
 * - the longest event-loop stall while 1, 20 and 100 feeds of ~1.6 MB each are parsing at once;
 * - how many /healthz probes (each on a new connection, as a load balancer or Kubernetes sends them) are answered
 *   while 4,000 half-sent requests arrive (half with their headers unfinished, half with half a body) from another
 *   process (bench/half-sent-clients.ts).
 * Usage: npm run bench -- --only load   or   npx tsx bench/load.ts [feeds=1,20,100] [probes=50]
 */
const FEED_DATE = Date.parse('2026-11-25T12:00:00Z');

/** A realistic big feed (~1.6 MB): 120 items, each with a ~13 KB content:encoded body of paragraphs, links and entities. */
export function bigFeed(seed = 0): string {
  const items: string[] = [];
  for (let i = 0; i < 120; i++) {
    const paras: string[] = [];
    for (let p = 0; p < 38; p++) {
      paras.push(
        `<p>Officials in district ${(seed + i + p) % 97} said on Tuesday that the council&#8217;s budget for ` +
        `<a href="https://example.com/topic/${p}?utm_source=rss">road repairs</a> would rise by ${(i * 7 + p) % 40}% ` +
        `&amp; that <em>public transport</em> &mdash; buses, trams and ferries &mdash; would get a further ` +
        `<strong>${(p * 13) % 90} million</strong> over three years, according to documents seen by reporters.</p>`,
      );
    }
    items.push(`<item>
  <title>Council budget story ${seed}-${i}: spending on roads &amp; transit rises</title>
  <link>https://example.com/news/${seed}/${i}?utm_medium=feed</link>
  <guid isPermaLink="false">story-${seed}-${i}</guid>
  <pubDate>${new Date(FEED_DATE - i * 600_000).toUTCString()}</pubDate>
  <dc:creator>Reporter ${i % 9}</dc:creator>
  <category>Politics</category><category>Local</category>
  <description><![CDATA[<p>A short dek for story ${i}, with <b>markup</b> &amp; an entity.</p>]]></description>
  <content:encoded><![CDATA[${paras.join('\n')}]]></content:encoded>
</item>`);
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Big Daily ${seed}</title><link>https://example.com/</link><description>Everything</description>
${items.join('\n')}
</channel></rss>`;
  // Through bytes and back, as the fetcher's TextDecoder hands it over: one flat string.
  return Buffer.from(xml, 'utf8').toString('utf8');
}

export interface ParseStallResult {
  feedsAtOnce: number;
  /** The machine's 1-minute load average when the run began: on a shared machine, waits for a CPU count as stalls. */
  loadAverage: number;
  feedMb: number;
  longestStallMs: number;
  allParsedMs: number;
}

export async function measureParseStall(feedsAtOnce: number, queue?: SliceQueue): Promise<ParseStallResult> {
  const bodies = Array.from({ length: feedsAtOnce }, (_, i) => bigFeed(i));
  await new Promise((r) => setTimeout(r, 50));
  const load = loadavg()[0];
  const stall = startStallMeter();
  const t0 = performance.now();
  // Each result is dropped once counted, as the poller drops it once stored.
  const counts = await Promise.all(bodies.map((b, i) => parseFeed(b, `https://example.com/feed/${i}.xml`, FEED_DATE, queue ? { queue } : undefined).then((p) => p.items.length)));
  const allParsedMs = performance.now() - t0;
  const longestStallMs = stall.stop();
  if (counts.some((n) => n !== 120)) throw new Error('a bench feed did not parse to its 120 items');
  return {
    feedsAtOnce,
    loadAverage: Math.round(load * 10) / 10,
    feedMb: Math.round((Buffer.byteLength(bodies[0]) / 1024 / 1024) * 100) / 100,
    longestStallMs: Math.round(longestStallMs),
    allParsedMs: Math.round(allParsedMs),
  };
}

export interface HalfSentResult {
  halfSentRequests: number;
  /** Connections the attacker got (accepted, even if closed later). */
  attackerConnected: number;
  probesAnswered: string;
  /** The median and the longest time an answered probe waited for its answer. */
  medianProbeMs: number;
  slowestAnsweredProbeMs: number;
  healthzAfter: number;
}

/** One GET /healthz on a new connection; resolves with its time in ms, or null when not answered 200 within 2 s. */
function probe(port: number): Promise<number | null> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

export async function measureHalfSent(requests = 4_000, probes = 50): Promise<HalfSentResult> {
  const http = new HttpServer();
  mountHealth(http, { checks: {} });
  http.mount('POST', '/v1/articles', async (req, res) => sendJson(res, 200, { bytes: (await readBody(req, 1024 * 1024)).length }));
  const { port } = await http.start(0, '127.0.0.1');
  // The attacker runs in its own process, so its work is not counted as the server's.
  const attacker = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'half-sent-clients.ts'), String(port), String(requests)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let partial = '';
  const lineSeen = (want: (line: string) => boolean) => new Promise<void>((resolve) => {
    const check = () => lines.some(want) && resolve();
    attacker.stdout.on('data', check);
    attacker.on('exit', () => resolve());
    check();
  });
  attacker.stdout.on('data', (chunk) => {
    const parts = (partial + String(chunk)).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const started = lineSeen((l) => l === 'started');
  const opened = lineSeen((l) => l.startsWith('{'));
  await started;
  // Probes every 100 ms from the start of the attack, whatever the answers.
  const answers: Array<Promise<number | null>> = [];
  for (let i = 0; i < probes; i++) {
    answers.push(probe(port));
    await new Promise((r) => setTimeout(r, 100));
  }
  const times = await Promise.all(answers);
  await Promise.race([opened, new Promise((r) => setTimeout(r, 30_000))]);
  attacker.kill();
  const report = JSON.parse(lines.find((l) => l.startsWith('{')) ?? '{}') as { opened?: number };
  const answered = times.filter((t): t is number => t !== null);
  const healthzAfter = (await probe(port)) !== null ? 200 : 0;
  await http.stop();
  return {
    halfSentRequests: requests,
    attackerConnected: report.opened ?? 0,
    probesAnswered: `${answered.length}/${probes}`,
    medianProbeMs: Math.round([...answered].sort((a, b) => a - b)[Math.floor(answered.length / 2)] ?? 0),
    slowestAnsweredProbeMs: Math.round(Math.max(0, ...answered)),
    healthzAfter,
  };
}

export async function runLoadBench(feedCounts = [1, 20, 100], probes = 50): Promise<{ parse: ParseStallResult[]; halfSent: HalfSentResult }> {
  const parse: ParseStallResult[] = [];
  for (const n of feedCounts) parse.push(await measureParseStall(n));
  const halfSent = await measureHalfSent(4_000, probes);
  return { parse, halfSent };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const counts = (process.argv[2] ?? '1,20,100').split(',').map(Number);
  const { parse, halfSent } = await runLoadBench(counts, Number(process.argv[3] ?? 50));
  console.table(parse);
  console.table([halfSent]);
  process.exit(0);
}
