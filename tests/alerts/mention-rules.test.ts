import { describe, expect, it } from 'vitest';
import { renderReply as renderDiscord } from '../../src/adapters/discord/render.js';
import { renderReply as renderSlack } from '../../src/adapters/slack/render.js';
import { renderAlert, renderFollowUp, renderGroup, type AlertArticle } from '../../src/alerts/render.js';
import type { Subscription } from '../../src/domain/subscription.js';

/** Pings per rule: which alerts carry which mentions (pure), and how each platform's renderer writes them. */
const sub = (over: Partial<Subscription>): Subscription => ({
  id: 'abcde', platform: 'slack', workspace: 'T1', channel: 'slack:T1/C1', channelName: 'desk', minPriority: 'routine',
  sections: [], keywords: [], mentionRoleId: null, mentionHere: false, quiet: null, tz: null, threads: false, paused: false,
  pausedReason: null, createdBy: 'U1', createdByName: 'Ada', createdAt: '2026-11-25T00:00:00Z', ...over,
});
const story = (over: Partial<AlertArticle>): AlertArticle => ({
  id: 'a1', url: 'https://news.example/a1', title: 'Budget vote tonight', dek: '', body: '', section: 'politics', source: 'Wire',
  publishedAt: '2026-11-25T10:00:00Z', updatedAt: '2026-11-25T10:00:00Z', priority: 'routine', status: 'published', imageUrl: null, version: 1, ...over,
});
const rules: Subscription['mentionRules'] = [
  { mention: 'S0ELECTION', sections: ['politics'], keywords: [], minPriority: null },
  { mention: 'here', sections: [], keywords: ['interest rates'], minPriority: 'urgent' },
];

describe('mention rules', () => {
  it('Slack: a user group for the matching section, @here for an urgent story with the keyword, nothing otherwise', () => {
    const slack = sub({ mentionRules: rules });
    const opts = { timeZone: 'UTC' };
    expect(renderAlert(story({}), slack, opts).mention).toEqual({ slackSubteamIds: ['S0ELECTION'] });
    expect(renderAlert(story({ section: 'business', title: 'Interest rates up', priority: 'routine' }), slack, opts).mention).toBeUndefined();
    expect(renderAlert(story({ section: 'business', title: 'Interest rates up', priority: 'urgent' }), slack, opts).mention).toEqual({ slackHere: true });
    expect(renderAlert(story({ title: 'Interest rates and the budget', priority: 'breaking' }), slack, opts).mention).toEqual({ slackHere: true, slackSubteamIds: ['S0ELECTION'] });
    // Never on tests, retractions, follow-ups or digests.
    expect(renderAlert(story({}), slack, { ...opts, test: true }).mention).toBeUndefined();
    expect(renderAlert(story({ status: 'retracted' }), slack, opts).mention).toBeUndefined();
    expect(renderFollowUp(story({}), opts).mention).toBeUndefined();
    expect(renderGroup('digest', [story({})], opts).mention).toBeUndefined();
    const text = renderSlack(renderAlert(story({ title: 'Interest rates and the budget', priority: 'breaking' }), slack, opts)).text;
    expect(text.startsWith('<!here> <!subteam^S0ELECTION> ')).toBe(true);
  });

  it('Discord: at most 3 roles an alert, each listed in allowed_mentions; a malformed id is dropped', () => {
    const discord = sub({
      platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', mentionRoleId: '100000000000000001',
      mentionRules: ['100000000000000002', '100000000000000003', '100000000000000004'].map((mention) => ({ mention, sections: [], keywords: [], minPriority: null })),
    });
    const reply = renderAlert(story({ priority: 'breaking' }), discord, { timeZone: 'UTC' });
    const message = renderDiscord(reply);
    expect(message.content).toBe('<@&100000000000000001> <@&100000000000000002> <@&100000000000000003> ');
    expect(message.allowed_mentions).toEqual({ parse: [], roles: ['100000000000000001', '100000000000000002', '100000000000000003'] });
    const routine = renderDiscord(renderAlert(story({}), discord, { timeZone: 'UTC' }));
    expect(routine.allowed_mentions).toEqual({ parse: [], roles: ['100000000000000002', '100000000000000003', '100000000000000004'] });
    expect(renderDiscord({ ...reply, mention: { discordRoleIds: ['<@&1>', '100000000000000009'] } }).allowed_mentions).toEqual({ parse: [], roles: ['100000000000000009'] });
  });
});
