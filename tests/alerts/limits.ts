import { PLATFORM_RATE_RULES, ruleById, type RateRule } from '../../src/alerts/pacing.js';
import { DISCORD_LIMITS, type DiscordLimits } from '../standins/discord/limits.js';
import { SLACK_LIMITS, type SlackLimits, type BucketLimit } from '../standins/slack/limits.js';

/**
 * The stand-ins' limits built from the pacer's rules (src/alerts/pacing.ts, the one source of truth), so the
 * stand-ins enforce exactly what the dispatcher obeys and the benchmark's minimum comes from the same numbers.
 * Everything the rules do not cover (interaction windows, other Slack methods) keeps the stand-in's default.
 */
const bucket = (rule: RateRule): BucketLimit => ({ perMinute: (rule.limit * 60_000) / rule.windowMs, burst: rule.burst ?? rule.limit });

export function slackLimitsFromRules(rules: readonly RateRule[] = PLATFORM_RATE_RULES): SlackLimits {
  const update = bucket(ruleById(rules, 'slack:chat.update'));
  const history = bucket(ruleById(rules, 'slack:conversations.history'));
  if (update.perMinute !== history.perMinute || update.burst !== history.burst) throw new Error('chat.update and conversations.history are both Tier 3');
  return {
    ...SLACK_LIMITS,
    postPerChannel: bucket(ruleById(rules, 'slack:channel-messages')),
    postPerWorkspace: bucket(ruleById(rules, 'slack:workspace-messages')),
    tiers: { ...SLACK_LIMITS.tiers, 3: update },
  };
}

export function discordLimitsFromRules(rules: readonly RateRule[] = PLATFORM_RATE_RULES): DiscordLimits {
  const global = ruleById(rules, 'discord:global');
  const posts = ruleById(rules, 'discord:channel-messages');
  const edits = ruleById(rules, 'discord:channel-edits');
  return {
    ...DISCORD_LIMITS,
    globalPerSecond: (global.limit * 1000) / global.windowMs,
    channelMessages: { limit: posts.limit, windowMs: posts.windowMs },
    channelMessageEdits: { limit: edits.limit, windowMs: edits.windowMs },
  };
}
