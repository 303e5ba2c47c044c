import { performance } from 'node:perf_hooks';
import { htmlToTextSliced } from '../src/ingest/feeds/html-text.js';
import { TimeSlice } from '../src/ingest/feeds/time-slice.js';
import { startStallMeter } from './stall-meter.js';

/**
 * HTML → text on hostile inputs, 5 MB each (the feed poller's response cap): unclosed tags, deep nesting,
 * unterminated comments, CDATA, attributes and entities. Goal (issue 12): 5 MB in ≤ 1 s and no event-loop
 * stall over 100 ms. A heartbeat on every turn of the event loop measures the longest stall.
 * Usage: npm run bench -- --only hostile-html
 */
const SIZE = 5 * 1024 * 1024;
/** Through bytes and back, as the poller's TextDecoder hands it over: one flat string, not a rope of repeats. */
const fill = (unit: string) => Buffer.from(unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE)).toString('utf8');

const flat = (s: string) => Buffer.from(s).toString('utf8');

export const HOSTILE_HTML: Record<string, () => string> = {
  'unclosed <script': () => flat(`<p>Lead</p>${fill('<script')}`),
  '<script>x unclosed': () => flat(`<p>Lead</p>${fill('<script>x')}`),
  'deep <div> + stray </b>': () => flat(`${fill('<div>').slice(0, SIZE / 2)}deep${fill('</b>').slice(0, SIZE / 2)}`),
  'unclosed attribute': () => flat(`<p>Lead</p>${fill('<a href="')}`),
  'unterminated <!--': () => flat(`Lead${fill('<!--')}`),
  'nested <![CDATA[': () => flat(`Lead${fill('<![CDATA[')}`),
  'entities without ;': () => fill('&amp'),
  'one long tag name': () => flat(`<${fill('a')}`),
  'unclosed <svg>': () => flat(`Lead${fill('<svg>')}`),
  'ordinary markup': () => fill('<p><b>Bold</b> and <i>italic</i> &amp; a <a href="/x">link</a>.</p>\n'),
};

export interface HostileHtmlResult {
  input: string;
  mb: number;
  ms: number;
  mbPerSecond: number;
  maxStallMs: number;
  outputChars: number;
}

export async function runHostileHtmlBench(): Promise<HostileHtmlResult[]> {
  const results: HostileHtmlResult[] = [];
  // A bot that has run for a while has its parser compiled; so does the bench before measuring.
  await htmlToTextSliced(HOSTILE_HTML['ordinary markup']().slice(0, 256 * 1024), new TimeSlice());
  for (const [input, make] of Object.entries(HOSTILE_HTML)) {
    const html = make();
    const stall = startStallMeter();
    const t0 = performance.now();
    const text = await htmlToTextSliced(html, new TimeSlice());
    const ms = performance.now() - t0;
    await new Promise<void>((r) => setImmediate(r));
    const maxStallMs = stall.stop();
    const mb = html.length / 1024 / 1024;
    results.push({
      input, mb: round(mb), ms: round(ms), mbPerSecond: round(mb / (ms / 1000)), maxStallMs: round(maxStallMs), outputChars: text.length,
    });
  }
  return results;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await runHostileHtmlBench());
}
