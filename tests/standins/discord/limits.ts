/**
 * The ONE place the Discord stand-in's limits live. Tests and benchmarks that compute "the minimum time the
 * limits allow" import these numbers rather than repeating them.
 */
export interface RouteBucket {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export interface DiscordLimits {
  /** Requests per second per bot token, across every route except interaction callbacks. */
  globalPerSecond: number;
  /** POST /channels/{id}/messages: per channel (Discord's well-known 5 messages / 5 s). */
  channelMessages: RouteBucket;
  /** PATCH of channel messages, per channel. */
  channelMessageEdits: RouteBucket;
  /** DELETE of channel messages, per channel: a route (and bucket) of its own, as Discord keys buckets by method. */
  channelMessageDeletes: RouteBucket;
  /** Webhook routes (interaction follow-ups and edits), per interaction token. */
  webhooks: RouteBucket;
  /**
   * POST /channels/{id}/messages/{mid}/crosspost, per announcement channel: Discord lets a channel publish about 10
   * messages an hour (its support article on announcement channels; bot developers measure the same, then a 429 with
   * a Retry-After of up to an hour).
   */
  crossposts: RouteBucket;
  /** Any other route, per route and major parameter. */
  other: RouteBucket;
  /** The initial interaction response must arrive within this window (Discord: 3 s). */
  interactionResponseMs: number;
  /** Interaction tokens stay valid for follow-ups and edits this long (Discord: 15 min). */
  interactionTokenMs: number;
  /** A repeated nonce with enforce_nonce returns the earlier message within this window. */
  nonceWindowMs: number;
}

export const DISCORD_LIMITS: DiscordLimits = {
  globalPerSecond: 50,
  channelMessages: { limit: 5, windowMs: 5_000 },
  channelMessageEdits: { limit: 5, windowMs: 5_000 },
  channelMessageDeletes: { limit: 5, windowMs: 5_000 },
  webhooks: { limit: 5, windowMs: 2_000 },
  crossposts: { limit: 10, windowMs: 60 * 60_000 },
  other: { limit: 50, windowMs: 1_000 },
  interactionResponseMs: 3_000,
  interactionTokenMs: 15 * 60_000,
  nonceWindowMs: 5 * 60_000,
};

/** Discord's documented content limits, as the stand-in enforces them (400, code 50035). */
export const DISCORD_CONTENT_LIMITS = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedTotal: 6000,
  actionRows: 5,
  componentsPerRow: 5,
  customId: 100,
  buttonLabel: 80,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
  commandName: 32,
  commandDescription: 100,
  commandOptions: 25,
  nonce: 25,
  /** Thread and forum post names: 1-100 characters (Start Thread in Forum or Media Channel). */
  threadName: 100,
  /** Tags applied to one forum post (applied_tags: at most 5). */
  appliedTags: 5,
} as const;
