import { PRIORITY_RANK } from '../domain/article.js';
import type { Delivery, NewDelivery } from '../domain/delivery.js';
import type { Subscription } from '../domain/subscription.js';
import type { Reply } from '../core/reply.js';
import type { BriefingDeps } from '../core/briefing.js';
import type { Logger } from '../log.js';
import type { OutboxStore, SubscriptionStore } from '../store/types.js';
import { FIRST_RUN_PERIOD_MS, scheduledBriefingReply, type ScheduledBriefing } from './briefing-run.js';
import { LATE_AFTER_MS, localDateOf, nextRun, previousRun, runTiming, sayWhen, type BriefingRun, type BriefingSchedule } from './briefing-schedule.js';
import { newDeliveryId } from './fanout.js';
import { Skip } from './retry.js';

/**
 * Scheduled briefings as outbox rows. Each run is one row keyed (`briefing:<subscription id>:<local date>`,
 * subscription), due at the run's instant: the outbox's one-row-per-pair rule makes a run happen once, whichever
 * instance writes or sends it. The next run's row is written when one is sent or skipped, and ensured at start
 * (writing it twice is harmless), so a crash never loses the schedule. Nothing here keeps state of its own.
 */

/** A briefing subscription, live: its schedule and sections. */
export type BriefingSubscription = Subscription & { briefing: BriefingSchedule };

export function isBriefing(sub: Subscription | null | undefined): sub is BriefingSubscription {
  return Boolean(sub?.briefing);
}

export function runKey(subscriptionId: string, localDate: string): string {
  return `briefing:${subscriptionId}:${localDate}`;
}

/** What a run row carries: its local date and the instant it was due (due_at moves with retries; this does not). */
export interface RunPayload {
  localDate: string;
  dueAt: number;
}

export function runOfRow(row: Pick<Delivery, 'payload' | 'dueAt' | 'createdAt'>): BriefingRun {
  const p = JSON.parse(row.payload ?? '{}') as Partial<RunPayload>;
  return { localDate: p.localDate ?? '', dueAt: p.dueAt ?? row.dueAt ?? row.createdAt };
}

export function scheduledBriefing(sub: BriefingSubscription): ScheduledBriefing {
  return { ...sub.briefing, sections: sub.sections };
}

/** A briefing is ranked with urgent alerts: after breaking news, before routine. */
const BRIEFING_RANK = PRIORITY_RANK.urgent;

export function runRow(sub: BriefingSubscription, run: BriefingRun): NewDelivery {
  return {
    id: newDeliveryId(), storyId: runKey(sub.id, run.localDate), articleId: null, subscriptionId: sub.id, kind: 'briefing',
    platform: sub.platform, channel: sub.channel, priorityRank: BRIEFING_RANK, state: 'pending', targetVersion: 1,
    dueAt: run.dueAt, payload: JSON.stringify({ localDate: run.localDate, dueAt: run.dueAt } satisfies RunPayload),
  };
}

/** Writes the row of the first run after `after` (none when it exists already); the run it is about. */
export async function writeNextRun(outbox: Pick<OutboxStore, 'insert'>, sub: BriefingSubscription, after: number, now: number): Promise<BriefingRun> {
  const run = nextRun(sub.briefing, after);
  await outbox.insert(runRow(sub, run), now);
  return run;
}

/**
 * After a pause: the first run from `after` with no row yet, or one still queued (a run skipped while paused keeps
 * its key, so the schedule goes on from the run after it).
 */
export async function resumeRuns(outbox: Pick<OutboxStore, 'insert' | 'forStory'>, sub: BriefingSubscription, after: number, now: number): Promise<BriefingRun> {
  let from = after;
  for (let i = 0; i < 14; i++) {
    const run = nextRun(sub.briefing, from);
    const row = await outbox.forStory(runKey(sub.id, run.localDate), sub.id);
    if (!row) {
      await outbox.insert(runRow(sub, run), now);
      return run;
    }
    if (row.state === 'pending' || row.state === 'sending') return run;
    from = run.dueAt;
  }
  throw new Error('no free briefing run within two weeks');
}

/**
 * At start, on every instance: each live, unpaused briefing has its next run's row (a row written already, by this
 * instance before a crash or by another, stays as it was). Returns how many schedules were looked at.
 */
export async function ensureBriefingRuns(deps: { subscriptions: Pick<SubscriptionStore, 'active'>; outbox: Pick<OutboxStore, 'insert'> }, now: number): Promise<number> {
  const briefings = (await deps.subscriptions.active()).filter(isBriefing).filter((s) => !s.paused);
  for (const sub of briefings) await writeNextRun(deps.outbox, sub, now, now);
  return briefings.length;
}

/** Runs looked back over for the previous posted one (a skipped run's stories go into the next posted one). */
const LOOK_BACK_RUNS = 7;

/**
 * Where a run's period starts: the previous posted run (its due time; its post time when it was posted late, so a
 * late briefing's stories are not repeated), or 24 hours before this run for the first.
 */
export async function periodStart(outbox: Pick<OutboxStore, 'forStory'>, sub: BriefingSubscription, run: BriefingRun): Promise<number> {
  let before = run.dueAt - 1;
  for (let i = 0; i < LOOK_BACK_RUNS; i++) {
    const prev = previousRun(sub.briefing, before);
    if (!prev) break;
    const row = await outbox.forStory(runKey(sub.id, prev.localDate), sub.id);
    if (row?.state === 'sent') {
      const due = runOfRow(row).dueAt;
      return row.sentAt !== null && row.sentAt - due > LATE_AFTER_MS ? row.sentAt : due;
    }
    before = prev.dueAt - 1;
  }
  return run.dueAt - FIRST_RUN_PERIOD_MS;
}

/** The run rows of a subscription missed lately (skipped: every instance was down for two hours or more), newest first. */
export async function missedRuns(outbox: Pick<OutboxStore, 'forStory'>, sub: BriefingSubscription, now: number, lookBack = 3): Promise<Array<{ run: BriefingRun; reason: string }>> {
  const out: Array<{ run: BriefingRun; reason: string }> = [];
  let before = now;
  for (let i = 0; i < lookBack; i++) {
    const prev = previousRun(sub.briefing, before);
    if (!prev) break;
    const row = await outbox.forStory(runKey(sub.id, prev.localDate), sub.id);
    if (row?.state === 'skipped' && row.reason?.startsWith(MISSED)) out.push({ run: runOfRow(row), reason: row.reason });
    before = prev.dueAt - 1;
  }
  return out;
}

/** How a missed run's row is marked skipped (and found again for /alerts list). */
export const MISSED = 'missed:';

/** What the dispatcher hands a run: the stores it reads and writes, the briefing builder's, and its logger. */
export interface RunDeps extends BriefingDeps {
  outbox: Pick<OutboxStore, 'insert' | 'forStory'>;
  subscriptions: Pick<SubscriptionStore, 'get' | 'find'>;
  logger: Logger;
}

/**
 * What a run row posts: the briefing of the period since the previous posted run. A run missed while every instance
 * was down posts if less than two hours late (marked late), else it is skipped (a Skip) and logged; /alerts list shows
 * it. A TEST row (`/alerts test <id>`) posts the briefing as a run now would.
 */
export async function briefingRunPost(deps: RunDeps, row: Delivery, sub: BriefingSubscription, now: number): Promise<Reply> {
  const schedule = scheduledBriefing(sub);
  if (row.kind === 'test') {
    const run = { localDate: localDateOf(now, sub.briefing.tz), dueAt: now };
    return scheduledBriefingReply(deps, schedule, run, { since: await periodStart(deps.outbox, sub, run), now, test: true });
  }
  const run = runOfRow(row);
  const timing = runTiming(run.dueAt, now);
  if (!timing.post) {
    deps.logger.warn({ subscription: sub.id, run: run.localDate, lateMs: timing.lateMs }, 'scheduled briefing missed: more than two hours late, skipped');
    throw new Skip(`${MISSED} due ${sayWhen(run.dueAt, now, sub.briefing.tz)}, ${Math.round(timing.lateMs / 60_000)} min late (no instance was running); the next run is scheduled`);
  }
  return scheduledBriefingReply(deps, schedule, run, { since: await periodStart(deps.outbox, sub, run), now, late: timing.late });
}

/**
 * A run sent, skipped or failed for good: the next run's row (from now, so a long outage does not replay a chain of
 * missed runs). None for a paused or removed briefing (resume writes it). A failure here is logged: the next start
 * writes it again (ensureBriefingRuns).
 */
export async function scheduleNextRun(deps: Pick<RunDeps, 'outbox' | 'subscriptions' | 'logger'>, row: Delivery, now: number): Promise<void> {
  try {
    const sub = await deps.subscriptions.get(row.subscriptionId);
    if (!isBriefing(sub) || sub.paused) return;
    const live = await deps.subscriptions.find({ platform: sub.platform, workspace: sub.workspace }, sub.id);
    if (!isBriefing(live) || live.paused) return;
    await writeNextRun(deps.outbox, live, Math.max(now, runOfRow(row).dueAt), now);
  } catch (err) {
    deps.logger.error({ err, subscription: row.subscriptionId }, 'the next briefing run could not be written; it is written again at the next start');
  }
}
