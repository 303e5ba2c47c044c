import { formatClock } from '../core/time.js';
import type { Article } from '../domain/article.js';
import { matchSubscription } from './match.js';
import type { Delivery, StoryRecall, StoryRecord } from '../domain/delivery.js';
import type { Subscription } from '../domain/subscription.js';
import type { WhyLine } from '../core/alerts-service.js';
import type { ApprovalDecision } from '../domain/approval.js';

export interface WhyInput {
  article: Article;
  sub: Subscription;
  story: StoryRecord | null;
  /** The outbox row of the article's story for this subscription, if any. */
  row: Delivery | null;
  /** The digest or fold row it went into, if any. */
  group: Delivery | null;
  now: Date;
  timeZone: string;
  /** A recall of the story in this scope, or the newsroom's kill. */
  recall?: StoryRecall | null;
  /** Why the platform's deliveries are all held (it refused the bot itself), or null. */
  platformProblem?: string | null;
  /** The decision on the story in the subscription's approval channel, if it has one. */
  approval?: ApprovalDecision | null;
}

/** "14:05", or "14:05 on 2026-11-24" when not today. */
export function formatWhen(ms: number, now: Date, timeZone: string): string {
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' }).format(d);
  const when = new Date(ms);
  const clock = formatClock(when, timeZone);
  return day(when) === day(now) ? clock : `${clock} on ${day(when)}`;
}

/**
 * One subscription's answer to "why was (or wasn't) this article delivered here?", from the outbox row when
 * there is one (what actually happened), else from the same filters the fan-out applies.
 */
export function explainDelivery(input: WhyInput): WhyLine {
  const { article, sub, story, row, now, timeZone } = input;
  const at = (ms: number) => formatWhen(ms, now, timeZone);
  const line = (delivered: boolean, explanation: string): WhyLine => ({ subscription: sub, delivered, explanation });
  const duplicate = story?.duplicateOf ? `duplicate of ${story.duplicateOf} (${story.duplicateReason ?? 'same story'})` : null;

  if (row?.deleteState) {
    const what = row.deleteNote ?? 'recalled';
    if (row.deleteState === 'deleted') return line(false, `${what}: the alert was deleted at ${at(row.deletedAt ?? row.updatedAt)}`);
    if (row.deleteState === 'failed') return line(false, `${what}, but the alert could not be deleted: ${row.lastError ?? 'refused'}`);
    return line(false, `${what}: the alert is being deleted`);
  }
  if (input.recall && !row) {
    const who = input.recall.kind === 'kill' ? 'killed by the newsroom' : `recalled by ${input.recall.by.name}: ${input.recall.reason}`;
    return line(false, `${who} at ${at(input.recall.at)}; no alert goes out`);
  }
  if (article.embargoUntil) return line(false, `embargoed until ${at(Date.parse(article.embargoUntil))} (${timeZone}); alerts go out then`);
  if (story?.quiet) return line(false, 'not alerted: it came in the first poll of a newly added feed, which is stored without alerts');
  if (row && duplicate && row.articleId !== article.id) {
    return line(false, `not sent again: ${duplicate}; that story was ${describeRow(row, input.group, at)}`);
  }
  if (row?.state === 'pending' && input.platformProblem) {
    return line(false, `queued: every ${sub.platform} alert is held because the platform refused the bot itself (${input.platformProblem}); it goes out once that is fixed`);
  }
  if (row && sub.approvalChannel) {
    const where = `#${sub.approvalChannelName ?? sub.approvalChannel.split('/').pop()!.replace(/^terminal:/, '')}`;
    const decision = input.approval;
    if (row.state === 'waiting') {
      const held = decision?.outcome === 'held' ? `; held by ${decision.by.name} at ${at(decision.at)}` : '';
      return line(false, `waiting for approval in ${where} since ${at(row.createdAt)}${held}`);
    }
    if (decision?.outcome === 'approved') {
      return line(row.state === 'sent', `approved by ${decision.by.name} at ${at(decision.at)}${decision.label ? ` (${decision.label})` : ''}; ${describeRow(row, input.group, at)}`);
    }
  }
  if (row) return line(row.state === 'sent', describeRow(row, input.group, at));

  const match = matchSubscription(article, sub);
  const prefix = duplicate ? `${duplicate}; ` : '';
  if (!match.matches) return line(false, `${prefix}not delivered: ${match.reason}`);
  if (!story) return line(false, `${prefix}not delivered: it was stored before alerts were running`);
  if (article.status === 'retracted') return line(false, `${prefix}not delivered: retracted`);
  if (Date.parse(article.ingestedAt) < Date.parse(sub.createdAt)) {
    return line(false, `${prefix}not delivered: it arrived before this subscription was set up`);
  }
  return line(false, `${prefix}not delivered: it matches only since an update, and updates alert only when they raise the priority`);
}

function describeRow(row: Delivery, group: Delivery | null, at: (ms: number) => string): string {
  switch (row.state) {
    case 'sent': {
      const where = row.foldedInto
        ? group?.kind === 'digest' ? ' in the "While you were away" message' : ' in an "N more stories" message'
        : '';
      const edited = row.deliveredVersion && row.deliveredVersion > 1 && !row.foldedInto ? `, edited to version ${row.deliveredVersion}` : '';
      const pendingEdit = row.dueAt !== null ? ' (an edit for the latest version is queued)' : '';
      return `sent at ${at(row.sentAt ?? row.updatedAt)}${where}${edited}${pendingEdit}`;
    }
    case 'pending':
      return row.attempts > 0 && row.lastError
        ? `queued: rate-limited or refused for now (${row.lastError}); next try at ${at(row.dueAt ?? row.updatedAt)}`
        : `queued behind the channel's rate limit; going out at ${at(row.dueAt ?? row.updatedAt)} at the latest`;
    case 'sending':
      return 'being sent right now';
    case 'waiting':
      return `waiting for an editor's approval since ${at(row.createdAt)}`;
    case 'held':
      return `held for quiet hours; it goes out in one "While you were away" message at ${at(group?.dueAt ?? row.updatedAt)}`;
    case 'folded':
      return 'folded into one "N more stories" message (too many routine stories at once), queued';
    case 'skipped':
      return `skipped: ${row.reason ?? 'no reason recorded'}`;
    case 'failed':
      return `failed: ${row.reason ?? row.lastError ?? 'no reason recorded'}`;
  }
}
