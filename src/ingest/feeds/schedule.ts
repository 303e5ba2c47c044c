/** When to poll next: the configured interval, raised by the publisher's hints, stretched by failures. */

/** A failing feed is still tried at least this often, so recovery is noticed. */
export const MAX_BACKOFF_MS = 2 * 3600_000;
/** A publisher's ttl / max-age beyond this is ignored: a typo must not silence a feed for days. */
export const MAX_FLOOR_MS = 6 * 3600_000;
/** A feed is "failing for a long time" after this many failures in a row … */
export const LONG_FAILURE_COUNT = 5;
/** … or this long since its first failure in the current run of failures. */
export const LONG_FAILURE_MS = 3600_000;

/** The pause after a success: the interval, or the publisher's ttl / Cache-Control max-age if longer. */
export function successDelayMs(intervalMs: number, ttlMinutes: number | null, maxAgeSeconds: number | null): number {
  const floor = Math.min(MAX_FLOOR_MS, Math.max((ttlMinutes ?? 0) * 60_000, (maxAgeSeconds ?? 0) * 1000));
  return Math.max(intervalMs, floor);
}

/**
 * Exponential backoff with jitter: the interval, then twice it, four times… capped at MAX_BACKOFF_MS (or the
 * interval, if longer), each scaled by 0.8–1.2 so feeds of one host that failed together spread out.
 */
export function backoffDelayMs(intervalMs: number, failures: number, random: () => number, retryAfterMs: number | null = null): number {
  const exponential = intervalMs * 2 ** Math.min(Math.max(failures - 1, 0), 16);
  const capped = Math.min(exponential, Math.max(intervalMs, MAX_BACKOFF_MS));
  const jittered = Math.round(capped * (0.8 + 0.4 * random()));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_FLOOR_MS));
}

export function isLongFailure(failures: number, failingSince: number | null, now: number): boolean {
  return failures >= LONG_FAILURE_COUNT || (failingSince !== null && now - failingSince >= LONG_FAILURE_MS);
}
