import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
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
 *   while 4,000 half-sent requests arrive (half with their headers unfinished, half with half a body).
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
  probesAnswered: string;
  /** The longest time an answered probe waited for its answer. */
  slowestAnsweredProbeMs: number;
  healthzAfter: number;
}

function openHalfSent(port: number, payload: string, sockets: Socket[]): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(payload);
      resolve();
    });
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    sockets.push(s);
  });
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
  const sockets: Socket[] = [];
  const attack = (async () => {
    // 200 connections in flight at a time, as fast as the server accepts them.
    for (let i = 0; i < requests; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, requests - i) }, (_, k) => openHalfSent(port, (i + k) % 2
        ? 'POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title":'
        : 'GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ', sockets)));
    }
  })();
  // Probes every 100 ms from the start of the attack, whatever the answers.
  const answers: Array<Promise<number | null>> = [];
  for (let i = 0; i < probes; i++) {
    answers.push(probe(port));
    await new Promise((r) => setTimeout(r, 100));
  }
  const times = await Promise.all(answers);
  await attack;
  const answered = times.filter((t): t is number => t !== null);
  for (const s of sockets) s.destroy();
  const healthzAfter = (await probe(port)) !== null ? 200 : 0;
  await http.stop();
  return {
    halfSentRequests: requests,
    probesAnswered: `${answered.length}/${probes}`,
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
