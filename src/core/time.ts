/** Time words users type (`since:24h`, `since:7d`, `since:2026-11-20`) and times users read ("2h ago"). */
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MAX_LOOKBACK_MS = 366 * 86_400_000;

/** Parses a `since` value relative to `now`; null when it is not one. */
export function parseSince(value: string, now: Date): Date | null {
  const v = value.trim().toLowerCase();
  const rel = /^(\d{1,4})\s*(m|min|mins|h|hr|hrs|hours?|d|days?|w|wk|weeks?)$/.exec(v);
  if (rel) {
    const ms = Number(rel[1]) * UNIT_MS[rel[2][0]];
    if (ms <= 0 || ms > MAX_LOOKBACK_MS) return null;
    return new Date(now.getTime() - ms);
  }
  if (v === 'today') return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (v === 'yesterday') return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
  if (/^\d{4}-\d{2}-\d{2}([t ][\d:.]+z?)?$/.test(v)) {
    const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v.toUpperCase());
    return Number.isNaN(d.getTime()) || d.getTime() > now.getTime() ? null : d;
  }
  return null;
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

export function formatClock(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone, hour12: false }).format(date);
}
