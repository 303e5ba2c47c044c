import type { PlatformRateRules } from '../../outbound/rate-limits.js';

/**
 * Discord's rate limits as its documentation states them (docs.discord.com/developers/topics/rate-limits):
 * - 50 requests per second per bot across routes (the global limit; interaction callbacks are exempt).
 * - Per-route buckets "should not be hard coded": every answer reports its bucket (X-RateLimit-Bucket, -Limit,
 *   -Remaining, -Reset-After; -Scope and -Global with a 429) and the pacer follows those reports. Until a channel's
 *   first answer it assumes the commonly seen 5 messages per 5 s, and lets nothing more through.
 * Thread replies are posts (a message in the thread's channel). Deletes (recalls) count against the global limit and
 * their channel's reported bucket: DELETE /channels/{id}/messages/{mid} is a route of its own (discord.js keys buckets
 * by method and route), assumed at 5 per 5 s like the others until reported.
 */
export const DISCORD_RATE_RULES: PlatformRateRules = {
  rules: [
    { id: 'discord:global', ops: ['post', 'edit', 'delete'], scope: 'bot', limit: 50, windowMs: 1000 },
    { id: 'discord:channel-messages', ops: ['post'], scope: 'channel', limit: 5, windowMs: 5000, reported: true },
    { id: 'discord:channel-edits', ops: ['edit'], scope: 'channel', limit: 5, windowMs: 5000, reported: true },
    { id: 'discord:channel-deletes', ops: ['delete'], scope: 'channel', limit: 5, windowMs: 5000, reported: true },
  ],
};

/**
 * Publishing (crossposting) from an announcement channel: about 10 publishes per hour per channel (Discord's support
 * article on announcement channels and bot developers' measurements; the route answers 429 with a long Retry-After
 * beyond that). Newsdesk keeps its own bucket for it, apart from the message buckets above.
 */
export const DISCORD_PUBLISH_LIMIT = { limit: 10, windowMs: 60 * 60_000 } as const;
