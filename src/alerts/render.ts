import type { Card, Reply, ReplyItem, ReplyMention } from '../core/reply.js';
import { clip } from '../core/text.js';
import { formatClock } from '../core/time.js';
import type { Article } from '../domain/article.js';
import type { Verification } from '../domain/approval.js';
import type { Summarizer } from '../summarize/types.js';
import type { Subscription } from '../domain/subscription.js';
import { describeChanges, type WhatChanged } from './what-changed.js';
import { sourcesLine } from './story-sources.js';
import { PRIORITY_RANK } from '../domain/article.js';
import { keywordHaystack, normalizeWords } from './match.js';

/** Items listed in a digest or fold message; the rest are counted. */
export const GROUP_ITEMS_SHOWN = 10;
const TLDR_MAX = 300;

export interface AlertRenderOptions {
  /** Time zone for "Updated HH:MM" (the subscription's, else TIMEZONE). */
  timeZone: string;
  /** One-sentence summary; the dek is used when there is none. */
  tldr?: string;
  test?: boolean;
  /** Other outlets carrying the story (src/alerts/story-sources.ts): "+N sources: …". */
  otherSources?: readonly string[];
  /** How sure the newsroom is (the editor's label, else the source's): a word in the badge, never a colour alone. */
  label?: Verification | null;
}

export type AlertArticle = Pick<
  Article,
  'id' | 'url' | 'title' | 'dek' | 'body' | 'section' | 'source' | 'publishedAt' | 'updatedAt' | 'priority' | 'status' | 'imageUrl' | 'version'
> & { topics?: string[] };

/**
 * An article as an alert. Every string stays plain text; the adapters escape it. Pings come only from the
 * subscription (an admin's choice), only on breaking alerts, never from anything in the article.
 */
export function renderAlert(article: AlertArticle, sub: Subscription | null, opts: AlertRenderOptions): Reply {
  const retracted = article.status === 'retracted';
  const badges: string[] = [];
  if (opts.test) badges.push('TEST');
  if (retracted) badges.push('RETRACTED');
  else {
    if (article.priority === 'breaking') badges.push('BREAKING');
    if (article.priority === 'urgent') badges.push('URGENT');
    if (article.status === 'corrected') badges.push('CORRECTED');
    if (opts.label) badges.push(opts.label.toUpperCase());
  }
  const lines: string[] = [];
  if (retracted) lines.push('This story has been retracted by its publisher.');
  else {
    const summary = opts.tldr?.trim() || article.dek.trim();
    if (summary) lines.push(clip(summary, TLDR_MAX));
    const sources = sourcesLine(opts.otherSources ?? []);
    if (sources) lines.push(clip(sources, TLDR_MAX));
  }
  if (article.version > 1) lines.push(`Updated ${formatClock(new Date(article.updatedAt), opts.timeZone)}`);

  const card: Card = {
    title: article.title,
    url: article.url ?? undefined,
    text: lines.join('\n\n') || undefined,
    footer: [article.source, article.section].filter(Boolean).join(' · ') || undefined,
    timestamp: article.publishedAt,
    priority: article.priority,
    imageUrl: retracted ? undefined : (article.imageUrl ?? undefined),
    badge: badges.length ? badges.join(' · ') : undefined,
    struck: retracted,
  };
  const mention = opts.test || retracted ? undefined : mentionFor(article, sub);
  const labels = [article.section, retracted ? 'RETRACTED' : ''].filter((l): l is string => Boolean(l));
  const publish = !opts.test && !retracted && article.priority === 'breaking' && Boolean(sub?.publish);
  return {
    kind: 'answer',
    visibility: 'channel',
    cards: [card],
    ...(opts.test ? { text: 'TEST alert: this is what an alert in this channel looks like.' } : {}),
    ...(mention ? { mention } : {}),
    topic: { title: article.title, labels },
    ...(publish ? { publish } : {}),
  };
}

/** Pings on one alert: the subscription's own (breaking only), then each mention rule the story matches; at most 3. */
const MAX_MENTIONS = 3;

function mentionFor(article: AlertArticle, sub: Subscription | null): ReplyMention | undefined {
  if (!sub) return undefined;
  const base = article.priority === 'breaking'
    ? sub.platform === 'discord' && sub.mentionRoleId ? [sub.mentionRoleId] : sub.platform === 'slack' && sub.mentionHere ? ['here'] : []
    : [];
  const haystack = keywordHaystack({ title: article.title, dek: article.dek, topics: article.topics ?? [] });
  const ruled = (sub.mentionRules ?? []).filter((rule) =>
    (rule.minPriority === null || PRIORITY_RANK[article.priority] <= PRIORITY_RANK[rule.minPriority]) &&
    (rule.sections.length === 0 || rule.sections.includes(article.section.toLowerCase())) &&
    (rule.keywords.length === 0 || rule.keywords.some((k) => ` ${haystack} `.includes(` ${normalizeWords(k)} `))),
  ).map((rule) => rule.mention);
  const all = [...new Set([...base, ...ruled])].slice(0, MAX_MENTIONS);
  if (all.length === 0) return undefined;
  if (sub.platform === 'discord') return { discordRoleId: all[0], ...(all.length > 1 ? { discordRoleIds: all.slice(1) } : {}) };
  if (sub.platform === 'slack') {
    const groups = all.filter((m) => m !== 'here');
    return { ...(all.includes('here') ? { slackHere: true } : {}), ...(groups.length ? { slackSubteamIds: groups } : {}) };
  }
  return undefined;
}

export interface FollowUpOptions extends AlertRenderOptions {
  /** What changed since the version the thread last showed (src/alerts/what-changed.ts); without it, the TL;DR. */
  changes?: WhatChanged | null;
  /** Whose mention the reply may repeat: on a breaking story whose headline or numbers changed. */
  sub?: Subscription | null;
}

/** A thread reply under the alert when the story changes (subscriptions with follow-ups on). */
export function renderFollowUp(article: AlertArticle, opts: FollowUpOptions): Reply {
  const when = formatClock(new Date(article.updatedAt), opts.timeZone);
  const changes = opts.changes ?? null;
  const lines = changes && article.status !== 'retracted' ? describeChanges(changes).map((l) => clip(l, TLDR_MAX)) : [];
  const corrected = article.status === 'corrected' && (!changes || changes.status !== null);
  const what = article.status === 'retracted' ? 'Retracted' : corrected ? 'Correction' : 'Update';
  const card: Card = {
    badge: what.toUpperCase(),
    title: article.title,
    url: article.url ?? undefined,
    text: article.status === 'retracted'
      ? `${when}: this story has been retracted by its publisher.`
      : lines.length > 0
        ? [`What changed at ${when}:`, ...lines].join('\n')
        : `${when}: ${clip(opts.tldr?.trim() || article.dek.trim() || 'The story has been updated.', TLDR_MAX)}`,
    struck: article.status === 'retracted',
    priority: article.priority,
  };
  const ping = changes !== null && (changes.headline !== null || changes.numbers.length > 0) && article.status !== 'retracted';
  const mention = ping ? mentionFor(article, opts.sub ?? null) : undefined;
  return { kind: 'answer', visibility: 'channel', cards: [card], ...(mention ? { mention } : {}) };
}

/** "While you were away: N stories" (quiet hours) or "N more stories" (a pile-up folded into one message). */
export function renderGroup(kind: 'digest' | 'fold', articles: AlertArticle[], opts: { timeZone: string; label?: string }): Reply {
  const n = articles.length;
  const stories = `${n} ${n === 1 ? 'story' : 'stories'}`;
  const items: ReplyItem[] = articles.slice(0, GROUP_ITEMS_SHOWN).map((a) => ({
    title: a.title,
    url: a.url ?? undefined,
    meta: [formatClock(new Date(a.publishedAt), opts.timeZone), a.section, a.source].filter(Boolean).join(' · '),
    id: a.id,
    priority: a.priority,
  }));
  const rest = n - items.length;
  return {
    kind: 'answer',
    visibility: 'channel',
    cards: [{
      title: kind === 'digest' ? `${opts.label ?? 'While you were away'}: ${stories}` : `${n} more ${n === 1 ? 'story' : 'stories'}`,
      items,
      footer: rest > 0 ? `and ${rest} more — /news for the rest` : undefined,
    }],
  };
}
