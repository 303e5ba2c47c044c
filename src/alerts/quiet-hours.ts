import type { QuietHours } from '../domain/subscription.js';

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

export function parseClock(value: string): number | null {
  const m = HHMM.exec(value.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function formatClockMinutes(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** One check for every time zone (config, quiet hours, briefings): src/domain/clock.ts. */
export { isValidTimeZone } from '../domain/clock.js';

/** Minutes since local midnight in `tz`. */
function localMinutes(at: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

export type QuietState = { quiet: false } | { quiet: true; endsAt: Date };

/**
 * Is `now` inside the quiet window, and when does the window end? Windows may cross midnight (22:00 → 07:00).
 * The end is found in local time and corrected once, so a daylight-saving change during the night still
 * lands on the local `to` time.
 */
export function quietState(now: Date, quiet: QuietHours | null): QuietState {
  if (!quiet) return { quiet: false };
  const from = parseClock(quiet.from);
  const to = parseClock(quiet.to);
  if (from === null || to === null || from === to) return { quiet: false };
  const m = localMinutes(now, quiet.tz);
  const inside = from < to ? m >= from && m < to : m >= from || m < to;
  if (!inside) return { quiet: false };
  const startOfMinute = now.getTime() - (now.getTime() % 60_000);
  let endsAt = startOfMinute + ((to - m + 1440) % 1440) * 60_000;
  const drift = (localMinutes(new Date(endsAt), quiet.tz) - to + 1440) % 1440;
  if (drift !== 0) endsAt -= (drift > 720 ? drift - 1440 : drift) * 60_000;
  return { quiet: true, endsAt: new Date(endsAt) };
}
