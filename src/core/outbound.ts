import type { Reply } from './reply.js';

/**
 * The outbound port every adapter implements, so the alerts dispatcher can deliver anywhere.
 * Channel references: `discord:<guildId>/<channelId>`, `discord:dm/<channelId>`,
 * `slack:<teamId>/<channelId>`, `terminal:<name>`. A message reference adds `#<platform message id>`.
 */
export type Platform = 'discord' | 'slack' | 'terminal';
export const PLATFORMS: readonly Platform[] = ['discord', 'slack', 'terminal'];

export type ChannelRef = string;
export type MessageRef = string;

export interface ParsedChannel {
  platform: Platform;
  /** guild id, team id, 'dm', or '' for the terminal */
  workspace: string;
  channel: string;
}

export interface ParsedMessage extends ParsedChannel {
  messageId: string;
}

const CHANNEL_RE = /^(discord|slack):([A-Za-z0-9_-]+)\/([A-Za-z0-9_.-]+)$/;
const TERMINAL_RE = /^terminal:([A-Za-z0-9_.-]+)$/;

export function parseChannelRef(ref: string): ParsedChannel {
  const m = CHANNEL_RE.exec(ref);
  if (m) return { platform: m[1] as Platform, workspace: m[2], channel: m[3] };
  const t = TERMINAL_RE.exec(ref);
  if (t) return { platform: 'terminal', workspace: '', channel: t[1] };
  throw new Error(`not a channel reference: ${JSON.stringify(ref)}`);
}

export function formatChannelRef(c: ParsedChannel): ChannelRef {
  return c.platform === 'terminal' ? `terminal:${c.channel}` : `${c.platform}:${c.workspace}/${c.channel}`;
}

export function isChannelRef(ref: string): boolean {
  return CHANNEL_RE.test(ref) || TERMINAL_RE.test(ref);
}

export function parseMessageRef(ref: MessageRef): ParsedMessage {
  const hash = ref.lastIndexOf('#');
  if (hash <= 0 || hash === ref.length - 1) throw new Error(`not a message reference: ${JSON.stringify(ref)}`);
  return { ...parseChannelRef(ref.slice(0, hash)), messageId: ref.slice(hash + 1) };
}

export function formatMessageRef(channel: ChannelRef, messageId: string): MessageRef {
  return `${channel}#${messageId}`;
}

export function channelOfMessage(ref: MessageRef): ChannelRef {
  return ref.slice(0, ref.lastIndexOf('#'));
}

/** The platform asked us to wait (429), or failed in a way that may pass (5xx, timeout). */
export class RetryLater extends Error {
  /**
   * The failure may have come after the message was written (a 5xx, a reset connection, Slack's fatal_error):
   * before posting again, the sender must check whether it went out. False for a refusal such as a 429.
   */
  public readonly inDoubt: boolean;

  constructor(public readonly delayMs: number, public readonly reason: string, options: { inDoubt?: boolean } = {}) {
    super(`retry in ${delayMs} ms: ${reason}`);
    this.name = 'RetryLater';
    this.inDoubt = options.inDoubt ?? false;
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
}

export interface ChannelCheck {
  ok: boolean;
  /** Human-readable names of what is missing: "Send Messages", "Embed Links", "membership". */
  missing: string[];
  /** The channel's display name when the platform tells it. */
  name?: string;
}

export interface OutboundPort {
  readonly platform: Platform;
  post(channel: ChannelRef, reply: Reply, options?: PostOptions): Promise<MessageRef>;
  edit(message: MessageRef, reply: Reply): Promise<void>;
  replyInThread(message: MessageRef, reply: Reply, options?: PostOptions): Promise<MessageRef>;
  /** Can the bot post there? Used by /alerts subscribe. */
  checkChannel?(channel: ChannelRef): Promise<ChannelCheck>;
  /**
   * After a crash, was this delivery already posted? (Slack: conversations.history + metadata.)
   * Returns the message reference if found.
   */
  findPosted?(channel: ChannelRef, deliveryId: string, sinceMs: number): Promise<MessageRef | null>;
}
