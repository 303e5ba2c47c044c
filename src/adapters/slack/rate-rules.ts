import type { PlatformRateRules } from '../../outbound/rate-limits.js';

/**
 * Slack's rate limits as its documentation states them (docs.slack.dev/apis/web-api/rate-limits), counted per app
 * per workspace:
 * - chat.postMessage: "one message per second per channel", short bursts allowed but not guaranteed, so we keep to
 *   one per second; and a workspace-wide limit Slack does not publish ("several hundred per minute"). That one is
 *   learned per workspace from 429s (src/alerts/learned-ceiling.ts), starting from one channel's rate, which any
 *   workspace allows; SLACK_POSTS_PER_MINUTE overrides it.
 * - chat.update, chat.delete and conversations.history: Tier 3, "50+ per minute", sporadic bursts welcome (we assume
 *   5). Each method has its own bucket per workspace: recalls (chat.delete) do not eat the edits' budget, nor edits
 *   the deletes'.
 * Thread replies are posts (chat.postMessage with thread_ts). A 429 carries Retry-After in seconds and names no
 * bucket.
 */
export const SLACK_RATE_RULES: PlatformRateRules = {
  rules: [
    { id: 'slack:channel-messages', ops: ['post'], scope: 'channel', limit: 1, windowMs: 1000, burst: 1 },
    { id: 'slack:chat.update', ops: ['edit'], scope: 'workspace', limit: 50, windowMs: 60_000, burst: 5 },
    { id: 'slack:chat.delete', ops: ['delete'], scope: 'workspace', limit: 50, windowMs: 60_000, burst: 5 },
    { id: 'slack:conversations.history', ops: ['check'], scope: 'workspace', limit: 50, windowMs: 60_000, burst: 5 },
  ],
  learned: { id: 'slack:workspace-messages', ops: ['post'], scope: 'workspace', startPerMinute: 60 },
};
