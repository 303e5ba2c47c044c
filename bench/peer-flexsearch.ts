/**
 * FlexSearch over the same synthetic corpus and queries, in a child process of bench/search.ts. One index over
 * headline, dek and body in that order (FlexSearch scores by where in the text a word first appears, so the
 * headline counts most); every word required, as /news does. Filters are applied to its ranked ids, reading
 * deeper until the page is full.
 */
import { Index } from 'flexsearch';
import { runPeer } from './peer-harness.js';

const index = new Index({ tokenize: 'strict', resolution: 9 });

runPeer({
  name: 'FlexSearch',
  add: (docs) => {
    for (const d of docs) index.add(d.id, `${d.title}\n${d.dek}\n${d.body}`);
  },
  search: (text, limit, keep) => {
    if (!keep) return index.search(text, { limit }) as number[];
    for (let depth = limit * 20; ; depth *= 10) {
      const ids = index.search(text, { limit: depth }) as number[];
      const kept = ids.filter(keep);
      if (kept.length >= limit || ids.length < depth) return kept.slice(0, limit);
    }
  },
});
