import { porterStem } from './porter.js';

/**
 * Content terms for similarity: lowercase words, function words dropped, Porter-stemmed so that
 * "visit"/"visits"/"visiting" count as one. Shared by the summarizer and the briefing's duplicate check.
 */

const STOPWORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each few for from further had has have having ' +
    'he her here hers herself him himself his how i if in into is it its itself just me more most my myself no ' +
    'nor not now of off on once only or other our ours ourselves out over own same she should so some such than ' +
    'that the their theirs them themselves then there these they this those through to too under until up very ' +
    'was we were what when where which while who whom why will with would you your yours yourself yourselves ' +
    'said says say told according one two new also would could may might must shall us mr mrs ms its it\'s ' +
    'year years yesterday today week last first just like get got make made many much well back even still'
  ).split(/\s+/),
);

const stemCache = new Map<string, string>();

function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = porterStem(word);
    // A bounded cache: vocabulary is Zipfian, so a few thousand entries catch most lookups.
    if (stemCache.size > 50_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
}

/** Stemmed content terms, in order (duplicates kept). */
export function contentTerms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    const bare = w.replace(/['’]s$/, '').replace(/['’]/g, '');
    if (bare.length < 2 || STOPWORDS.has(bare)) continue;
    out.push(stem(bare));
  }
  return out;
}
