import type { Card, ReplyField } from '../core/reply.js';
import { clip } from '../core/text.js';
import { relativeTime } from '../core/time.js';
import type { Subscription, SubscriptionHealth } from '../domain/subscription.js';

/** One subscription as `/alerts list` and `/alerts subscribe` show it: settings, who set it up, health. */
export function describeSubscription(sub: Subscription, health: SubscriptionHealth | null, now: Date): Card {
  const where = `#${sub.channelName ?? sub.channel.split('/').pop()!.replace(/^terminal:/, '')}`;
  const filters = [
    `${sub.minPriority}+`,
    sub.sections.length ? `sections: ${sub.sections.join(', ')}` : null,
    sub.keywords.length ? `keywords: ${sub.keywords.join(', ')}` : null,
    sub.mentionRoleId ? `mentions role ${sub.mentionRoleId} on breaking` : sub.mentionHere ? 'mentions @here on breaking' : null,
    sub.quiet ? `quiet ${sub.quiet.from}–${sub.quiet.to} ${sub.quiet.tz}` : null,
    sub.threads ? 'updates in threads' : null,
  ].filter(Boolean);
  const fields: ReplyField[] = [
    { name: 'Filters', value: filters.join(' · '), inline: false },
    { name: 'Set up', value: `by ${sub.createdByName} ${relativeTime(sub.createdAt, now)}`, inline: true },
  ];
  if (health) {
    const last = health.lastSentAt ? relativeTime(new Date(health.lastSentAt).toISOString(), now) : 'never';
    const parts = [`last alert ${last}`, `${health.sent} sent`, `${health.failed} failed`];
    if (health.queued) parts.push(`${health.queued} queued`);
    fields.push({ name: 'Health', value: parts.join(' · '), inline: true });
    if (health.platformProblem) fields.push({ name: 'Platform', value: clip(`deliveries held: ${health.platformProblem}`, 300) });
    if (health.lastError && !sub.paused) fields.push({ name: 'Last error', value: clip(health.lastError, 300) });
  }
  if (sub.paused) fields.push({ name: 'PAUSED', value: clip(sub.pausedReason ?? 'paused', 300) });
  return { title: `${sub.id} → ${where}`, fields, badge: sub.paused ? 'PAUSED' : undefined };
}

const FEED_FIELDS_SHOWN = 15;

/**
 * Feed health as the poller reports it. The poller owns the shape; every plain value it reports is shown,
 * named as it names it, so a new health figure appears here without a change.
 */
export function describeFeeds(feeds: ReadonlyArray<object>): Card {
  if (feeds.length === 0) return { title: 'Feeds', text: 'No feeds configured.' };
  const fields = feeds.slice(0, FEED_FIELDS_SHOWN).map((feed): ReplyField => {
    const entries = Object.entries(feed).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
    const named = entries.find(([k]) => /^(name|title|id)$/i.test(k)) ?? entries.find(([k]) => /url/i.test(k));
    const rest = entries.filter((e) => e !== named && e[1] !== null).map(([k, v]) => `${k}: ${clip(String(v), 120)}`);
    return { name: clip(String(named?.[1] ?? 'feed'), 200), value: clip(rest.join(' · ') || 'no figures reported', 1000) };
  });
  return { title: `Feeds (${feeds.length})`, fields, footer: feeds.length > FEED_FIELDS_SHOWN ? `and ${feeds.length - FEED_FIELDS_SHOWN} more` : undefined };
}
