/**
 * Feed dates: RFC 822 / 1123 (RSS: "Tue, 25 Nov 2026 09:30:00 GMT", two-digit years, zone names and offsets)
 * and ISO 8601 / RFC 3339 (Atom, RDF's dc:date, JSON Feed). Unparseable or absurd dates → null, so the
 * caller falls back to when the item was first seen.
 */

/**
 * Month names as feeds write them: English (RFC 822), and the abbreviations and names of the languages whose
 * feeds localise RFC 822 dates ("Seg, 24 Set 2018 19:42:40 -0300"): Portuguese, Spanish, French, German, Italian,
 * Dutch. Accents are removed before the lookup.
 */
const MONTH_NAMES: Array<[number, string[]]> = [
  [0, ['jan', 'january', 'janeiro', 'ene', 'enero', 'janv', 'janvier', 'januar', 'jänner', 'gen', 'gennaio', 'januari']],
  [1, ['feb', 'february', 'fev', 'fevereiro', 'febrero', 'fevr', 'fevrier', 'februar', 'febbraio', 'februari']],
  [2, ['mar', 'march', 'marco', 'marzo', 'mars', 'marz', 'maart', 'mrt']],
  [3, ['apr', 'april', 'abr', 'abril', 'avr', 'avril', 'aprile']],
  [4, ['may', 'mai', 'maio', 'mayo', 'mag', 'maggio', 'mei']],
  [5, ['jun', 'june', 'junho', 'junio', 'juin', 'juni', 'giu', 'giugno']],
  [6, ['jul', 'july', 'julho', 'julio', 'juil', 'juillet', 'juli', 'lug', 'luglio']],
  [7, ['aug', 'august', 'ago', 'agosto', 'aout', 'aou']],
  [8, ['sep', 'sept', 'september', 'set', 'setembro', 'septiembre', 'setiembre', 'septembre', 'settembre']],
  [9, ['oct', 'october', 'out', 'outubro', 'octubre', 'octobre', 'okt', 'oktober', 'ott', 'ottobre']],
  [10, ['nov', 'november', 'novembro', 'noviembre', 'novembre']],
  [11, ['dec', 'december', 'dez', 'dezembro', 'dic', 'diciembre', 'decembre', 'dezember', 'dicembre']],
];
const MONTHS = new Map(MONTH_NAMES.flatMap(([month, names]) => names.map((n) => [n, month] as const)));

function monthNumber(name: string): number | undefined {
  return MONTHS.get(name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase());
}

/** US zone names as RFC 822 defines them, and the military letters feeds still emit. */
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  BST: 60, CET: 60, CEST: 120,
};

// Day and month names in any Latin-script language (accented letters included): the day name is skipped.
const RFC822 =
  /^(?:[\p{L}]{2,12}\.?,?\s*)?(\d{1,2})\.?\s+([\p{L}]{3,12})\.?\s+(\d{2,4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*([+-]\d{4}|[A-Za-z]{1,5})?$/u;

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
  const month = monthNumber(monthName);
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
