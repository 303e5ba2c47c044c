import type { Pacer } from '../../src/alerts/pacing.js';
import { SLACK_LIMITS, type BucketLimit } from '../standins/slack/limits.js';
import { Buckets } from '../standins/slack/ratelimit.js';

/**
 * One post to each of `channels` Slack channels of one workspace, on a simulated clock, against the Slack stand-in's
 * own token buckets (its documented one post per second per channel, and the workspace limit the test gives it, which
 * the pacer is not told). Requests run as the dispatcher runs them: up to `concurrency` in flight, each reaching the
 * platform `latencyMs / 2` after it leaves and answered `latencyMs` after it left, so posts already on their way when
 * a 429 comes back meet the same empty bucket. A 429 (Retry-After in whole seconds, as Slack says it) sends the row
 * back to the queue for that long, marked refused, as the dispatcher does. No wall time is read.
 */
export interface SimulatedFanout {
  /** Virtual time from the first request to the last answer. */
  elapsedMs: number;
  /** Posts accepted by the end of the first minute. */
  firstMinute: number;
  limited: number;
  maxLimitedPerChannel: number;
  /** Accepted posts per channel. */
  delivered: Map<string, number>;
}

export interface FanoutOptions {
  channels: number;
  /** The workspace limit the stand-in enforces (undisclosed to the pacer). */
  workspace: BucketLimit;
  latencyMs?: number;
  concurrency?: number;
  team?: string;
}

interface Row {
  channel: string;
  due: number;
  refused: boolean;
}

interface Flight {
  row: Row;
  arriveAt: number;
  answerAt: number;
  /** Set when the request reaches the platform: accepted, or refused with this Retry-After. */
  verdict?: { retryAfterMs: number | null };
}

const GIVE_UP_MS = 3_600_000;

export function simulateSlackFanout(pacer: Pacer, clock: { ms: number }, opts: FanoutOptions): SimulatedFanout {
  const { channels, workspace, latencyMs = 5, concurrency = 16, team = 'T1' } = opts;
  const start = clock.ms;
  const platform = new Buckets(() => clock.ms);
  const queue: Row[] = Array.from({ length: channels }, (_, i) => ({ channel: `slack:${team}/C${i}`, due: start, refused: false }));
  const flights: Flight[] = [];
  const delivered = new Map<string, number>();
  const limitedPer = new Map<string, number>();
  let limited = 0;
  let firstMinute = -1;
  let lastAnswer = start;

  while ((queue.length > 0 || flights.length > 0) && clock.ms - start < GIVE_UP_MS) {
    // Everything that may leave now leaves.
    let nextSend = Number.POSITIVE_INFINITY;
    for (let sent = true; sent && flights.length < concurrency;) {
      sent = false;
      for (const row of queue) {
        const wait = Math.max(row.due - clock.ms, pacer.waitMs('slack', row.channel, 'post', { refused: row.refused }));
        if (wait > 0) {
          nextSend = Math.min(nextSend, clock.ms + wait);
          continue;
        }
        pacer.record('slack', row.channel, 'post');
        queue.splice(queue.indexOf(row), 1);
        flights.push({ row, arriveAt: clock.ms + latencyMs / 2, answerAt: clock.ms + latencyMs });
        sent = true;
        break;
      }
    }
    if (flights.length >= concurrency) nextSend = Number.POSITIVE_INFINITY;
    const nextFlight = Math.min(...flights.map((f) => (f.verdict ? f.answerAt : f.arriveAt)));
    const next = Math.min(nextSend, nextFlight);
    if (!Number.isFinite(next)) break;
    clock.ms = Math.max(clock.ms, next);

    // Arrivals, in order: the platform's buckets decide.
    for (const f of flights.filter((x) => !x.verdict && x.arriveAt <= clock.ms).sort((a, b) => a.arriveAt - b.arriveAt)) {
      const id = f.row.channel.split('/')[1];
      const wait = platform.takeAll([[`channel:${id}`, SLACK_LIMITS.postPerChannel], ['team', workspace]]);
      f.verdict = { retryAfterMs: wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) * 1000 : null };
    }
    // Answers.
    for (const f of flights.filter((x) => x.verdict && x.answerAt <= clock.ms).sort((a, b) => a.answerAt - b.answerAt)) {
      flights.splice(flights.indexOf(f), 1);
      lastAnswer = clock.ms;
      // As the dispatcher does: a refusal is told to the pacer first, then the request is settled.
      const retryAfterMs = f.verdict!.retryAfterMs;
      if (retryAfterMs !== null) {
        limited += 1;
        limitedPer.set(f.row.channel, (limitedPer.get(f.row.channel) ?? 0) + 1);
        pacer.limited('slack', f.row.channel, 'post', retryAfterMs, 'unattributed');
        queue.push({ ...f.row, due: clock.ms + retryAfterMs, refused: true });
      } else {
        delivered.set(f.row.channel, (delivered.get(f.row.channel) ?? 0) + 1);
      }
      pacer.settled('slack', f.row.channel, 'post');
    }
    if (firstMinute < 0 && clock.ms - start >= 60_000) firstMinute = delivered.size;
  }
  if (firstMinute < 0) firstMinute = delivered.size;
  return { elapsedMs: lastAnswer - start, firstMinute, limited, maxLimitedPerChannel: Math.max(0, ...limitedPer.values()), delivered };
}
