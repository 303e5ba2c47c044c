/**
 * The Slack stand-in's rate limits, stated here by the stand-in itself from Slack's documentation
 * (docs.slack.dev/apis/web-api/rate-limits), never from Newsdesk's code: the stand-in enforces them (429 +
 * Retry-After in whole seconds) and a benchmark's "minimum the limits allow" is computed from the same numbers.
 * - chat.postMessage: "one message per second per channel", short bursts allowed (3 here).
 * - A workspace-wide posting limit Slack does not publish ("several hundred per minute"): 300/min with bursts of 50
 *   by default. Tests and the benchmark give the stand-in their own (`limits.postPerWorkspace`); Newsdesk is never
 *   told, it has to learn it.
 * - chat.update, chat.delete, conversations.history/replies/info/join: Tier 3, "50+ per minute", sporadic bursts (10
 *   here), each method in its own bucket per workspace (docs.slack.dev/reference/methods/chat.delete: "Rate limits:
 *   Tier 3").
 */
export interface BucketLimit {
  /** Sustained rate. */
  perMinute: number;
  /** Calls allowed at once before the sustained rate applies. */
  burst: number;
}

export interface SlackLimits {
  /** chat.postMessage, per channel. */
  postPerChannel: BucketLimit;
  /** chat.postMessage, per workspace (all channels together). */
  postPerWorkspace: BucketLimit;
  /** Other methods, per method per workspace, by Slack's tier. */
  tiers: Record<1 | 2 | 3 | 4, BucketLimit>;
  methodTier: Record<string, 1 | 2 | 3 | 4>;
  /**
   * conversations.history (and conversations.replies, each its own bucket) for a distributed app not listed in the
   * Slack Marketplace (its OAuth tokens; the
   * single-workspace token is an internal app's): Slack allows it 1 request per minute and at most 15 messages per
   * request (docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps). Off unless set.
   */
  unlistedHistory?: { perMinute: number; maxMessages: number };
}

/**
 * Workspace posting limits the stand-in can be given in place of its default (`limits.postPerWorkspace`), as Slack
 * might enforce them: the benchmark's and the tests' undisclosed ceilings. Slack only says "several hundred per
 * minute"; bursts are a tenth of a minute's rate. Newsdesk is never told these: it learns them.
 */
export const WORKSPACE_POSTING_LIMITS = {
  '200/min': { perMinute: 200, burst: 20 },
  '600/min': { perMinute: 600, burst: 60 },
} as const satisfies Record<string, BucketLimit>;

/** The stand-in's limits with an undisclosed workspace posting limit in place of the default. */
export function withWorkspaceLimit(postPerWorkspace: BucketLimit, limits: SlackLimits = SLACK_LIMITS): SlackLimits {
  return { ...limits, postPerWorkspace };
}

/** Slack's limits for an unlisted distributed app's conversations.history. */
export const UNLISTED_APP_HISTORY = { perMinute: 1, maxMessages: 15 } as const;

export const SLACK_LIMITS: SlackLimits = {
  postPerChannel: { perMinute: 60, burst: 3 },
  postPerWorkspace: { perMinute: 300, burst: 50 },
  tiers: {
    1: { perMinute: 1, burst: 1 },
    2: { perMinute: 20, burst: 5 },
    3: { perMinute: 50, burst: 10 },
    4: { perMinute: 100, burst: 20 },
  },
  methodTier: {
    'chat.update': 3,
    'chat.delete': 3,
    'conversations.history': 3,
    'conversations.replies': 3,
    'conversations.info': 3,
    'conversations.join': 3,
    'users.info': 4,
  },
};

/** No limits at all: for tests that are not about rate limits and send many calls. */
export const UNLIMITED: SlackLimits = {
  postPerChannel: { perMinute: 1e9, burst: 1e9 },
  postPerWorkspace: { perMinute: 1e9, burst: 1e9 },
  tiers: { 1: { perMinute: 1e9, burst: 1e9 }, 2: { perMinute: 1e9, burst: 1e9 }, 3: { perMinute: 1e9, burst: 1e9 }, 4: { perMinute: 1e9, burst: 1e9 } },
  methodTier: {},
};

/**
 * The least time the limits allow for deleting messages (chat.delete, Tier 3 per workspace): per workspace, what
 * exceeds the burst waits for the sustained rate (workspaces delete in parallel).
 */
export function minimumDeletesMs(messagesPerWorkspace: number[], limits: SlackLimits = SLACK_LIMITS): number {
  return minimumTieredCallsMs('chat.delete', messagesPerWorkspace, limits);
}

/**
 * The least time the limits allow for `callsPerWorkspace[i]` calls of one tiered method (chat.update, chat.delete:
 * one bucket per method per workspace), first call at t=0: what exceeds the burst waits for the sustained rate
 * (workspaces in parallel).
 */
export function minimumTieredCallsMs(method: string, callsPerWorkspace: number[], limits: SlackLimits = SLACK_LIMITS): number {
  const tier = limits.methodTier[method];
  if (!tier) return 0;
  const { perMinute, burst } = limits.tiers[tier];
  return Math.max(0, ...callsPerWorkspace.map((n) => (Math.max(0, n - burst) * 60_000) / perMinute));
}

/**
 * The least time the limits allow for posting one message to each channel, given how many channels each
 * workspace has: per workspace, what exceeds the burst waits for the sustained rate (channels post in parallel).
 */
export function minimumFanoutMs(channelsPerWorkspace: number[], limits: SlackLimits = SLACK_LIMITS): number {
  const { perMinute, burst } = limits.postPerWorkspace;
  return Math.max(0, ...channelsPerWorkspace.map((n) => (Math.max(0, n - burst) * 60_000) / perMinute));
}
