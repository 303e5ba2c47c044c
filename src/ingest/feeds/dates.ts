/**
 * Feed dates: RFC 822 / 1123 (RSS: "Tue, 25 Nov 2026 09:30:00 GMT", two-digit years, zone names and offsets)
 * and ISO 8601 / RFC 3339 (Atom, RDF's dc:date, JSON Feed). Unparseable or absurd dates → null, so the
 * caller falls back to when the item was first seen.
 */

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, sept: 8, oct: 9, nov: 10, dec: 11,
};

/** US zone names as RFC 822 defines them, and the military letters feeds still emit. */
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  BST: 60, CET: 60, CEST: 120,
};

const RFC822 =
  /^(?:[A-Za-z]{3,9},?\s*)?(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{2,4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*([+-]\d{4}|[A-Za-z]{1,5})?$/;

const ISO8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Dates before this are typos or epoch zeros, not news. */
const EARLIEST = Date.UTC(1990, 0, 1);
/** A feed clock a little ahead is tolerated; a date far in the future is a typo. */
const FUTURE_TOLERANCE_MS = 2 * 24 * 3600_000;

export function parseFeedDate(raw: unknown, now: number): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const text = String(raw).trim().replace(/\s+/g, ' ');
  if (!text) return null;
  const ms = parseRfc822(text) ?? parseIso(text);
  if (ms === null || ms < EARLIEST || ms > now + FUTURE_TOLERANCE_MS) return null;
  return new Date(ms).toISOString();
}

function parseRfc822(text: string): number | null {
  const m = RFC822.exec(text);
  if (!m) return null;
  const [, day, monthName, yearText, hh = '0', mm = '0', ss = '0', zone = 'GMT'] = m;
  const month = MONTHS[monthName.toLowerCase()];
  if (month === undefined) return null;
  let year = Number(yearText);
  if (yearText.length === 2) year += year < 70 ? 2000 : 1900;
  const offset = zoneOffsetMinutes(zone);
  if (offset === null) return null;
  const ms = Date.UTC(year, month, Number(day), Number(hh), Number(mm), Number(ss));
  return Number.isNaN(ms) ? null : ms - offset * 60_000;
}

function zoneOffsetMinutes(zone: string): number | null {
  if (/^[+-]\d{4}$/.test(zone)) {
    const sign = zone[0] === '-' ? -1 : 1;
    return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  }
  const upper = zone.toUpperCase();
  if (upper in ZONES) return ZONES[upper];
  // Other single letters (military zones) are too often wrong in practice to trust: read as UTC.
  return upper.length === 1 ? 0 : null;
}

function parseIso(text: string): number | null {
  if (!ISO8601.test(text)) return null;
  // A date-only or zone-less timestamp is read as UTC so results do not depend on the server's zone.
  let normalised = text.replace(' ', 'T').replace(/\s+/g, '').replace(',', '.');
  if (!/T/.test(normalised)) normalised += 'T00:00:00Z';
  else if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(normalised)) normalised += 'Z';
  normalised = normalised.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? null : ms;
}
