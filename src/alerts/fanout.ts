import { randomBytes } from 'node:crypto';
import type { ArticleStore, OutboxStore, StoryStore, SubscriptionStore } from '../store/types.js';
import { otherSources } from './story-sources.js';
import type { Article } from '../domain/article.js';
import type { NewDelivery } from '../domain/delivery.js';
import type { UpsertResult } from '../store/types.js';
import { headlineKey } from './dedupe.js';
import type { HeadlineIndex } from './headline-index.js';
import { keywordHaystack, matchSubscription } from './match.js';
import { quietState } from './quiet-hours.js';
import { isNewsroomOrigin, PRIORITY_RANK } from '../domain/article.js';
import { type Subscription } from '../domain/subscription.js';
import type { Approvals } from './approvals.js';

/** Routine alerts waiting for one subscription beyond this many are folded into one "N more stories" message. */
export const FOLD_THRESHOLD = 5;

/** Delivery ids double as Discord nonces (≤ 25 characters): 12 URL-safe characters. */
export function newDeliveryId(): string {
  // One system call per 512 ids: a bulk load makes one id per (article, subscription).
  if (idPoolAt >= idPool.length) {
    idPool = randomBytes(9 * 512);
    idPoolAt = 0;
  }
  idPoolAt += 9;
  return idPool.subarray(idPoolAt - 9, idPoolAt).toString('base64url');
}
let idPool = Buffer.alloc(0);
let idPoolAt = 0;

export interface FanoutDeps {
  subscriptions: SubscriptionStore;
  outbox: OutboxStore;
  stories: StoryStore;
  /** Recent headlines in memory: near-duplicates are found without reading the table per article. */
  headlines: HeadlineIndex;
  now: () => Date;
  /** The members' sources: a member whose outlet is new to the story edits its alerts ("+N sources"). */
  articles?: Pick<ArticleStore, 'get'>;
  /** Editor approval (src/alerts/approvals.ts): subscriptions with an approval channel wait for a decision. */
  approvals?: Approvals;
}

/** The store's change; `quiet` marks a feed's first poll (stored, indexed, never alerted). */
export type AlertableChange = UpsertResult;

/**
 * The article-change listener. It runs inside the store's write transaction, so an article and
 * its outbox rows commit together or not at all: no alert is lost between "stored" and "queued".
 * Returns how many rows became due now (the dispatcher is woken after the commit when > 0).
 */
export async function fanOut(deps: FanoutDeps, change: AlertableChange): Promise<number> {
  // A metadata-only change (same version) is not news: no story, no alert, no edit; but a new verification label from
  // the source edits the story's posted alerts (once, however many changes come before the edit goes out).
  if (change.outcome === 'unchanged') return change.metadataChanged ? relabelled(deps, change) : 0;
  const { article } = change;
  // A held (embargoed) story is nobody's news yet: no story, no take-over of another origin's posted alert, no row.
  // Its lift comes back here as a 'created' change, with the version current then.
  if (article.embargoUntil !== null) return 0;
  // The newsroom's kill: every posted copy of the story's alert is deleted, everywhere; nothing more goes out.
  if (article.status === 'killed') return change.outcome === 'created' ? 0 : kill(deps, article, deps.now().getTime());
  const now = deps.now();
  const nowMs = now.getTime();
  let story = await deps.stories.story(article.id);

  if (!story) {
    const quiet = Boolean(change.quiet);
    const { storyId, reason } = quiet ? { storyId: article.id, reason: null } : await resolveStory(deps, article, nowMs);
    const titleKey = headlineKey(article.title);
    await deps.stories.addStory({ articleId: article.id, storyId, origin: article.origin, canonicalUrl: article.canonicalUrl, titleKey, duplicateReason: reason, quiet, seenAt: nowMs });
    deps.headlines.add(article.id, storyId, titleKey, nowMs, article.origin);
    story = (await deps.stories.story(article.id))!;
    if (storyId === article.id) await deps.stories.setShown(storyId, article.id);
    if (quiet) return 0;
    const edits = storyId !== article.id ? await takeOver(deps, article, storyId, nowMs) : 0;
    if (storyId !== article.id) await sourceJoined(deps, article, storyId, nowMs);
    // A subscription the story's first article did not match may match this member: it gets its own row.
    if (change.outcome === 'created') return edits + (article.status === 'retracted' ? 0 : await queueForSubscriptions(deps, article, storyId, now));
  }
  if (change.outcome !== 'updated') return 0;
  if (story.storyId !== article.id) {
    // A member that is not the story's first article: its update shows only if its text is (or now takes over) the story's.
    if ((await deps.stories.shown(story.storyId)) !== article.id) return takeOver(deps, article, story.storyId, nowMs);
  }

  const rank = article.status === 'retracted' ? 0 : PRIORITY_RANK[article.priority];
  const edits = await deps.outbox.retarget(article.id, article.version, rank, nowMs);
  // A preview shows the new version (or says the story was retracted, skipping what waited on it).
  await deps.approvals?.storyChanged(article, story.storyId, nowMs);
  // A story raised in priority may now reach subscriptions it did not before; others only get edits.
  const raised = change.previous && PRIORITY_RANK[article.priority] < PRIORITY_RANK[change.previous.priority];
  if (!raised || story.quiet || article.status === 'retracted') return edits;
  return edits + await queueForSubscriptions(deps, article, story.storyId, now);
}

/**
 * Which member's text a story's alerts show: among the newsroom's own origins (push, files) the latest version
 * wins, and a newsroom member wins over feeds; among feeds the first keeps the text. A member joining a story
 * whose alert is out edits it only when the text shown changes: no edit storms from feeds repeating a link.
 */
async function takeOver(deps: FanoutDeps, article: Article, storyId: string, nowMs: number): Promise<number> {
  if (!isNewsroomOrigin(article.origin) || article.status === 'retracted') return 0;
  await deps.stories.setShown(storyId, article.id);
  return deps.outbox.reassign(storyId, article.id, article.version, PRIORITY_RANK[article.priority], nowMs);
}

/**
 * A member joined the story: when its outlet is new to it, the story's alerts that are out are edited to name it
 * ("+N sources"), coalesced by the outbox (at most one sources-only edit per story and channel per 10 minutes; the
 * store announces the due time, which wakes the dispatcher).
 */
async function sourceJoined(deps: FanoutDeps, article: Article, storyId: string, nowMs: number): Promise<void> {
  if (!deps.articles || article.status === 'retracted') return;
  const shownId = await deps.stories.shown(storyId);
  const shown = shownId ? await deps.articles.get(shownId, { includeHidden: true }) : null;
  if (!shown) return;
  const sources = { stories: deps.stories, articles: deps.articles };
  const withIt = await otherSources(sources, storyId, shown);
  const withoutIt = await otherSources(sources, storyId, shown, { without: article.id });
  if (withIt.length !== withoutIt.length) await deps.outbox.sourcesJoined(storyId, nowMs);
}

async function relabelled(deps: FanoutDeps, change: AlertableChange): Promise<number> {
  if (!change.previous || change.previous.verification === change.article.verification) return 0;
  const story = await deps.stories.story(change.article.id);
  // Only the member whose text the story shows speaks for it; an editor's label wins over any source's.
  if (!story || (await deps.stories.shown(story.storyId)) !== change.article.id || (await deps.stories.label(story.storyId))) return 0;
  const nowMs = deps.now().getTime();
  await deps.outbox.touchPreviews(story.storyId, null, nowMs, false);
  return deps.outbox.relabel(story.storyId, nowMs);
}

/** A kill is a recall in every server and workspace, by the newsroom (an overlay on the story, not a version). */
async function kill(deps: FanoutDeps, article: Article, nowMs: number): Promise<number> {
  const storyId = (await deps.stories.story(article.id))?.storyId ?? article.id;
  const reason = 'killed by the newsroom';
  await deps.stories.addRecall({ storyId, platform: '*', workspace: '*', kind: 'kill', reason, by: { id: 'newsroom', name: 'the newsroom' }, at: nowMs });
  const { deletes } = await deps.outbox.recallRows(storyId, null, reason, nowMs);
  await deps.approvals?.storyChanged(article, storyId, nowMs);
  return deletes.length;
}

async function queueForSubscriptions(deps: FanoutDeps, article: Article, storyId: string, now: Date): Promise<number> {
  const nowMs = now.getTime();
  // A story recalled in a server or workspace raises no further alert there; a killed one nowhere.
  const recalls = await deps.stories.recalls(storyId);
  if (recalls.some((r) => r.kind === 'kill')) return 0;
  const recalled = (sub: Subscription) => recalls.some((r) => r.platform === sub.platform && r.workspace === sub.workspace);
  const rank = PRIORITY_RANK[article.priority];
  let dueNow = 0;
  // Plain rows (due now, or skipped for a paused subscription) go in with one statement each: a breaking story
  // for a thousand channels is two round trips to the database, not a thousand.
  const pending: NewDelivery[] = [];
  const skipped: NewDelivery[] = [];
  const gated: Array<{ sub: Subscription; row: NewDelivery }> = [];
  const haystack = keywordHaystack(article);
  for (const sub of await deps.subscriptions.active()) {
    // A scheduled briefing is a subscription of its own kind: it posts its runs, never alerts.
    if (sub.briefing) continue;
    if (recalled(sub) || !matchSubscription(article, sub, haystack).matches) continue;
    const base = {
      id: newDeliveryId(), storyId, articleId: article.id, subscriptionId: sub.id, kind: 'alert' as const,
      platform: sub.platform, channel: sub.channel, priorityRank: rank, targetVersion: article.version,
    };
    if (sub.paused) {
      skipped.push({ ...base, state: 'skipped', reason: `subscription paused${sub.pausedReason ? `: ${sub.pausedReason}` : ''}` });
      continue;
    }
    // An approval channel: the alert waits for an editor (quiet hours and folding do not apply to what editors approved).
    if (sub.approvalChannel && deps.approvals) {
      gated.push({ sub, row: { ...base, state: 'waiting' } });
      continue;
    }
    const quiet = article.priority === 'breaking' ? { quiet: false as const } : quietState(now, sub.quiet);
    if (quiet.quiet) {
      const digest = await openGroup(deps, sub, 'digest', quiet.endsAt.getTime(), `digest:${sub.id}:${quiet.endsAt.getTime()}`, nowMs);
      await deps.outbox.insert({ ...base, state: 'held', foldedInto: digest }, nowMs);
      continue;
    }
    if (rank === PRIORITY_RANK.routine && (await deps.outbox.countPendingRoutine(sub.id)) >= FOLD_THRESHOLD) {
      const fold = await openGroup(deps, sub, 'fold', nowMs, `fold:${newDeliveryId()}`, nowMs);
      if (await deps.outbox.insert({ ...base, state: 'folded', foldedInto: fold }, nowMs)) dueNow += 1;
      continue;
    }
    pending.push({ ...base, state: 'pending', dueAt: nowMs });
  }
  await deps.outbox.insertMany(skipped, nowMs);
  if (gated.length && deps.approvals) dueNow += await deps.approvals.queue(article, storyId, gated, nowMs);
  return dueNow + (await deps.outbox.insertMany(pending, nowMs));
}

/** The subscription's open digest (quiet hours) or fold (pile-up) row, created on first use. */
async function openGroup(deps: FanoutDeps, sub: Subscription, kind: 'digest' | 'fold', dueAt: number, storyId: string, nowMs: number): Promise<string> {
  const open = await deps.outbox.openGroup(sub.id, kind, kind === 'digest' ? storyId : undefined);
  if (open) return open.id;
  const id = newDeliveryId();
  const group = { id, storyId, articleId: null, subscriptionId: sub.id, kind, platform: sub.platform, channel: sub.channel, priorityRank: PRIORITY_RANK.routine, state: 'pending' as const, targetVersion: 1, dueAt };
  if (await deps.outbox.insert(group, nowMs)) return id;
  // This window's digest already went out (quiet hours changed, releasing it early): a new one under a fresh
  // story id, which openGroup still finds for the rest of the window.
  if (!(await deps.outbox.insert({ ...group, storyId: `${storyId}:${id}` }, nowMs))) throw new Error(`could not open a ${kind} for ${sub.id}`);
  return id;
}

/** The same story from another source: same canonical URL, or a near-identical headline within the window. */
async function resolveStory(deps: FanoutDeps, article: Article, nowMs: number): Promise<{ storyId: string; reason: string | null }> {
  if (article.canonicalUrl) {
    const byUrl = await deps.stories.storyByUrl(article.canonicalUrl, article.origin);
    if (byUrl && byUrl !== article.id) return { storyId: byUrl, reason: 'same URL' };
  }
  const key = headlineKey(article.title);
  if (!key) return { storyId: article.id, reason: null };
  const same = await deps.headlines.find(key, article.id, nowMs, article.origin);
  return same ? { storyId: same, reason: 'near-identical headline' } : { storyId: article.id, reason: null };
}
