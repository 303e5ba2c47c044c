import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/alerts/pacing.js';
import { SLACK_RATE_RULES } from '../../src/adapters/slack/rate-rules.js';
import { minimumFanoutMs, SLACK_LIMITS, type BucketLimit } from '../standins/slack/limits.js';
import { simulateSlackFanout } from './simulated-fanout.js';

/**
 * The simulation leaves out the pipeline's own time (claims, store writes, a busy machine: the benchmark adds a few
 * hundredths to the ratio), so the control law itself keeps to this for the 1.25× end to end.
 */
const LAW_RATIO = 1.15;

/**
 * The control law that finds a Slack workspace's undisclosed posting limit, on a simulated clock (nothing here reads
 * the wall): a fresh install with nothing learned fans one story out to 300 channels; the workspace limit is the
 * stand-in's (tests/standins/slack), and the least time it allows is computed from the stand-in's own numbers.
 * Issue 31's targets: within 1.25× of that least time, at most 3% of posts meeting a 429, at most one 429 a channel.
 */
function freshPacer() {
  const clock = { ms: Date.parse('2026-12-07T12:00:00Z') };
  const pacer = new Pacer({ clock: () => clock.ms });
  pacer.setRules('slack', SLACK_RATE_RULES);
  return { pacer, clock };
}

const CHANNELS = 300;
/** What the Slack stand-in may be configured with: sustained rate and burst per workspace. */
const WORKSPACES: BucketLimit[] = [
  { perMinute: 200, burst: 20 },
  { perMinute: 200, burst: 5 },
  { perMinute: 600, burst: 60 },
  { perMinute: 600, burst: 10 },
];
/** Answer times: a quiet loopback, and a loaded machine where many posts are on their way when a 429 comes back. */
const LATENCIES = [{ latencyMs: 4, concurrency: 16 }, { latencyMs: 40, concurrency: 32 }];

describe('slow start: a fresh install finds a Slack workspace ceiling nobody told it', () => {
  for (const workspace of WORKSPACES) {
    for (const { latencyMs, concurrency } of LATENCIES) {
      it(`${CHANNELS} channels under an undisclosed ${workspace.perMinute}/min (bursts of ${workspace.burst}), answers in ${latencyMs} ms: within ${LAW_RATIO}× of the least time, ≤ 3% 429s, ≤ 1 per channel`, () => {
        const { pacer, clock } = freshPacer();
        const r = simulateSlackFanout(pacer, clock, { channels: CHANNELS, workspace, latencyMs, concurrency });
        const least = minimumFanoutMs([CHANNELS], { ...SLACK_LIMITS, postPerWorkspace: workspace });
        expect(r.delivered.size).toBe(CHANNELS);
        expect([...r.delivered.values()].every((n) => n === 1)).toBe(true);
        expect(r.limited).toBeGreaterThan(0); // the limit was really found, not stayed under
        expect(r.maxLimitedPerChannel).toBe(1);
        expect(r.limited).toBeLessThanOrEqual(CHANNELS * 0.03);
        expect(r.elapsedMs / least).toBeLessThanOrEqual(LAW_RATIO);
        // What it settled on is near the limit, and what would be stored is under it.
        const rate = pacer.ceilingPerMinute('slack', 'T1')!;
        expect(rate).toBeGreaterThan(workspace.perMinute * 0.85);
        expect(rate).toBeLessThan(workspace.perMinute * 1.3);
      });
    }
  }

  it('grows multiplicatively until the first 429: the rate at least doubles every second while nothing is refused', () => {
    const { pacer, clock } = freshPacer();
    const start = pacer.ceilingPerMinute('slack', 'T1')!;
    expect(start).toBe(SLACK_RATE_RULES.learned!.startPerMinute);
    clock.ms += 1_000;
    const afterOne = pacer.ceilingPerMinute('slack', 'T1')!;
    clock.ms += 1_000;
    const afterTwo = pacer.ceilingPerMinute('slack', 'T1')!;
    expect(afterOne).toBeGreaterThanOrEqual(2 * start);
    expect(afterTwo).toBeGreaterThanOrEqual(2 * afterOne);
  });

  it('after the ceiling is measured, increases additively and decreases multiplicatively', () => {
    const { pacer, clock } = freshPacer();
    const r = simulateSlackFanout(pacer, clock, { channels: CHANNELS, workspace: { perMinute: 200, burst: 20 } });
    expect(r.limited).toBeGreaterThan(0);
    const settled = pacer.ceilingPerMinute('slack', 'T1')!;
    // A minute without a 429 adds a few percent, not a doubling.
    clock.ms += 60_000;
    const later = pacer.ceilingPerMinute('slack', 'T1')!;
    expect(later).toBeGreaterThan(settled);
    expect(later).toBeLessThan(settled * 1.5);
    // A 429 then cuts the rate by a factor (nothing measurable since the last one: a plain decrease).
    pacer.record('slack', 'slack:T1/C9', 'post');
    pacer.settled('slack', 'slack:T1/C9', 'post');
    pacer.limited('slack', 'slack:T1/C9', 'post', 1_000, 'unattributed');
    const cut = pacer.ceilingPerMinute('slack', 'T1')!;
    expect(cut).toBeLessThan(later * 0.9);
    expect(cut).toBeGreaterThan(later * 0.5);
  });

  /** One post on `channel`, recorded at `at` and answered `answerMs` later (accepted unless `retryAfterMs`). */
  function post(pacer: Pacer, clock: { ms: number }, channel: string, at: number, answer?: { afterMs: number; retryAfterMs?: number }) {
    clock.ms = at;
    pacer.record('slack', channel, 'post');
    if (!answer) return;
    clock.ms = at + answer.afterMs;
    if (answer.retryAfterMs) pacer.limited('slack', channel, 'post', answer.retryAfterMs, 'unattributed');
    pacer.settled('slack', channel, 'post');
  }

  it('measures between two 429s only what was sent between them: a post already on its way at the first 429 and refused after it does not lower the measure', () => {
    const { pacer, clock } = freshPacer();
    const t0 = clock.ms;
    for (const c of ['C0', 'C1', 'C2']) post(pacer, clock, `slack:T1/${c}`, t0);
    clock.ms = t0 + 5;
    pacer.limited('slack', 'slack:T1/C0', 'post', 1_000, 'unattributed'); // the bucket is empty: the measure starts
    pacer.settled('slack', 'slack:T1/C0', 'post');
    clock.ms = t0 + 8;
    pacer.limited('slack', 'slack:T1/C1', 'post', 1_000, 'unattributed'); // sent at t0, before the anchor
    pacer.settled('slack', 'slack:T1/C1', 'post');
    clock.ms = t0 + 9;
    pacer.settled('slack', 'slack:T1/C2', 'post');
    for (let i = 0; i < 20; i++) post(pacer, clock, `slack:T1/C${10 + i}`, t0 + 1_100 + 75 * i, { afterMs: 5 });
    post(pacer, clock, 'slack:T1/C30', t0 + 2_700, { afterMs: 5, retryAfterMs: 1_000 }); // empty again
    // 20 posts went through in the 2.7 s between the two 429s: R restarts just under that.
    expect(pacer.ceilingPerMinute('slack', 'T1')).toBeCloseTo(0.97 * (20 * 60_000) / 2_700, 0);
  });

  it('a 429 too soon after the first to measure anything halves the rate again but keeps the first as the anchor', () => {
    const { pacer, clock } = freshPacer();
    const t0 = clock.ms;
    post(pacer, clock, 'slack:T1/C0', t0, { afterMs: 5, retryAfterMs: 1_000 });
    for (let i = 0; i < 3; i++) post(pacer, clock, `slack:T1/C${1 + i}`, t0 + 1_100 + 100 * i, { afterMs: 5 });
    post(pacer, clock, 'slack:T1/C4', t0 + 1_400, { afterMs: 5, retryAfterMs: 1_000 });
    for (let i = 0; i < 9; i++) post(pacer, clock, `slack:T1/C${5 + i}`, t0 + 2_500 + 100 * i, { afterMs: 5 });
    post(pacer, clock, 'slack:T1/C14', t0 + 3_500, { afterMs: 5, retryAfterMs: 1_000 });
    // Measured from the first 429 (t0 + 5) to the last (t0 + 3505): 12 posts went through.
    expect(pacer.ceilingPerMinute('slack', 'T1')).toBeCloseTo(0.97 * (12 * 60_000) / 3_500, 0);
  });
});
