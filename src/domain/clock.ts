/**
 * The one source of application time: publication defaults, recency in ranking, "since", quiet hours,
 * due times. Every part that reads the time is handed the same Clock; only code that measures real elapsed
 * time (timeouts, deadlines, latency) reads `Date.now()` itself. Tests inject a clock they move by hand.
 */
export type Clock = () => Date;

/** The process's real clock: what `main.ts` hands everyone. */
export const systemClock: Clock = () => new Date();

/** Milliseconds since the epoch, on the given clock. */
export function clockMs(clock: Clock): number {
  return clock().getTime();
}

/** Whether `Intl` knows the time zone (an unknown one throws a RangeError wherever a time is shown in it). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
