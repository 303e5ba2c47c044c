import type { Origin } from '../domain/article.js';
import type { StoryStore } from '../store/types.js';
import { SAME_HEADLINE_SIMILARITY, SAME_STORY_WINDOW_MS } from './dedupe.js';

/** Headlines this short are compared exactly: two shared words say little. */
export const FUZZY_MIN_WORDS = 3;

interface Entry {
  articleId: string;
  /** Within one origin, distinct articles are distinct stories: an entry never matches its own origin. */
  origin: Origin | null;
  storyId: string;
  key: string;
  words: string[];
  seenAt: number;
  /** Insertion order: the newest match wins, as when recent headlines were scanned newest first. */
  seq: number;
}

/**
 * The recent headlines (within the same-story window) held in memory, so finding a near-duplicate costs a few
 * map look-ups instead of reading and comparing hundreds of rows for every article of a bulk load.
 * Near-duplicates are found by prefix filtering: two word sets with Jaccard similarity ≥ t share at least one
 * word among the first |A| − ⌈t·|A|⌉ + 1 words of each (in one fixed order: the key's sorted order), so each
 * headline is indexed under those words only and candidates are then compared exactly.
 * Loaded from alert_stories on first use, then kept up to date by the fan-out (the only writer). An entry
 * whose transaction rolled back is caught when it matches: its story row is looked up before it is used.
 */
export class HeadlineIndex {
  private entries: Entry[] = [];
  private readonly exact = new Map<string, Entry[]>();
  private readonly byPrefixWord = new Map<string, Entry[]>();
  private loaded = false;
  private seq = 0;
  /** Shared store: the last story position read, and the article ids already indexed. */
  private position = 0;
  private readonly known = new Set<string>();

  /**
   * `shared`: other instances write stories to the same store; before each match the rows written after the last
   * one read are read (the caller holds the article write lock, so no writer adds one meanwhile).
   */
  constructor(private readonly stories: StoryStore, private readonly opts: { shared?: boolean } = {}) {}

  /** The newest story in the window with this headline key (or a near-identical one), other than `self`. */
  async find(key: string, self: string, nowMs: number, origin: Origin | null): Promise<string | null> {
    await this.prepare(nowMs);
    const words = key.split(' ');
    const candidates = words.length >= FUZZY_MIN_WORDS ? this.fuzzyCandidates(words) : (this.exact.get(key) ?? []);
    const matches = candidates
      .filter((e) => e.storyId !== self && e.origin !== origin && e.seenAt >= nowMs - SAME_STORY_WINDOW_MS)
      .sort((a, b) => b.seenAt - a.seenAt || b.seq - a.seq);
    for (const e of matches) {
      if (await this.stories.story(e.articleId)) return e.storyId;
      this.drop(e); // written by a transaction that rolled back
    }
    return null;
  }

  add(articleId: string, storyId: string, key: string, seenAt: number, origin: Origin | null): void {
    if (!this.loaded) return; // the first find() loads it from the table, this row included
    this.insert({ articleId, origin, storyId, key, words: key ? key.split(' ') : [], seenAt, seq: this.seq++ });
  }

  private fuzzyCandidates(words: string[]): Entry[] {
    const seen = new Set<Entry>();
    const out: Entry[] = [];
    for (const w of words.slice(0, prefixLength(words.length))) {
      for (const e of this.byPrefixWord.get(w) ?? []) {
        if (seen.has(e)) continue;
        seen.add(e);
        if (e.words.length >= FUZZY_MIN_WORDS && jaccard(words, e.words) >= SAME_HEADLINE_SIMILARITY) out.push(e);
      }
    }
    return out;
  }

  private async prepare(nowMs: number): Promise<void> {
    if (!this.loaded) {
      this.loaded = true;
      const rows = this.opts.shared
        ? await this.stories.storiesAddedAfter(0, nowMs - SAME_STORY_WINDOW_MS)
        : await this.stories.storiesSeenSince(nowMs - SAME_STORY_WINDOW_MS);
      for (const r of rows) this.learn(r);
    } else if (this.opts.shared) {
      for (const r of await this.stories.storiesAddedAfter(this.position, nowMs - SAME_STORY_WINDOW_MS)) this.learn(r);
    }
    // Entries leave once they are older than the window (bounded memory); arrival order is seen order.
    const cutoff = nowMs - SAME_STORY_WINDOW_MS;
    let stale = 0;
    while (stale < this.entries.length && this.entries[stale].seenAt < cutoff) stale += 1;
    for (const e of this.entries.splice(0, stale)) this.unindex(e);
  }

  private learn(r: { articleId: string; storyId: string; key: string; seenAt: number; origin: Origin | null; position?: number }): void {
    if (r.position !== undefined) this.position = Math.max(this.position, r.position);
    this.insert({ articleId: r.articleId, storyId: r.storyId, key: r.key, seenAt: r.seenAt, origin: r.origin, words: r.key ? r.key.split(' ') : [], seq: this.seq++ });
  }

  private insert(e: Entry): void {
    if (!e.key) return;
    if (this.known.has(e.articleId)) return;
    this.known.add(e.articleId);
    this.entries.push(e);
    push(this.exact, e.key, e);
    for (const w of e.words.slice(0, prefixLength(e.words.length))) push(this.byPrefixWord, w, e);
  }

  private drop(e: Entry): void {
    this.entries = this.entries.filter((x) => x !== e);
    this.unindex(e);
  }

  private unindex(e: Entry): void {
    this.known.delete(e.articleId);
    remove(this.exact, e.key, e);
    for (const w of e.words.slice(0, prefixLength(e.words.length))) remove(this.byPrefixWord, w, e);
  }
}

function prefixLength(size: number): number {
  return size - Math.ceil(SAME_HEADLINE_SIMILARITY * size - 1e-9) + 1;
}

/** Jaccard similarity of two sorted, duplicate-free word lists (the same measure as headlineSimilarity). */
function jaccard(a: string[], b: string[]): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      shared += 1;
      i += 1;
      j += 1;
    } else if (a[i] < b[j]) i += 1;
    else j += 1;
  }
  return shared / (a.length + b.length - shared);
}

function push(map: Map<string, Entry[]>, k: string, e: Entry): void {
  const list = map.get(k);
  if (list) list.push(e);
  else map.set(k, [e]);
}

function remove(map: Map<string, Entry[]>, k: string, e: Entry): void {
  const list = map.get(k)?.filter((x) => x !== e);
  if (!list?.length) map.delete(k);
  else map.set(k, list);
}
