/**
 * MiniSearch over the same synthetic corpus and queries, run as a child process of bench/search.ts so its
 * memory (it holds the whole index in the JS heap) is measured apart from ours. Headline 10, dek 4, body 1,
 * every word required (AND), as /news does.
 */
import MiniSearch from 'minisearch';
import { runPeer, type PeerDoc } from './peer-harness.js';

const index = new MiniSearch<PeerDoc>({
  fields: ['title', 'dek', 'body'],
  storeFields: [],
  searchOptions: { boost: { title: 10, dek: 4 }, combineWith: 'AND' },
});

runPeer({
  name: 'MiniSearch',
  add: (docs) => index.addAll(docs),
  // MiniSearch ranks everything it matched; the filter runs inside the search, as its docs recommend.
  search: (text, limit, keep) => index.search(text, keep ? { filter: (r) => keep(r.id as number) } : {}).slice(0, limit).map((r) => r.id as number),
});
