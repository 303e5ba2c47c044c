import { briefingOfPeriod, type BriefingDeps } from '../core/briefing.js';
import type { Reply } from '../core/reply.js';
import { formatClockMinutes, parseClock } from './quiet-hours.js';
import { nothingNewLine, sayWhen, type BriefingRun, type BriefingSchedule } from './briefing-schedule.js';

export interface ScheduledBriefing extends BriefingSchedule {
  /** Only these sections (as `/alerts subscribe sections:`); empty: every section. */
  sections: readonly string[];
}

export interface BriefingRunOptions {
  /** Where the period starts: the previous run's instant, or 24 hours before this one for the first. */
  since: number;
  /** When it is built (a late run covers up to now). */
  now: number;
  /** Posted after its time (every instance was down): said on the post. */
  late?: boolean;
  /** `/alerts test <id>`: posted now, marked TEST. */
  test?: boolean;
}

export const FIRST_RUN_PERIOD_MS = 24 * 60 * 60_000;

/**
 * What a scheduled briefing run posts: the `/summary` briefing of the period since the previous run, in the
 * schedule's sections; an empty period posts one line ("Nothing new since 07:30 yesterday"), never older stories.
 * Times are said as the channel's readers read them, from the run's own date (a late post says the same).
 */
export async function scheduledBriefingReply(deps: BriefingDeps, schedule: ScheduledBriefing, run: BriefingRun, opts: BriefingRunOptions): Promise<Reply> {
  const until = new Date(Math.max(opts.now, run.dueAt));
  const cards = await briefingOfPeriod(deps, { since: new Date(opts.since), until, sections: schedule.sections });
  const marks = [opts.test ? 'TEST' : null, opts.late ? `late: due ${formatClockMinutes(parseClock(schedule.at) ?? 0)}` : null].filter(Boolean);
  const prefix = marks.length ? `[${marks.join(' · ')}] ` : '';
  const where = schedule.sections.length ? ` in ${schedule.sections.join(', ')}` : '';
  const text = cards.length === 0
    ? `${prefix}${nothingNewLine(opts.since, run.dueAt, schedule.tz)}${where}.`
    : `${prefix}Briefing: top stories${where} since ${sayWhen(opts.since, run.dueAt, schedule.tz)}:`;
  // In a Discord forum each run is a post of its own, titled by its date.
  const topic = { title: `${opts.test ? 'TEST ' : ''}Briefing ${run.localDate} ${schedule.at}`, labels: [...schedule.sections] };
  return { kind: 'answer', visibility: 'channel', text, cards, topic };
}
