import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/alerts/pacing.js';
import { DISCORD_RATE_RULES } from '../../src/adapters/discord/rate-rules.js';
import { bucketReport } from '../../src/adapters/discord/rate-headers.js';
import { SLACK_RATE_RULES } from '../../src/adapters/slack/rate-rules.js';

/** The delete rules each adapter states, as the pacer applies them, on a hand-moved clock (nothing read from the wall). */
function pacerAt(start = 0) {
  const clock = { ms: start };
  const pacer = new Pacer({ clock: () => clock.ms });
  pacer.setRules('discord', DISCORD_RATE_RULES);
  pacer.setRules('slack', SLACK_RATE_RULES);
  return { pacer, clock };
}

describe('delete rate rules', () => {
  it('Slack: chat.delete is Tier 3 (50 per minute, a burst of 5) per workspace, in a bucket of its own', () => {
    expect(SLACK_RATE_RULES.rules.filter((r) => r.ops.includes('delete'))).toEqual([
      { id: 'slack:chat.delete', ops: ['delete'], scope: 'workspace', limit: 50, windowMs: 60_000, burst: 5 },
    ]);
    const { pacer, clock } = pacerAt();
    for (let i = 0; i < 5; i++) {
      expect(pacer.waitMs('slack', `slack:T1/C${i}`, 'delete')).toBe(0);
      pacer.record('slack', `slack:T1/C${i}`, 'delete');
    }
    // The sixth waits for a token: 60 000 / 50 = 1 200 ms (plus the pacer's small arrival margin), whichever channel
    // of the workspace it is for.
    for (const channel of ['slack:T1/C9', 'slack:T1/C0']) {
      const wait = pacer.waitMs('slack', channel, 'delete');
      expect(wait).toBeGreaterThanOrEqual(1_200);
      expect(wait).toBeLessThan(1_400);
    }
    // Edits, history checks and another workspace have their own buckets.
    expect(pacer.waitMs('slack', 'slack:T1/C9', 'edit')).toBe(0);
    expect(pacer.waitMs('slack', 'slack:T1/C9', 'check')).toBe(0);
    expect(pacer.waitMs('slack', 'slack:T2/C9', 'delete')).toBe(0);
    clock.ms = 1_400;
    expect(pacer.waitMs('slack', 'slack:T1/C9', 'delete')).toBe(0);
  });

  it('Discord: a delete counts against the global 50 per second', () => {
    const { pacer, clock } = pacerAt();
    for (let c = 0; c < 50; c++) {
      pacer.record('discord', `discord:1/${c}`, 'delete');
      pacer.settled('discord', `discord:1/${c}`, 'delete');
    }
    // The window of 1 s from their answers (plus a few ms) holds every request of the bot, posts too.
    for (const wait of [pacer.platformWaitMs('discord'), pacer.waitMs('discord', 'discord:1/99', 'delete'), pacer.waitMs('discord', 'discord:1/99', 'post')]) {
      expect(wait).toBeGreaterThanOrEqual(1_000);
      expect(wait).toBeLessThan(1_100);
    }
    clock.ms = 1_100;
    expect(pacer.platformWaitMs('discord')).toBe(0);
  });

  it('Discord: a channel\'s deletes are assumed at 5 per 5 s, one at a time, until Discord reports the bucket; then the report rules', () => {
    const { pacer, clock } = pacerAt();
    for (let i = 0; i < 5; i++) {
      expect(pacer.waitMs('discord', 'discord:1/10', 'delete')).toBe(0);
      pacer.record('discord', 'discord:1/10', 'delete');
      expect(pacer.waitMs('discord', 'discord:1/10', 'delete')).toBeGreaterThan(0); // its answer is awaited
      pacer.settled('discord', 'discord:1/10', 'delete');
    }
    const assumed = pacer.waitMs('discord', 'discord:1/10', 'delete');
    expect(assumed).toBeGreaterThanOrEqual(5_000);
    expect(assumed).toBeLessThan(5_500);
    // Edits of that channel are another route.
    expect(pacer.waitMs('discord', 'discord:1/10', 'edit')).toBe(0);

    // Discord's headers on a DELETE answer become a report the pacer follows.
    const headers = new Headers({ 'x-ratelimit-bucket': 'd3l', 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '2.500' });
    const report = bucketReport('DELETE', '/channels/20/messages/30', headers);
    expect(report).toEqual({ channelId: '20', op: 'delete', bucket: 'd3l', limit: 5, remaining: 0, resetAfterMs: 2_500 });
    expect(bucketReport('DELETE', '/channels/20/messages', headers)).toBeNull();
    pacer.record('discord', 'discord:1/20', 'delete');
    pacer.report('discord', report!);
    pacer.settled('discord', 'discord:1/20', 'delete');
    const wait = pacer.waitMs('discord', 'discord:1/20', 'delete');
    expect(wait).toBeGreaterThanOrEqual(2_500);
    expect(wait).toBeLessThan(2_600);
    clock.ms = 2_600;
    expect(pacer.waitMs('discord', 'discord:1/20', 'delete')).toBe(0);
  });
});
