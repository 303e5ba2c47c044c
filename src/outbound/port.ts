import type { Reply } from '../core/reply.js';
import type { ChannelRef, MessageRef, Platform } from '../domain/channel.js';
import type { BucketReport, PlatformRateRules, RateLimitScope } from './rate-limits.js';

/**
 * The outbound port every adapter implements, so the alerts dispatcher can deliver anywhere. Owned by
 * neither core nor alerts: adapters implement it, alerts uses it. Each adapter maps its platform's failures
 * onto two typed errors, by what the caller must do: RetryLater (with a delay; maybe in doubt) and Permanent
 * (with a scope). Channel and message references are domain words (src/domain/channel.ts).
 */
export type { ChannelRef, MessageRef, Platform } from '../domain/channel.js';
/** The platform asked us to wait (429), or failed in a way that may pass (5xx, timeout). */
export class RetryLater extends Error {
  /**
   * The failure may have come after the message was written (a 5xx, a reset connection, Slack's fatal_error):
   * before posting again, the sender must check whether it went out. False for a refusal such as a 429.
   */
  public readonly inDoubt: boolean;
  /** Set when the platform refused with a rate limit (429): what was limited, so the pacer can wait where it must. */
  public readonly rateLimit?: RateLimitScope;

  constructor(public readonly delayMs: number, public readonly reason: string, options: { inDoubt?: boolean; rateLimit?: RateLimitScope } = {}) {
    super(`retry in ${delayMs} ms: ${reason}`);
    this.name = 'RetryLater';
    this.inDoubt = options.inDoubt ?? false;
    if (options.rateLimit) this.rateLimit = options.rateLimit;
  }
}

/**
 * What a permanent refusal is about: the channel (unknown, no access, archived: pause its subscriptions), this
 * one message (rejected content: fail it alone), or the bot itself (token revoked: hold the whole platform).
 */
export type PermanentScope = 'channel' | 'message' | 'bot';

/** Retrying cannot help: unknown channel, missing access, archived, revoked token. */
export class Permanent extends Error {
  constructor(public readonly code: string, public readonly reason: string, public readonly scope: PermanentScope = 'channel') {
    super(`${code}: ${reason}`);
    this.name = 'Permanent';
  }
}

export interface PostOptions {
  /** The outbox delivery id: Discord sends it as an enforced nonce, Slack as message metadata. */
  deliveryId?: string;
  /** Post into this message's thread (Slack: the parent's ts), the subscription's target. */
  thread?: string;
}

/**
 * What a post shows back on the platform, for recognising an in-doubt post where the platform offers no nonce (a
 * Discord forum post: its title, and its first message's link): the story's headline and link as they are now.
 */
export interface PostedHint {
  title: string;
  url?: string;
}

/** What a subscription will do in the channel beyond posting, so that subscribing checks for it too. */
export interface ChannelNeeds {
  /** threads:yes: story updates as replies in a thread started on the alert. */
  threads?: boolean;
  /** The alerts go into this message's thread (Slack: its ts): the message must be there. */
  thread?: string;
}

export interface ChannelCheck {
  ok: boolean;
  /** Human-readable names of what is missing: "Send Messages", "Embed Links", "membership". */
  missing: string[];
  /** A refusal that is no missing permission, as a whole sentence ("Newsdesk is not in this server: …"). */
  problem?: string;
  /** The channel's display name when the platform tells it. */
  name?: string;
  /** What kind of place it is, when the platform tells it (Discord: announcement channels can publish). */
  kind?: 'text' | 'announcement' | 'forum' | 'thread';
}

/** Publishing from one channel (Discord announcement channels), over the last hour, as the sending instance saw it. */
export interface PublishReport {
  published: number;
  /** Breaking alerts posted but not published: the hour's publishes were used up, or the platform refused. */
  held: number;
  /** Publishes left this hour. */
  left: number;
  lastProblem: string | null;
}

/**
 * Where a port counts publishes (Discord announcement channels), shared by every instance and kept across restarts:
 * the store's publish log, handed to the adapter as a port (adapters never reach the store). Same shape as
 * PublishLogStore (src/store/types.ts).
 */
export interface PublishLedger {
  /** Takes one publish when fewer than `limit` were published in the window: its id, or null (a hold is recorded). */
  take(channel: ChannelRef, at: number, limit: number, windowMs: number, heldProblem: string): Promise<number | null>;
  /** A taken publish the platform refused: a hold with its reason. */
  refused(id: number, problem: string): Promise<void>;
  window(channel: ChannelRef, since: number): Promise<{ published: number; held: number; lastProblem: string | null }>;
}

export interface OutboundPort {
  readonly platform: Platform;
  /** The platform's documented rate limits, stated by the adapter that knows them (none: unpaced, e.g. the terminal). */
  readonly rateRules?: PlatformRateRules;
  /** Route buckets as the platform reports them with its answers (Discord's X-RateLimit-* headers). */
  onBucketReport?(listener: (report: BucketReport) => void): () => void;
  post(channel: ChannelRef, reply: Reply, options?: PostOptions): Promise<MessageRef>;
  edit(message: MessageRef, reply: Reply): Promise<void>;
  replyInThread(message: MessageRef, reply: Reply, options?: PostOptions): Promise<MessageRef>;
  /**
   * Deletes a message the bot posted (a recall or a kill). A message already gone (Discord 10008 Unknown Message,
   * Slack message_not_found) resolves: "already gone" counts as done. A refusal that retrying cannot fix (missing
   * access, cant_delete_message) is a Permanent with scope 'message'; 429, 5xx and timeouts are RetryLater.
   */
  delete(message: MessageRef): Promise<void>;
  /** How publishing from this channel went over the last hour, as every instance did it (ports that publish: Discord). */
  publishReport?(channel: ChannelRef): Promise<PublishReport | null>;
  /** Can the bot post there? Used by /alerts subscribe. */
  checkChannel?(channel: ChannelRef, needs?: ChannelNeeds): Promise<ChannelCheck>;
  /**
   * After a crash, was this delivery already posted? (Slack: conversations.history + metadata; Discord forums: the
   * bot's posts in the forum since `sinceMs`, recognised by the hint.) Returns the message reference if found.
   */
  findPosted?(channel: ChannelRef, deliveryId: string, sinceMs: number, hint?: PostedHint, thread?: string): Promise<MessageRef | null>;
}
