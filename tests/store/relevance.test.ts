import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadArticleFiles } from '../../src/ingest/files.js';
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { eachBackend } from './contract/backends.js';
import { NOW } from './helpers.js';

/**
 * A graded relevance set for the sample articles in data/articles, judged by reading the stories (what an editor
 * asking these words on 25 Nov 2026 wants first), not by running the search: 3 = the story asked for, 2 = clearly
 * about it, 1 = mentions it in passing; unlisted stories are 0. `first` lists the stories that may lead.
 * Some queries are marked where ranking by recency alone, or by bm25 alone, puts something else first; the test
 * checks that they really are such cases. The same set and bar on both backends (SQLite and PostgreSQL).
 */
interface Judged {
  q: string;
  first: string[];
  grades: Record<string, number>;
  recencyFails?: boolean;
  bm25Fails?: boolean;
}

const AUS_PM = 'nw-australia-pm-delhi';
const MODI_TOKYO = 'nw-20261124-modi-tokyo';
const MODI_MOSCOW = '000_3374571737b0a5b7';
const NEPAL = '361103972e28336a';
const CANADA = 'ffb1092c5a038575';
const SRI_LANKA = 'cps-sri-lanka-debt-deal';
const INDIA_OIL = 'cps-india-oil-nov';
const GANGES = '7648e3c8a4b6d6fa';
const CRICKET = 'nw-cricket-india-adelaide';
const G20 = 'cps-g20-climate-finance';
const RATES = 'lbr-rates-hold-425';
const FISCAL = '86a09ff3c524e35c';
const NURSES = 'md-nurses-strike-vote';
const BUS_LANES = 'md-council-bus-lanes';
const SENATE = 'de85749875fc70c0';
const MARATHON = 'md-city-marathon-record';
const QUAKE = 'df2fa02355a38062';
const PORT = '6760c21f2a4529e6';
const CHIP = 'sig-2nm-chip-unveiled';
const AIRLINE = 'lbr-airline-profit-warning';
const PO_FLOODS = 'd079a4b562f47af4';

const SET: Judged[] = [
  { q: 'prime minister', first: [AUS_PM, MODI_TOKYO], grades: { [AUS_PM]: 3, [MODI_TOKYO]: 3, [NEPAL]: 2, [CANADA]: 2, [SRI_LANKA]: 2, [MODI_MOSCOW]: 1 }, recencyFails: true, bm25Fails: true },
  { q: 'modi', first: [MODI_MOSCOW, MODI_TOKYO], grades: { [MODI_MOSCOW]: 3, [MODI_TOKYO]: 3, [AUS_PM]: 2, [GANGES]: 1, [G20]: 1, [INDIA_OIL]: 1, [SRI_LANKA]: 1 }, bm25Fails: true },
  { q: 'modi visit', first: [MODI_MOSCOW, MODI_TOKYO], grades: { [MODI_MOSCOW]: 3, [MODI_TOKYO]: 3, [AUS_PM]: 2, [INDIA_OIL]: 1 }, bm25Fails: true },
  { q: 'india', first: [CRICKET, INDIA_OIL, GANGES], grades: { [CRICKET]: 3, [INDIA_OIL]: 3, [GANGES]: 3, [MODI_MOSCOW]: 2, [AUS_PM]: 2, [MODI_TOKYO]: 2, [SRI_LANKA]: 1, [G20]: 1 }, recencyFails: true },
  { q: 'oil', first: [INDIA_OIL], grades: { [INDIA_OIL]: 3, [MODI_MOSCOW]: 1 }, recencyFails: true },
  { q: 'bank', first: [RATES], grades: { [RATES]: 3, [FISCAL]: 1, [G20]: 1 }, recencyFails: true },
  { q: 'vote', first: [CANADA, NURSES], grades: { [CANADA]: 3, [NURSES]: 3, [BUS_LANES]: 2, [SENATE]: 2, [RATES]: 1, [NEPAL]: 1 }, recencyFails: true },
  { q: 'record', first: [MARATHON], grades: { [MARATHON]: 3 }, recencyFails: true },
  { q: 'earthquake', first: [QUAKE], grades: { [QUAKE]: 3 } },
  { q: 'modi moscow', first: [MODI_MOSCOW], grades: { [MODI_MOSCOW]: 3 } },
  { q: 'port cyberattack', first: [PORT], grades: { [PORT]: 3 } },
  { q: 'interest rates', first: [RATES], grades: { [RATES]: 3 } },
  { q: 'nurses strike', first: [NURSES], grades: { [NURSES]: 3 } },
  { q: 'climate finance', first: [G20], grades: { [G20]: 3 } },
  { q: 'chip', first: [CHIP, MODI_TOKYO], grades: { [CHIP]: 3, [MODI_TOKYO]: 3 } },
  { q: 'delhi', first: [AUS_PM], grades: { [AUS_PM]: 3, [MODI_TOKYO]: 1, [INDIA_OIL]: 1, [GANGES]: 1, [SRI_LANKA]: 1 } },
  { q: 'water', first: [GANGES], grades: { [GANGES]: 3, [PO_FLOODS]: 1 } },
  // Known misses, kept because they are honest: a fresher story with a weaker match leads ("deal" expected in a
  // dek; the earthquake "strikes"), and the stemmer makes "shares" match "water-sharing". PostgreSQL's ts_rank
  // counts the dek's "deal" for more than bm25 does, and leads with the Sri Lanka deal (KNOWN_MISSES).
  { q: 'deal', first: [SRI_LANKA], grades: { [SRI_LANKA]: 3, [GANGES]: 2, [AUS_PM]: 2, [MODI_TOKYO]: 2 } },
  { q: 'strike', first: [NURSES], grades: { [NURSES]: 3, [QUAKE]: 1 } },
  { q: 'shares', first: [AIRLINE], grades: { [AIRLINE]: 3, [CHIP]: 1 } },
];

/** Queries whose lead is not an expected story, per backend (written from reading the results, see above). */
const KNOWN_MISSES = { sqlite: ['deal', 'strike', 'shares'], postgres: ['strike', 'shares'] };

function ndcgAt5(ranked: string[], grades: Record<string, number>): number {
  const dcg = (gs: number[]) => gs.slice(0, 5).reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);
  const ideal = dcg(Object.values(grades).sort((a, b) => b - a));
  return dcg(ranked.map((id) => grades[id] ?? 0)) / ideal;
}

eachBackend(import.meta.filename, 'graded relevance on the sample articles', (backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await backend.open({ now: () => NOW });
    const result = await loadArticleFiles(join(import.meta.dirname, '../../data/articles'), store.articles, { onWarning: () => undefined });
    expect(result.loaded).toBeGreaterThanOrEqual(26);
  });
  afterAll(() => backend.cleanup());

  const top = async (q: string, limit = 5) => (await store.articles.search({ text: q, limit, offset: 0 })).items.map((a) => a.id);

  it('has enough queries of each kind', () => {
    expect(SET.length).toBeGreaterThanOrEqual(15);
    expect(SET.filter((j) => j.recencyFails).length).toBeGreaterThanOrEqual(3);
    expect(SET.filter((j) => j.bm25Fails).length).toBeGreaterThanOrEqual(3);
  });

  it('scores nDCG@5 ≥ 0.9 over the set, and leads with an expected story in all but the known misses', async () => {
    const scores: Array<{ q: string; ndcg: number; lead: boolean }> = [];
    for (const j of SET) {
      const ids = await top(j.q);
      scores.push({ q: j.q, ndcg: ndcgAt5(ids, j.grades), lead: j.first.includes(ids[0]) });
    }
    const mean = scores.reduce((s, x) => s + x.ndcg, 0) / scores.length;
    if (process.env.NEWSDESK_PRINT_NDCG) console.log(`nDCG@5 ${backend.name}: ${mean.toFixed(3)}`, JSON.stringify(scores));
    expect(mean, JSON.stringify(scores)).toBeGreaterThanOrEqual(0.9);
    expect(scores.filter((s) => !s.lead).map((s) => s.q)).toEqual(KNOWN_MISSES[backend.name]);
  });

  it('the recency cases: the newest matching story is not the one asked for, and it does not lead', async () => {
    for (const j of SET.filter((x) => x.recencyFails)) {
      const all = (await store.articles.search({ text: j.q, limit: 100, offset: 0 })).items;
      const newest = [...all].sort((a, b) => Date.parse(b.publishedAt) - Date.parse(a.publishedAt))[0];
      expect(j.first, j.q).not.toContain(newest.id);
      expect(j.first, j.q).toContain((await top(j.q))[0]);
    }
  });

  it('the bm25 cases: plain bm25 (no recency) puts another story first, and it does not lead', async () => {
    for (const j of SET.filter((x) => x.bm25Fails)) {
      // That they are such cases is a property of the set, shown once, on SQLite's FTS5.
      if (backend.name === 'sqlite') {
        // Straight FTS5, written here rather than taken from the store: headline 10, dek 4, body 1, no recency.
        const bm25Only = (store as SqliteStore).db.prepare(
          `SELECT a.id FROM articles_fts f JOIN articles a ON a.pub_key = f.rowid
           WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts, 10.0, 4.0, 1.0, 0.0) LIMIT 1`,
        );
        const match = j.q.split(' ').map((w) => `"${w}"`).join(' AND ');
        const plain = (bm25Only.get(match) as { id: string }).id;
        expect(j.first, j.q).not.toContain(plain);
      }
      expect(j.first, j.q).toContain((await top(j.q))[0]);
    }
  });
});
