import { afterEach, describe, expect, it } from 'vitest';
import { Pacer, PLATFORM_RATE_RULES } from '../../src/alerts/pacing.js';
import { quietState } from '../../src/alerts/quiet-hours.js';
import { DISCORD_LIMITS } from '../standins/discord/limits.js';
import { minimumFanoutMs, SLACK_LIMITS } from '../standins/slack/limits.js';
import { harness, TestClock, admin, type Harness } from './harness.js';
import { discordLimitsFromRules, slackLimitsFromRules } from './limits.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('quiet hours', () => {
  const london = { from: '22:00', to: '07:00', tz: 'Europe/London' };

  it('knows windows that cross midnight, and when they end, in the subscription time zone', () => {
    expect(quietState(new Date('2026-07-01T21:30:00Z'), london)).toEqual({ quiet: true, endsAt: new Date('2026-07-02T06:00:00Z') }); // 22:30 BST
    expect(quietState(new Date('2026-07-01T20:59:00Z'), london)).toEqual({ quiet: false });
    expect(quietState(new Date('2026-01-10T06:59:30Z'), london)).toEqual({ quiet: true, endsAt: new Date('2026-01-10T07:00:00Z') });
    expect(quietState(new Date('2026-01-10T07:00:00Z'), london)).toEqual({ quiet: false });
    // The clocks go back during the night of 2026-10-25: 07:00 local is 07:00 UTC, not 06:00.
    expect(quietState(new Date('2026-10-24T22:30:00Z'), london)).toEqual({ quiet: true, endsAt: new Date('2026-10-25T07:00:00Z') });
    expect(quietState(new Date('2026-01-10T13:00:00Z'), { from: '12:00', to: '14:00', tz: 'UTC' })).toEqual({ quiet: true, endsAt: new Date('2026-01-10T14:00:00Z') });
  });

  it('lets breaking through, holds the rest, and posts ONE "While you were away" message when they end', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T23:00:00Z');
    const port = new RecordingPort('terminal');
    h = await harness({ clock, ports: [port] });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.alerts.service.setQuiet({ platform: 'terminal', workspace: '' }, sub.id, london, admin);
    await h.store.articles.upsert({ id: 'u1', title: 'Storm warning issued for the coast', priority: 'urgent' });
    await h.store.articles.upsert({ id: 'r1', title: 'Museum opens a new wing downtown', priority: 'routine' });
    await h.store.articles.upsert({ id: 'b1', title: 'Dam fails upstream of the capital', priority: 'breaking' });
    await h.settled(1);
    expect(port.posts().map((p) => p.reply.cards[0].title)).toEqual(['Dam fails upstream of the capital']);
    const [held] = await h.alerts.service.why({ platform: 'terminal', workspace: '' }, 'terminal:desk', 'u1');
    expect(held.explanation).toBe('held for quiet hours; it goes out in one "While you were away" message at 07:00 on 2026-11-26');

    clock.set('2026-11-26T07:00:01Z');
    h.alerts.dispatcher.wake();
    await h.settled(1);
    const digest = port.posts()[1].reply.cards[0];
    expect(digest.title).toBe('While you were away: 2 stories');
    expect(digest.items!.map((i) => i.id)).toEqual(['u1', 'r1']);
    expect(port.posts()).toHaveLength(2);
    expect(h.outbox.forStory('u1', sub.id)!.state).toBe('sent');
  });
});

describe('pacing mirrors the platforms', () => {
  it('allows 5 Discord messages per 5 s per channel and 50 requests per second per bot', () => {
    let now = 0;
    const pacer = new Pacer(PLATFORM_RATE_RULES, () => now);
    for (let i = 0; i < 5; i++) {
      expect(pacer.waitMs('discord', 'discord:g/1', 'post')).toBe(0);
      pacer.record('discord', 'discord:g/1', 'post');
    }
    expect(pacer.waitMs('discord', 'discord:g/1', 'post')).toBeGreaterThan(5000);
    expect(pacer.waitMs('discord', 'discord:g/2', 'post')).toBe(0);
    for (let c = 2; c < 47; c++) pacer.record('discord', `discord:g/${c}`, 'post');
    expect(pacer.platformWaitMs('discord')).toBeGreaterThan(1000);
    now = 1100;
    expect(pacer.platformWaitMs('discord')).toBe(0);
  });

  it('allows about one Slack message per second per channel after a short burst, and 429 Retry-After blocks on top', () => {
    let now = 0;
    const pacer = new Pacer(PLATFORM_RATE_RULES, () => now);
    for (let i = 0; i < 3; i++) {
      expect(pacer.waitMs('slack', 'slack:T1/C1', 'post')).toBe(0);
      pacer.record('slack', 'slack:T1/C1', 'post');
    }
    const wait = pacer.waitMs('slack', 'slack:T1/C1', 'post');
    expect(wait).toBeGreaterThanOrEqual(1000);
    expect(wait).toBeLessThan(1100);
    expect(pacer.waitMs('slack', 'slack:T1/C2', 'post')).toBe(0);
    pacer.block('slack', 'slack:T1/C2', 3000, false);
    expect(pacer.waitMs('slack', 'slack:T1/C2', 'post')).toBe(3000);
    now = 3000;
    expect(pacer.waitMs('slack', 'slack:T1/C2', 'post')).toBe(0);
  });

  it('meters a Slack workspace as a bucket: 50 posts at once, then about 5 per second; history checks on their own Tier 3 bucket', () => {
    let now = 0;
    const pacer = new Pacer(PLATFORM_RATE_RULES, () => now);
    for (let c = 0; c < 50; c++) {
      expect(pacer.waitMs('slack', `slack:T1/C${c}`, 'post')).toBe(0);
      pacer.record('slack', `slack:T1/C${c}`, 'post');
    }
    // 200 ms per token at 300/min, plus our safety: a slightly slower refill that starts a little later.
    const wait = pacer.waitMs('slack', 'slack:T1/C50', 'post');
    expect(wait).toBeGreaterThanOrEqual(200);
    expect(wait).toBeLessThanOrEqual(280);
    now = wait;
    expect(pacer.waitMs('slack', 'slack:T1/C50', 'post')).toBe(0);
    pacer.record('slack', 'slack:T1/C50', 'post');
    const next = pacer.waitMs('slack', 'slack:T1/C51', 'post');
    expect(next).toBeGreaterThanOrEqual(200);
    expect(next).toBeLessThanOrEqual(220);
    expect(pacer.waitMs('slack', 'slack:T2/C50', 'post')).toBe(0); // another workspace
    now = 0;
    for (let i = 0; i < 10; i++) pacer.record('slack', `slack:T1/C${i}`, 'check');
    expect(pacer.waitMs('slack', 'slack:T1/C1', 'check')).toBeGreaterThanOrEqual(1200);
    expect(pacer.waitMs('slack', 'slack:T1/C1', 'edit')).toBe(0);
  });

  it('configures the stand-ins from the same rules, and they agree with the stand-ins\' own defaults', () => {
    expect(slackLimitsFromRules()).toEqual(SLACK_LIMITS);
    expect(discordLimitsFromRules()).toEqual(DISCORD_LIMITS);
    expect(Pacer.minimumSpanMs(PLATFORM_RATE_RULES, 'slack', 'post', 500)).toBe(minimumFanoutMs([500], slackLimitsFromRules()));
  });

  it('computes the least time the limits allow from the same rules', () => {
    expect(Pacer.minimumSpanMs(PLATFORM_RATE_RULES, 'discord', 'post', 500)).toBe(9000);
    expect(Pacer.minimumSpanMs(PLATFORM_RATE_RULES, 'discord', 'post', 50)).toBe(0);
    expect(Pacer.minimumSpanMs(PLATFORM_RATE_RULES, 'slack', 'post', 500)).toBe(90_000); // (500 − 50 burst) at 300/min
  });
});
