/**
 * The platform-neutral answer model. Every string here is plain, untrusted text:
 * renderers (Discord embeds, Slack Block Kit, terminal) escape it and enforce their own limits.
 */
import type { Priority } from '../domain/article.js';

export interface ReplyField {
  name: string;
  value: string;
  inline?: boolean;
}

/** One line of a list: a headline in /news, a story in a briefing. */
export interface ReplyItem {
  title: string;
  url?: string;
  /** Short text under the title (dek, TL;DR). */
  text?: string;
  /** "2h ago · World · Reuters" */
  meta?: string;
  /** Article id, shown so users can pass it to /summary. */
  id?: string;
  priority?: Priority;
}

export interface ReplyButton {
  label: string;
  /** Opaque action id handed back to the dispatcher on click; at most 100 characters. */
  action: string;
  style?: 'primary' | 'secondary' | 'danger';
}

/** A card becomes one Discord embed, or a group of Slack blocks. */
export interface Card {
  title?: string;
  url?: string;
  text?: string;
  fields?: ReplyField[];
  items?: ReplyItem[];
  footer?: string;
  /** ISO 8601 */
  timestamp?: string;
  priority?: Priority;
  imageUrl?: string;
  /** Short label shown before the title: BREAKING, TEST, RETRACTED, CORRECTED. */
  badge?: string;
  /** Retracted stories are struck through. */
  struck?: boolean;
}

export interface ReplyMention {
  /** Discord role id, from an admin's subscription setting, never from article text. */
  discordRoleId?: string;
  /** Slack `<!here>`, from an admin's subscription setting only. */
  slackHere?: boolean;
  /** More Discord role ids (mention rules that matched), from an admin's settings only. */
  discordRoleIds?: string[];
  /** Slack user group ids (`<!subteam^S…>`), from an admin's mention rules only. */
  slackSubteamIds?: string[];
}

export interface Reply {
  kind: 'answer' | 'error';
  /** A plain line above the cards. */
  text?: string;
  cards: Card[];
  buttons?: ReplyButton[];
  /** ephemeral = only the person who asked sees it (where the platform allows). */
  visibility: 'ephemeral' | 'channel';
  /** Offer "Share in channel" for ephemeral answers worth sharing (Slack). */
  shareable?: boolean;
  mention?: ReplyMention;
  /**
   * Where a platform files each message under a title and labels (a Discord forum post): the title, and the label
   * names to apply when the place has labels of those names (matched case-insensitively; others are ignored).
   */
  topic?: ReplyTopic;
  /** Announce it beyond the channel where the platform can (Discord: publish from an announcement channel). */
  publish?: boolean;
}

export interface ReplyTopic {
  title: string;
  labels: string[];
}

export function answer(parts: Partial<Omit<Reply, 'kind'>> = {}): Reply {
  return { kind: 'answer', cards: [], visibility: 'ephemeral', ...parts };
}

export function errorReply(text: string): Reply {
  return { kind: 'error', text, cards: [], visibility: 'ephemeral' };
}

export function isReply(value: unknown): value is Reply {
  if (!value || typeof value !== 'object') return false;
  const r = value as Reply;
  return (r.kind === 'answer' || r.kind === 'error') && Array.isArray(r.cards) &&
    (r.visibility === 'ephemeral' || r.visibility === 'channel');
}
