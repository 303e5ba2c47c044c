import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/alerts/pacing.js';
import { DISCORD_RATE_RULES } from '../../src/adapters/discord/rate-rules.js';
import { SLACK_RATE_RULES } from '../../src/adapters/slack/rate-rules.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { SqlitePacingState } from '../../src/store/sqlite/pacing-state.js';
import type { LearnedCeilingRow, PacingStateStore } from '../../src/store/types.js';
import { SLACK_LIMITS, type BucketLimit } from '../standins/slack/limits.js';
import { Buckets } from '../standins/slack/ratelimit.js';

/** Pacers on a hand-moved clock: every time below is simulated, none is read from the wall. */
function pacerAt(start = 0, opts: { store?: PacingStateStore; configured?: { slack?: number } } = {}) {
  const clock = { ms: start };
  const pacer = new Pacer({ clock: () => clock.ms, ...opts });
  pacer.setRules('discord', DISCORD_RATE_RULES);
  pacer.setRules('slack', SLACK_RATE_RULES);
  return { pacer, clock };
}

describe('pacing by the rules each port states', () => {
  it('Discord: 50 requests per second per bot, and a channel assumed at 5 per 5 s, one at a time, until Discord reports its bucket', () => {
    const { pacer, clock } = pacerAt();
    for (let i = 0; i < 5; i++) {
      expect(pacer.waitMs('discord', 'discord:1/10', 'post')).toBe(0);
      pacer.record('discord', 'discord:1/10', 'post');
      // Nothing reported yet: the next request waits for this one's answer.
      expect(pacer.waitMs('discord', 'discord:1/10', 'post')).toBeGreaterThan(0);
      pacer.settled('discord', 'discord:1/10', 'post'); // answered without rate-limit headers
    }
    expect(pacer.waitMs('discord', 'discord:1/10', 'post')).toBeGreaterThan(5000);
    expect(pacer.waitMs('discord', 'discord:1/11', 'post')).toBe(0);
    for (let c = 11; c < 56; c++) pacer.record('discord', `discord:1/${c}`, 'post');
    expect(pacer.platformWaitMs('discord')).toBeGreaterThan(1000);
    clock.ms = 1100;
    expect(pacer.platformWaitMs('discord')).toBe(0);
  });

  it('Discord: follows the bucket its headers report, shared by routes reporting the same bucket id', () => {
    const { pacer, clock } = pacerAt();
    pacer.record('discord', 'discord:1/20', 'post');
    pacer.report('discord', { channelId: '20', op: 'post', bucket: 'abc', limit: 2, remaining: 1, resetAfterMs: 3000 });
    pacer.settled('discord', 'discord:1/20', 'post');
    expect(pacer.waitMs('discord', 'discord:1/20', 'post')).toBe(0);
    pacer.record('discord', 'discord:1/20', 'post');
    pacer.settled('discord', 'discord:1/20', 'post');
    // Remaining 0: wait for the reported reset (plus a few ms), not for the assumed 5 per 5 s.
    const wait = pacer.waitMs('discord', 'discord:1/20', 'post');
    expect(wait).toBeGreaterThanOrEqual(3000);
    expect(wait).toBeLessThan(3100);
    clock.ms = 3050;
    expect(pacer.waitMs('discord', 'discord:1/20', 'post')).toBe(0);
    // A more generous bucket than assumed is used in full.
    pacer.report('discord', { channelId: '21', op: 'post', bucket: 'abc', limit: 10, remaining: 9, resetAfterMs: 5000 });
    for (let i = 0; i < 9; i++) {
      expect(pacer.waitMs('discord', 'discord:1/21', 'post')).toBe(0);
      pacer.record('discord', 'discord:1/21', 'post');
    }
    expect(pacer.waitMs('discord', 'discord:1/21', 'post')).toBeGreaterThan(4000);
    // Edits reporting the same bucket id on that channel share it.
    pacer.report('discord', { channelId: '21', op: 'edit', bucket: 'abc', limit: 10, remaining: 0, resetAfterMs: 2000 });
    expect(pacer.waitMs('discord', 'discord:1/21', 'post')).toBeGreaterThanOrEqual(2000);
  });

  it('Discord: a global 429 holds every channel, a bucket 429 only its own', () => {
    const { pacer } = pacerAt();
    pacer.limited('discord', 'discord:1/30', 'post', 700, 'bucket');
    expect(pacer.waitMs('discord', 'discord:1/30', 'post')).toBe(700);
    expect(pacer.waitMs('discord', 'discord:1/31', 'post')).toBe(0);
    pacer.limited('discord', 'discord:1/30', 'post', 1200, 'global');
    expect(pacer.waitMs('discord', 'discord:1/31', 'post')).toBe(1200);
    expect(pacer.platformWaitMs('discord')).toBe(1200);
  });

  it('Slack: one post per second per channel; chat.update and history on their own Tier 3 buckets', () => {
    const { pacer } = pacerAt();
    pacer.record('slack', 'slack:T1/C1', 'post');
    const wait = pacer.waitMs('slack', 'slack:T1/C1', 'post');
    expect(wait).toBeGreaterThanOrEqual(1000);
    expect(wait).toBeLessThan(1100);
    // Another channel waits only for the workspace's ceiling, which starts at one post per second (nothing learned).
    expect(pacer.waitMs('slack', 'slack:T1/C2', 'post')).toBeLessThanOrEqual(1000);
    expect(pacer.waitMs('slack', 'slack:T2/C2', 'post')).toBe(0);
    for (let i = 0; i < 5; i++) pacer.record('slack', `slack:T1/C${i}`, 'edit');
    expect(pacer.waitMs('slack', 'slack:T1/C9', 'edit')).toBeGreaterThanOrEqual(1200); // 50/min after a burst of 5
    expect(pacer.waitMs('slack', 'slack:T2/C9', 'edit')).toBe(0); // another workspace
    expect(pacer.waitMs('slack', 'slack:T1/C9', 'check')).toBe(0);
  });
});

interface FanoutResult {
  elapsedMs: number;
  /** Posts accepted in the first minute. */
  firstMinute: number;
  limited: number;
  maxLimitedPerChannel: number;
  delivered: Map<string, number>;
}

/**
 * One post to each of `channels` Slack channels of one workspace, against the stand-in's own buckets (its documented
 * per-channel limit and an undisclosed workspace limit) on a simulated clock. Answers take 5 ms; a 429 sends the row
 * back to the queue for Retry-After, as the dispatcher does.
 */
function fanOut(pacer: Pacer, clock: { ms: number }, channels: number, workspace: BucketLimit): FanoutResult {
  const start = clock.ms;
  const platform = new Buckets(() => clock.ms);
  const queue = Array.from({ length: channels }, (_, i) => ({ channel: `slack:T1/C${i}`, due: start, refused: false }));
  const delivered = new Map<string, number>();
  const limitedPer = new Map<string, number>();
  let limited = 0;
  let firstMinute = -1;
  while (queue.length > 0 && clock.ms - start < 3_600_000) {
    let next = Number.POSITIVE_INFINITY;
    const row = queue.find((r) => {
      const wait = Math.max(r.due - clock.ms, pacer.waitMs('slack', r.channel, 'post', { refused: r.refused }));
      next = Math.min(next, wait);
      return wait === 0;
    });
    if (!row) {
      clock.ms += Math.max(1, next);
      continue;
    }
    pacer.record('slack', row.channel, 'post');
    const id = row.channel.split('/')[1];
    const wait = platform.takeAll([[`channel:${id}`, SLACK_LIMITS.postPerChannel], ['team', workspace]]);
    clock.ms += 5;
    pacer.settled('slack', row.channel, 'post');
    if (wait > 0) {
      const retryAfterMs = Math.max(1, Math.ceil(wait / 1000)) * 1000;
      limited += 1;
      limitedPer.set(row.channel, (limitedPer.get(row.channel) ?? 0) + 1);
      pacer.limited('slack', row.channel, 'post', retryAfterMs, 'unattributed');
      Object.assign(row, { due: clock.ms + retryAfterMs, refused: true });
    } else {
      delivered.set(row.channel, (delivered.get(row.channel) ?? 0) + 1);
      queue.splice(queue.indexOf(row), 1);
    }
    if (firstMinute < 0 && clock.ms - start >= 60_000) firstMinute = [...delivered.values()].length;
  }
  return { elapsedMs: clock.ms - start, firstMinute, limited, maxLimitedPerChannel: Math.max(0, ...limitedPer.values()), delivered };
}

describe('a Slack workspace ceiling nobody told the pacer', () => {
  for (const workspace of [{ perMinute: 120, burst: 10 }, { perMinute: 400, burst: 40 }]) {
    it(`is learned from 429s (undisclosed ${workspace.perMinute}/min): each channel once, at most one 429 each, near the limit after a minute`, () => {
      const { pacer, clock } = pacerAt(Date.parse('2026-11-25T12:00:00Z'));
      const channels = 600;
      const r = fanOut(pacer, clock, channels, workspace);
      expect(r.delivered.size).toBe(channels);
      expect([...r.delivered.values()].every((n) => n === 1)).toBe(true);
      expect(r.maxLimitedPerChannel).toBeLessThanOrEqual(1);
      expect(r.limited).toBeLessThanOrEqual(channels * 0.03);
      // After the first minute the pace is within 25% of the least time the stand-in's limit allows for the rest.
      const restMinimumMs = ((channels - r.firstMinute) * 60_000) / workspace.perMinute;
      expect((r.elapsedMs - 60_000) / restMinimumMs).toBeLessThanOrEqual(1.25);
      const learned = pacer.ceilingPerMinute('slack', 'T1')!;
      expect(learned).toBeGreaterThan(workspace.perMinute * 0.8);
      expect(learned).toBeLessThan(workspace.perMinute * 1.3);
    });
  }

  it('is stored per workspace and read back by the next pacer (a restart, another instance); a configured ceiling overrides it', async () => {
    const store = openSqliteStore(':memory:', { now: () => new Date('2026-11-25T12:00:00Z') });
    try {
      const state = new SqlitePacingState(store.db);
      const first = pacerAt(Date.parse('2026-11-25T12:00:00Z'), { store: state });
      await first.pacer.ready;
      fanOut(first.pacer, first.clock, 300, { perMinute: 200, burst: 20 });
      const [row] = await state.loadCeilings();
      expect(row).toMatchObject({ platform: 'slack', workspace: 'T1' });
      expect(row.perMinute).toBeGreaterThan(160);
      expect(row.perMinute).toBeLessThan(220);
      expect(await state.loadCeilings()).toHaveLength(1);

      const restarted = pacerAt(first.clock.ms + 3_600_000, { store: state });
      await restarted.pacer.ready;
      expect(restarted.pacer.ceilingPerMinute('slack', 'T1')).toBe(row.perMinute);
      expect(restarted.pacer.ceilingPerMinute('slack', 'T9')).toBe(SLACK_RATE_RULES.learned!.startPerMinute);
      // Started from what was learned, the next fan-out meets no more than a couple of 429s.
      expect(fanOut(restarted.pacer, restarted.clock, 300, { perMinute: 200, burst: 20 }).limited).toBeLessThanOrEqual(3);
      const stored = (await state.loadCeilings())[0].perMinute;

      const configured = pacerAt(first.clock.ms, { store: state, configured: { slack: 90 } });
      await configured.pacer.ready;
      expect(configured.pacer.ceilingPerMinute('slack', 'T1')).toBe(90);
      configured.pacer.limited('slack', 'slack:T1/C1', 'post', 1000, 'unattributed');
      expect(configured.pacer.ceilingPerMinute('slack', 'T1')).toBe(90);
      expect((await state.loadCeilings())[0].perMinute).toBe(stored);
    } finally {
      await store.close();
    }
  });

  it('keeps what it learned when the store cannot be read, and says so', async () => {
    const errors: unknown[] = [];
    const failing: PacingStateStore = {
      loadCeilings: () => Promise.reject(new Error('disk gone')),
      saveCeiling: (_row: LearnedCeilingRow) => Promise.reject(new Error('disk gone')),
    };
    const pacer = new Pacer({ clock: () => 0, store: failing, onError: (e) => errors.push(e) });
    await pacer.ready;
    expect(errors).toHaveLength(1);
  });
});
