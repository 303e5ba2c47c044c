import { isValidTimeZone } from '../domain/clock.js';

/** Time words users type (`since:24h`, `since:7d`, `since:2026-11-20`) and times users read ("2h ago"). */
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MAX_LOOKBACK_MS = 366 * 86_400_000;

type SinceForm = { lookbackMs: number } | { day: 0 | 1 } | { at: Date };

/** The shape of a `since` value, whatever the date: a lookback, today/yesterday or a date; null when none. */
function sinceForm(value: string): SinceForm | null {
  const v = value.trim().toLowerCase();
  const rel = /^(\d{1,4})\s*(m|min|mins|h|hr|hrs|hours?|d|days?|w|wk|weeks?)$/.exec(v);
  if (rel) {
    const ms = Number(rel[1]) * UNIT_MS[rel[2][0]];
    return ms <= 0 || ms > MAX_LOOKBACK_MS ? null : { lookbackMs: ms };
  }
  if (v === 'today') return { day: 0 };
  if (v === 'yesterday') return { day: 1 };
  if (/^\d{4}-\d{2}-\d{2}([t ][\d:.]+z?)?$/.test(v)) {
    const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v.toUpperCase());
    return Number.isNaN(d.getTime()) ? null : { at: d };
  }
  return null;
}

/** Whether `value` is written as a `since` (checked without a clock: option schemas have none). */
export function isSince(value: string): boolean {
  return sinceForm(value) !== null;
}

const UNIT_WORDS: Record<string, [string, string]> = { m: ['minute', 'minutes'], h: ['hour', 'hours'], d: ['day', 'days'], w: ['week', 'weeks'] };

/**
 * A `since` value as words for a sentence: "in the last 24 hours", "today", "since yesterday", "since 2026-11-20".
 * A value that is not a `since` is quoted as it is.
 */
export function sinceWords(value: string): string {
  const v = value.trim().toLowerCase();
  const rel = /^(\d{1,4})\s*([a-z]+)$/.exec(v);
  const form = sinceForm(v);
  if (!form) return `since ${value}`;
  if ('lookbackMs' in form && rel) {
    const n = Number(rel[1]);
    const [one, many] = UNIT_WORDS[rel[2][0]];
    return n === 1 ? `in the last ${one}` : `in the last ${n} ${many}`;
  }
  if ('day' in form) return form.day === 0 ? 'today' : 'since yesterday';
  return `since ${value.trim()}`;
}

/** Parses a `since` value relative to `now`; null when it is not one, or when it names a time after `now`. */
export function parseSince(value: string, now: Date): Date | null {
  const form = sinceForm(value);
  if (!form) return null;
  if ('lookbackMs' in form) return new Date(now.getTime() - form.lookbackMs);
  if ('day' in form) return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - form.day));
  return form.at.getTime() > now.getTime() ? null : form.at;
}

export function relativeTime(iso: string, now: Date): string {
  const diff = now.getTime() - new Date(iso).getTime();
  if (Number.isNaN(diff)) return '';
  if (diff < 0) return 'just now';
  const minutes = Math.floor(diff / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ago`;
  const days = Math.floor(hours / 24);
  if (days < 14) return `${days}d ago`;
  return new Date(iso).toISOString().slice(0, 10);
}

/**
 * "14:05" in the zone. TIMEZONE and quiet-hours zones are checked where they come in; a zone that slipped past
 * (a row written by an older release) shows UTC, said so, rather than failing the alert or the answer.
 */
export function formatClock(date: Date, timeZone: string): string {
  const format = (tz: string) => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: tz, hour12: false }).format(date);
  return isValidTimeZone(timeZone) ? format(timeZone) : `${format('UTC')} UTC`;
}
