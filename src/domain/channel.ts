/**
 * Where messages go. Channel references are one string type everywhere: `discord:<guildId>/<channelId>`,
 * `discord:dm/<channelId>`, `slack:<teamId>/<channelId>`, `terminal:<name>`. A message reference adds
 * `#<platform message id>` (Discord message id, Slack `ts`).
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

/**
 * Who a channel's posts are rate-limited with, and so who may send them (one instance at a time per bucket):
 * the Discord bot as a whole (one token, one global limit), each Slack workspace (Slack's limits are per
 * workspace), the terminal.
 */
export function senderBucket(platform: Platform, channel: ChannelRef): string {
  if (platform !== 'slack') return platform;
  const slash = channel.indexOf('/');
  return slash > 0 ? channel.slice(0, slash) : platform;
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
