import type { Card, ReplyField } from '../core/reply.js';
import { clip } from '../core/text.js';
import { relativeTime } from '../core/time.js';
import type { BriefingSchedule, Subscription, SubscriptionHealth } from '../domain/subscription.js';
import { describeDays, describeSchedule, sayWhen } from './briefing-schedule.js';
import type { ChannelCheck } from '../outbound/port.js';

/** One subscription as `/alerts list` and `/alerts subscribe` show it: settings, who set it up, health. */
export function describeSubscription(sub: Subscription, health: SubscriptionHealth | null, now: Date): Card {
  if (sub.briefing) return describeBriefing(sub, sub.briefing, health, now);
  const where = `#${sub.channelName ?? sub.channel.split('/').pop()!.replace(/^terminal:/, '')}`;
  const filters = [
    `${sub.minPriority}+`,
    sub.sections.length ? `sections: ${sub.sections.join(', ')}` : null,
    sub.keywords.length ? `keywords: ${sub.keywords.join(', ')}` : null,
    sub.mentionRoleId ? `mentions role ${sub.mentionRoleId} on breaking` : sub.mentionHere ? 'mentions @here on breaking' : null,
    sub.quiet ? `quiet ${sub.quiet.from}–${sub.quiet.to} ${sub.quiet.tz}` : null,
    sub.threads ? 'updates in threads' : null,
    sub.publish ? 'publishes breaking alerts' : null,
    sub.approvalChannel ? `editors approve each alert in #${sub.approvalChannelName ?? sub.approvalChannel.split('/').pop()!.replace(/^terminal:/, '')}` : null,
    ...(sub.mentionRules ?? []).map((r) => `pings ${r.mention === 'here' ? '@here' : /^\d+$/.test(r.mention) ? `role ${r.mention}` : `group ${r.mention}`}${
      [r.sections.length ? ` section ${r.sections.join('/')}` : '', r.keywords.length ? ` keywords ${r.keywords.join('/')}` : '', r.minPriority ? ` ${r.minPriority}+` : ''].join('') || ' on every alert'}`),
  ].filter(Boolean);
  const fields: ReplyField[] = [
    { name: 'Filters', value: filters.join(' · '), inline: false },
    { name: 'Set up', value: `by ${sub.createdByName} ${relativeTime(sub.createdAt, now)}`, inline: true },
  ];
  if (health) {
    const last = health.lastSentAt ? relativeTime(new Date(health.lastSentAt).toISOString(), now) : 'never';
    const parts = [`last alert ${last}`, `${health.sent} sent`, `${health.failed} failed`];
    if (health.queued) parts.push(`${health.queued} queued`);
    // Tests are not alerts (not in "sent"), but an admin who just ran one expects to see it.
    if (health.lastTestAt) parts.push(`last test ${relativeTime(new Date(health.lastTestAt).toISOString(), now)}`);
    fields.push({ name: 'Health', value: parts.join(' · '), inline: true });
    const p = health.publishing;
    if (p) {
      const held = p.held ? ` · ${p.held} held${p.lastProblem ? ` (${p.lastProblem})` : ''}` : '';
      fields.push({ name: 'Publishing (last hour)', value: clip(`${p.published} published · ${p.left} left this hour${held}`, 300) });
    }
    if (health.platformProblem) fields.push({ name: 'Platform', value: clip(`deliveries held: ${health.platformProblem}`, 300) });
    if (health.lastError && !sub.paused) fields.push({ name: 'Last error', value: clip(health.lastError, 300) });
  }
  if (sub.paused) fields.push({ name: 'PAUSED', value: clip(sub.pausedReason ?? 'paused', 300) });
  return { title: `${sub.id} → ${where}`, fields, badge: sub.paused ? 'PAUSED' : undefined };
}

/**
 * A scheduled briefing as `/alerts list` shows it: "briefing 07:30 Europe/London mon-fri · next Mon 07:30", its
 * sections, its posts, and the runs missed lately (every instance was down two hours or more: skipped).
 */
function describeBriefing(sub: Subscription, schedule: BriefingSchedule, health: SubscriptionHealth | null, now: Date): Card {
  const where = `#${sub.channelName ?? sub.channel.split('/').pop()!.replace(/^terminal:/, '')}`;
  const line = sub.paused ? `briefing ${schedule.at} ${schedule.tz} ${describeDays(schedule.days)} · paused` : describeSchedule(schedule, now.getTime());
  const fields: ReplyField[] = [
    { name: 'Briefing', value: [line, sub.sections.length ? `sections: ${sub.sections.join(', ')}` : 'every section'].join(' · '), inline: false },
    { name: 'Set up', value: `by ${sub.createdByName} ${relativeTime(sub.createdAt, now)}`, inline: true },
  ];
  if (health) {
    const last = health.lastSentAt ? relativeTime(new Date(health.lastSentAt).toISOString(), now) : 'never';
    const parts = [`last posted ${last}`, `${health.sent} posted`, `${health.failed} failed`];
    if (health.lastTestAt) parts.push(`last test ${relativeTime(new Date(health.lastTestAt).toISOString(), now)}`);
    fields.push({ name: 'Health', value: parts.join(' · '), inline: true });
    if (health.missedRuns?.length) {
      const said = health.missedRuns.map((at) => sayWhen(at, now.getTime(), schedule.tz)).join(', ');
      fields.push({ name: 'Missed', value: clip(`${said}: no instance was running for two hours after the run's time, so it was skipped`, 300) });
    }
    if (health.platformProblem) fields.push({ name: 'Platform', value: clip(`deliveries held: ${health.platformProblem}`, 300) });
    if (health.lastError && !sub.paused) fields.push({ name: 'Last error', value: clip(health.lastError, 300) });
  }
  if (sub.paused) fields.push({ name: 'PAUSED', value: clip(sub.pausedReason ?? 'paused', 300) });
  return { title: `${sub.id} → ${where}`, fields, badge: sub.paused ? 'PAUSED' : undefined };
}

/** Why the bot cannot post in a channel, as /alerts subscribe and /alerts ops say it. */
export function cannotPost(check: ChannelCheck, again: string): string {
  const where = check.name ? `#${check.name}` : 'that channel';
  const why = check.problem ?? `missing ${check.missing.join(', ') || 'access'}`;
  return `I cannot post in ${where}: ${why}. Fix that and run ${again} again.`;
}

const FEED_FIELDS_SHOWN = 15;

/** The poller's figures as words ("3 failures in a row"); null leaves a figure out (no failures: nothing to say). */
const FEED_WORDS: Record<string, (v: string | number | boolean, now: Date) => string | null> = {
  url: (v) => String(v),
  status: (v) => String(v),
  lastSuccess: (v, now) => `last success ${relativeTime(String(v), now)}`,
  consecutiveFailures: (v) => (Number(v) > 0 ? `${v} failure${Number(v) === 1 ? '' : 's'} in a row` : null),
  lastError: (v) => `last error: ${v}`,
  nextPoll: (v, now) => {
    const minutes = Math.round((Date.parse(String(v)) - now.getTime()) / 60_000);
    return Number.isNaN(minutes) ? null : minutes <= 0 ? 'next poll now' : `next poll in ${minutes < 60 ? `${minutes} min` : `${Math.round(minutes / 60)} h`}`;
  },
};

/**
 * Feed health as the poller reports it, in words. The poller owns the shape: a figure this does not know yet is
 * still shown, named as the poller names it.
 */
export function describeFeeds(feeds: ReadonlyArray<object>, now: Date = new Date()): Card {
  if (feeds.length === 0) return { title: 'Feeds', text: 'No feeds configured.' };
  const fields = feeds.slice(0, FEED_FIELDS_SHOWN).map((feed): ReplyField => {
    const entries = Object.entries(feed).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
    const named = entries.find(([k]) => /^(name|title|id)$/i.test(k)) ?? entries.find(([k]) => /url/i.test(k));
    const said = (k: string, v: string | number | boolean) => (FEED_WORDS[k] ? FEED_WORDS[k](v, now) : `${k}: ${v}`);
    const rest = entries.filter((e) => e !== named && e[1] !== null).map(([k, v]) => said(k, v as string | number | boolean))
      .filter((text): text is string => text !== null).map((text) => clip(text, 140));
    return { name: clip(String(named?.[1] ?? 'feed'), 200), value: clip(rest.join(' · ') || 'no figures reported', 1000) };
  });
  return { title: `Feeds (${feeds.length})`, fields, footer: feeds.length > FEED_FIELDS_SHOWN ? `and ${feeds.length - FEED_FIELDS_SHOWN} more` : undefined };
}
