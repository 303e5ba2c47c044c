import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/alerts/pacing.js';
import { DISCORD_RATE_RULES } from '../../src/adapters/discord/rate-rules.js';
import { DISCORD_LIMITS } from '../standins/discord/limits.js';
import { RateLimiter } from '../standins/discord/ratelimit.js';

/**
 * Discord's bot-wide 50 requests per second, metered by a sliding window counted at each request's answer: a fan-out
 * to 1,000 channels on a simulated clock, against the Discord stand-in's own limiter (fixed windows that open at a
 * request's arrival, as Discord's do). Requests reach the platform after a delay that varies from one to the next
 * (a loaded machine), and are answered 2 ms after they arrive. Nothing here reads the wall.
 */
function fanOut(channels: number, delay: { min: number; max: number }, concurrency = 32) {
  const clock = { ms: Date.parse('2026-12-07T12:00:00Z') };
  const start = clock.ms;
  const pacer = new Pacer({ clock: () => clock.ms });
  pacer.setRules('discord', DISCORD_RATE_RULES);
  const platform = new RateLimiter(DISCORD_LIMITS, () => clock.ms);
  let seed = 7;
  const jitter = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return delay.min + (seed % (delay.max - delay.min + 1));
  };
  const queue = Array.from({ length: channels }, (_, i) => `discord:1/${1_000 + i}`);
  const flights: Array<{ channel: string; arriveAt: number; answerAt: number; limited?: boolean }> = [];
  let limited = 0;
  let lastAnswer = start;
  while (queue.length > 0 || flights.length > 0) {
    let nextSend = Number.POSITIVE_INFINITY;
    while (queue.length > 0 && flights.length < concurrency) {
      const wait = Math.max(pacer.platformWaitMs('discord'), pacer.waitMs('discord', queue[0], 'post'));
      if (wait > 0) {
        nextSend = clock.ms + wait;
        break;
      }
      const channel = queue.shift()!;
      pacer.record('discord', channel, 'post');
      const arriveAt = clock.ms + jitter();
      flights.push({ channel, arriveAt, answerAt: arriveAt + 2 });
    }
    clock.ms = Math.max(clock.ms, Math.min(nextSend, ...flights.map((f) => (f.limited === undefined ? f.arriveAt : f.answerAt))));
    for (const f of flights.filter((x) => x.limited === undefined && x.arriveAt <= clock.ms).sort((a, b) => a.arriveAt - b.arriveAt)) {
      const at = clock.ms;
      clock.ms = f.arriveAt;
      f.limited = platform.check('POST', `/channels/${f.channel.split('/')[1]}/messages`).limited !== undefined;
      clock.ms = at;
    }
    for (const f of flights.filter((x) => x.limited !== undefined && x.answerAt <= clock.ms)) {
      flights.splice(flights.indexOf(f), 1);
      if (f.limited) {
        limited += 1;
        queue.push(f.channel);
      }
      pacer.settled('discord', f.channel, 'post');
      lastAnswer = clock.ms;
    }
  }
  return { elapsedMs: lastAnswer - start, limited };
}

/** The least time 1,000 posts take under the stand-in's global limit: 50 at once, then 50 each second. */
const leastMs = (channels: number) => (Math.ceil(channels / DISCORD_LIMITS.globalPerSecond) - 1) * 1_000;

describe('Discord: the bot-wide limit metered at the answers', () => {
  it('1,000 channels with requests arriving 2–30 ms after they leave: no 429, within 1.05× of the least time', () => {
    const r = fanOut(1_000, { min: 2, max: 30 });
    expect(r.limited).toBe(0);
    expect(r.elapsedMs / leastMs(1_000)).toBeLessThanOrEqual(1.05);
  });

  it('a busy machine (requests arriving 2–150 ms after they leave, in any order) costs time, never a 429', () => {
    const r = fanOut(1_000, { min: 2, max: 150 });
    expect(r.limited).toBe(0);
    expect(r.elapsedMs / leastMs(1_000)).toBeLessThanOrEqual(1.2);
  });

  it('a request counts from its answer\'s report (before the sender\'s bookkeeping), and only once', () => {
    const clock = { ms: 0 };
    const pacer = new Pacer({ clock: () => clock.ms });
    pacer.setRules('discord', DISCORD_RATE_RULES);
    for (let c = 0; c < 50; c++) pacer.record('discord', `discord:1/${c}`, 'post');
    clock.ms = 10;
    // Still in flight: the window is full for at least a second from now.
    expect(pacer.platformWaitMs('discord')).toBeGreaterThanOrEqual(1_000);
    for (let c = 0; c < 50; c++) pacer.report('discord', { channelId: String(c), op: 'post', bucket: 'b', limit: 5, remaining: 4, resetAfterMs: 5_000 });
    clock.ms = 300; // the bookkeeping is done
    for (let c = 0; c < 50; c++) pacer.settled('discord', `discord:1/${c}`, 'post');
    clock.ms = 1_020;
    expect(pacer.platformWaitMs('discord')).toBe(0); // a second after the reports, not after the bookkeeping
    pacer.record('discord', 'discord:1/99', 'post');
    pacer.settled('discord', 'discord:1/99', 'post');
    expect(pacer.platformWaitMs('discord')).toBe(0);
  });
});
