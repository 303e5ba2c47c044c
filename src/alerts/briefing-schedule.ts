import { WEEKDAYS, type BriefingSchedule, type Weekday } from '../domain/subscription.js';
import { formatClockMinutes, parseClock } from './quiet-hours.js';

export { WEEKDAYS, type BriefingSchedule, type Weekday };

/**
 * When a scheduled briefing runs (`/alerts briefing #channel at:07:30 tz:Europe/London days:mon-fri`): local times
 * from the tz database (Intl), instants from the injected Clock. A time skipped by a daylight-saving change runs at the
 * first minute after the gap (01:30 in London on the last Sunday of March runs at 02:00 BST); a time that happens twice
 * runs once, at its first occurrence. Each run is keyed by its local date (`briefing:<id>:<local date>`).
 */

export interface BriefingRun {
  /** The run's local date, YYYY-MM-DD: its key. */
  localDate: string;
  /** The instant it is due, epoch ms. */
  dueAt: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** `daily`, `mon-fri`, `sat,sun`, or a list of mon…sun; null for anything else. */
export function parseDays(value: string): Weekday[] | null {
  const v = value.trim().toLowerCase();
  if (v === 'daily' || v === '') return [...WEEKDAYS];
  if (v === 'mon-fri' || v === 'weekdays') return WEEKDAYS.slice(0, 5);
  const parts = v.split(/\s*,\s*/);
  if (!parts.every((p): p is Weekday => (WEEKDAYS as readonly string[]).includes(p))) return null;
  return WEEKDAYS.filter((d) => parts.includes(d));
}

/** The days as `/alerts list` shows them: daily, mon-fri, or the list. */
export function describeDays(days: readonly Weekday[]): string {
  if (days.length === 7) return 'daily';
  if (days.length === 5 && WEEKDAYS.slice(0, 5).every((d) => days.includes(d))) return 'mon-fri';
  return days.join(',');
}

interface LocalParts { year: number; month: number; day: number; minutes: number }

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(at: number, tz: string): LocalParts {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  const parts = f.formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), minutes: get('hour') * 60 + get('minute') };
}

/** How far local time is ahead of UTC at that instant (minute precision). */
function offsetMs(at: number, tz: string): number {
  const p = localParts(at, tz);
  const floored = at - (((at % MINUTE) + MINUTE) % MINUTE);
  return Date.UTC(p.year, p.month - 1, p.day) + p.minutes * MINUTE - floored;
}

export function localDateOf(at: number, tz: string): string {
  const p = localParts(at, tz);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

function dateMs(localDate: string): number {
  const [y, m, d] = localDate.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

function addDays(localDate: string, n: number): string {
  return new Date(dateMs(localDate) + n * DAY).toISOString().slice(0, 10);
}

export function weekdayOf(localDate: string): Weekday {
  return WEEKDAYS[(new Date(dateMs(localDate)).getUTCDay() + 6) % 7];
}

/**
 * The instant of `at` on a local date. Of two instants showing that wall time (the hour that happens twice), the
 * first; when none does (the hour skipped), the first minute after the gap: the instant the clocks changed.
 */
export function runInstant(localDate: string, at: string, tz: string): number {
  const minutes = parseClock(at);
  if (minutes === null) throw new Error(`not a time of day: ${at}`);
  const wall = dateMs(localDate) + minutes * MINUTE;
  // The offsets a day either side frame any change on this date (zones change at most once a day).
  const before = offsetMs(wall - DAY, tz);
  const after = offsetMs(wall + DAY, tz);
  const shows = (t: number) => offsetMs(t, tz) === wall - t;
  const candidates = [wall - before, wall - after].filter(shows).sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0];
  // Skipped: the clocks jumped over it. The change lies between the two readings; find its first minute.
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (offsetMs(mid, tz) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The first run due strictly after `after`. */
export function nextRun(schedule: BriefingSchedule, after: number): BriefingRun {
  if (schedule.days.length === 0) throw new Error('a briefing schedule needs at least one day');
  let date = addDays(localDateOf(after, schedule.tz), -1);
  for (let i = 0; i < 9; i++, date = addDays(date, 1)) {
    if (!schedule.days.includes(weekdayOf(date))) continue;
    const dueAt = runInstant(date, schedule.at, schedule.tz);
    if (dueAt > after) return { localDate: date, dueAt };
  }
  throw new Error('no run within a week');
}

/** The last run due at or before `atOrBefore` (the start of the period a briefing covers), or null within a week. */
export function previousRun(schedule: BriefingSchedule, atOrBefore: number): BriefingRun | null {
  let date = addDays(localDateOf(atOrBefore, schedule.tz), 1);
  for (let i = 0; i < 9; i++, date = addDays(date, -1)) {
    if (!schedule.days.includes(weekdayOf(date))) continue;
    const dueAt = runInstant(date, schedule.at, schedule.tz);
    if (dueAt <= atOrBefore) return { localDate: date, dueAt };
  }
  return null;
}

/** A run is posted if less than this late (every instance was down); later, it is skipped and the next one scheduled. */
export const MISSED_RUN_LIMIT_MS = 2 * 60 * 60_000;
/** Later than this, the post says so ("late: due 07:30"). */
export const LATE_AFTER_MS = 5 * 60_000;

export type RunTiming = { post: true; late: boolean } | { post: false; lateMs: number };

export function runTiming(dueAt: number, now: number): RunTiming {
  const lateMs = now - dueAt;
  if (lateMs >= MISSED_RUN_LIMIT_MS) return { post: false, lateMs };
  return { post: true, late: lateMs > LATE_AFTER_MS };
}

const DAY_NAMES: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/** "07:30", "07:30 yesterday", "07:30 Fri": a past instant as a reader in `tz` says it, from `now`. */
export function sayWhen(at: number, now: number, tz: string): string {
  const clock = formatClockMinutes(localParts(at, tz).minutes);
  const date = localDateOf(at, tz);
  const today = localDateOf(now, tz);
  if (date === today) return clock;
  if (addDays(date, 1) === today) return `${clock} yesterday`;
  if (addDays(date, -1) === today) return `${clock} tomorrow`;
  return `${clock} ${DAY_NAMES[weekdayOf(date)]}`;
}

/** An empty period: one line, never older stories again. */
export function nothingNewLine(since: number, now: number, tz: string): string {
  return `Nothing new since ${sayWhen(since, now, tz)}`;
}

/** "briefing 07:30 Europe/London mon-fri · next Mon 07:30", as `/alerts list` shows it. */
export function describeSchedule(schedule: BriefingSchedule, now: number): string {
  return `briefing ${schedule.at} ${schedule.tz} ${describeDays(schedule.days)} · ${describeNextRun(schedule, now)}`;
}

/** "next Mon 07:30": the next run, in the schedule's time zone. */
export function describeNextRun(schedule: BriefingSchedule, now: number): string {
  const next = nextRun(schedule, now);
  const clock = formatClockMinutes(localParts(next.dueAt, schedule.tz).minutes);
  return `next ${DAY_NAMES[weekdayOf(next.localDate)]} ${clock}`;
}
