import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadArticleFiles, parseArticleFile } from '../../src/ingest/files.js';
import { splitFrontMatter } from '../../src/ingest/front-matter.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { TEST_CLOCK } from '../helpers/clock.js';

const SEED = 'data/articles/000_3374571737b0a5b7.txt';

describe('the seed article (.txt in the page shape)', () => {
  const [seed] = parseArticleFile(SEED, readFileSync(SEED, 'utf8'));

  it('reads the kicker as priority breaking and the headline once', () => {
    expect(seed.priority).toBe('breaking');
    expect(seed.title).toBe('Russian State Media Reports That Indian PM Narendra Modi Will Soon Visit Moscow');
    expect(seed.body).not.toContain('Russian State Media Reports');
    expect(seed.body).not.toMatch(/^Breaking News/);
    expect(seed.body!.startsWith('Indian Prime Minister Narendra Modi is set to visit Russia')).toBe(true);
  });

  it('keeps "Read more" out of the body and in related links', () => {
    expect(seed.body).not.toMatch(/Read more/i);
    expect(seed.related).toEqual([{ title: 'Open Letter Addressed To Indian Prime Minister Narendra Modi' }]);
    expect(seed.body!.split('\n\n')).toHaveLength(6);
  });

  it('takes its id from the file name', () => {
    expect(seed.fallbackId).toBe('000_3374571737b0a5b7');
  });
});

describe('parseArticleFile', () => {
  it('.txt: URGENT kicker, byline, Related line with a URL, boilerplate dropped', () => {
    const [a] = parseArticleFile('x/story.txt', 'URGENT\n\nDam gates opened\n\nBy Asha Rao\n\nWater rose overnight.\n\nAdvertisement\n\nRelated: Flood map https://news.example/map\n\nResidents left.');
    expect(a).toMatchObject({ priority: 'urgent', title: 'Dam gates opened', author: 'Asha Rao', body: 'Water rose overnight.\n\nResidents left.' });
    expect(a.related).toEqual([{ title: 'Flood map', url: 'https://news.example/map' }]);
  });

  it('.txt without a kicker is routine (no priority given)', () => {
    const [a] = parseArticleFile('x/plain.txt', 'A headline\nFirst paragraph.\nSecond paragraph.');
    expect(a.priority).toBeUndefined();
    expect(a.body).toBe('First paragraph.\n\nSecond paragraph.');
  });

  it('.md: front matter with lists and quotes, Markdown cleaned', () => {
    const md = [
      '---', 'id: md-1', 'title: "Rates: the long pause"', 'section: business', 'source: Harbor Times',
      'tags: [rates, "central bank, policy"]', 'priority: Urgent', 'published_at: 2026-11-20T08:00:00Z', '---',
      '', '**LONDON** — The bank held [rates](https://x.example/r) steady.', '', '- A list item', '', '[Read more: Earlier decision](https://x.example/e)',
    ].join('\n');
    const [a] = parseArticleFile('x/rates.md', md);
    expect(a).toMatchObject({ id: 'md-1', title: 'Rates: the long pause', section: 'business', priority: 'urgent', topics: ['rates', 'central bank, policy'] });
    expect(a.publishedAt).toBe('2026-11-20T08:00:00.000Z');
    expect(a.body).toBe('LONDON — The bank held rates steady.\n\nA list item');
    expect(a.related).toEqual([{ title: 'Earlier decision', url: 'https://x.example/e' }]);
  });

  it('.md: the title may be the first # heading', () => {
    const [a] = parseArticleFile('x/h.md', '---\nsection: sport\n---\n# Final whistle\n\nIt ended 2-1.');
    expect(a).toMatchObject({ title: 'Final whistle', body: 'It ended 2-1.', section: 'sport' });
  });

  it('.json: one article or an array, with fallback ids per item', () => {
    const one = parseArticleFile('x/one.json', JSON.stringify({ title: 'One', section: 'world' }));
    expect(one).toEqual([expect.objectContaining({ title: 'One', fallbackId: 'one' })]);
    const many = parseArticleFile('x/many.json', JSON.stringify([{ title: 'A' }, { id: 'b', title: 'B' }]));
    expect(many.map((a) => a.fallbackId)).toEqual(['many-1', 'many-2']);
    expect(many[1].id).toBe('b');
  });

  it('leaves an undated article undated (the store gives it a first-seen time); a dated one keeps its date', () => {
    const [undated] = parseArticleFile('x/t.txt', 'Headline\n\nBody.');
    expect(undated.publishedAt).toBeUndefined();
    expect(undated.firstSeenAt).toBeUndefined();
    const [dated] = parseArticleFile('x/d.json', JSON.stringify({ title: 'D', published_at: '2026-11-20T08:00:00Z' }));
    expect(dated.publishedAt).toBe('2026-11-20T08:00:00.000Z');
  });
});

describe('front matter parser', () => {
  it('is strict: names the line of the problem', () => {
    expect(() => splitFrontMatter('---\ntitle: a\ntitle: b\n---\n')).toThrow(/line 3: "title" is given twice/);
    expect(() => splitFrontMatter('---\njust words\n---\n')).toThrow(/line 2: expected "key: value"/);
    expect(() => splitFrontMatter('---\ntags: [a, b\n---\n')).toThrow(/line 2: a list must end/);
    expect(() => splitFrontMatter('---\ntitle: "open\n---\n')).toThrow(/unbalanced/);
    expect(() => splitFrontMatter('---\ntitle: a\n')).toThrow(/never closed/);
    expect(splitFrontMatter("---\na: 'it''s'\nb: []\nc: x: y\n---\nbody").data).toEqual({ a: "it's", b: [], c: 'x: y' });
  });
});

describe('loadArticleFiles', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'newsdesk-files-'));
    store = openSqliteStore(join(dir, 'db', 'x.db'), { now: TEST_CLOCK });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads every format; each malformed file gives one warning naming it; the others load', async () => {
    const files: Record<string, string> = {
      'good.txt': 'Breaking News\n\nGood headline\n\nGood body.',
      'good-md.md': '---\ntitle: Markdown story\nsection: culture\n---\nBody text.',
      'good.json': JSON.stringify([{ id: 'j1', title: 'Json one' }, { id: 'j2', title: 'Json two' }]),
      'empty.txt': '   \n',
      'broken.json': '{"title": "half',
      'invalid.json': JSON.stringify({ title: 'x', priority: 'extreme' }),
      'nofm.md': 'Just some words without a title marker.',
      'badfm.md': '---\ntitle: ok\nnonsense line\n---\nBody',
      '.hidden.txt': 'Hidden\n\nShould be ignored.',
      'notes.csv': 'a,b',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const warnings: Array<[string, string]> = [];
    const progress: Array<[number, number]> = [];
    const result = await loadArticleFiles(dir, store.articles, {
      onWarning: (file, problem) => warnings.push([file, problem]),
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(result.loaded).toBe(4);
    expect(result.created).toBe(4);
    expect(await store.articles.count()).toBe(4);
    const byFile = Object.fromEntries(warnings.map(([f, p]) => [f.split('/').pop(), p]));
    expect(Object.keys(byFile).sort()).toEqual(['badfm.md', 'broken.json', 'empty.txt', 'invalid.json', 'nofm.md']);
    expect(warnings).toHaveLength(5);
    expect(byFile['invalid.json']).toMatch(/priority/);
    expect(byFile['badfm.md']).toMatch(/line 3/);
    expect(byFile['empty.txt']).toMatch(/empty/);
    expect(progress.at(-1)).toEqual([4, 4]);
    expect((await store.articles.get('good'))?.priority).toBe('breaking');
    expect((await store.articles.get('good-md'))?.section).toBe('culture');
  });

  it('an undated file is dated when first seen, on the store clock, never by its modification time, and keeps that date when edited', async () => {
    let now = Date.parse('2026-11-25T12:00:00Z');
    const moving = openSqliteStore(join(dir, 'db', 'moving.db'), { now: () => new Date(now) });
    try {
      const file = join(dir, 'undated.txt');
      writeFileSync(file, 'Council meets\n\nThe council met.');
      utimesSync(file, new Date('2019-03-01T00:00:00Z'), new Date('2019-03-01T00:00:00Z'));
      await loadArticleFiles(dir, moving.articles);
      expect((await moving.articles.get('undated'))?.publishedAt).toBe('2026-11-25T12:00:00.000Z');
      now += 3 * 86_400_000;
      writeFileSync(file, 'Council meets again\n\nThe council met twice.');
      await loadArticleFiles(dir, moving.articles);
      const edited = await moving.articles.get('undated');
      expect(edited?.title).toBe('Council meets again');
      expect(edited?.publishedAt).toBe('2026-11-25T12:00:00.000Z');
    } finally {
      await moving.close();
    }
  });

  it('a file whose id takes a feed item\'s form ("<feed id>:…") is skipped with a warning; so is a file so named without an id or link', async () => {
    const files: Record<string, string> = {
      'squat.md': '---\nid: dup:s-squat\ntitle: Squatting a feed id\n---\nBody.',
      'squat.json': JSON.stringify([{ id: 'wire-a:7', title: 'Also squatting' }]),
      'dup:s-named.txt': 'Named like a feed item\n\nBody.',
      'dup:s-linked.txt': '---\nurl: https://news.example/linked\n---\nNamed so, but linked\n\nBody.',
      'AP:1001.md': '---\nid: AP:1001\ntitle: Upper case is no feed id\n---\nBody.',
      'fine.txt': 'A fine story\n\nBody.',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const warnings: Array<[string, string]> = [];
    const result = await loadArticleFiles(dir, store.articles, { onWarning: (file, problem) => warnings.push([file.split('/').pop()!, problem]) });
    expect(warnings.map(([f]) => f).sort()).toEqual(['dup:s-named.txt', 'squat.json', 'squat.md']);
    for (const [, problem] of warnings) expect(problem).toMatch(/feed item's id \("<feed id>:…", reserved for feeds\)/);
    expect(result.created).toBe(3);
    expect(await store.articles.get('dup:s-squat')).toBeNull();
    expect(await store.articles.get('wire-a:7')).toBeNull();
    expect(await store.articles.get('dup:s-named')).toBeNull();
    expect((await store.articles.get('AP:1001'))?.title).toBe('Upper case is no feed id');
    expect((await store.articles.get('fine'))?.title).toBe('A fine story');
  });

  it('loading the same folder twice stores nothing new', async () => {
    writeFileSync(join(dir, 'a.txt'), 'Headline\n\nBody.');
    await loadArticleFiles(dir, store.articles);
    const again = await loadArticleFiles(dir, store.articles);
    expect(again).toMatchObject({ loaded: 1, unchanged: 1, created: 0 });
  });

  it('a missing folder is one warning, not a crash', async () => {
    const warnings: string[] = [];
    const result = await loadArticleFiles(join(dir, 'nope'), store.articles, { onWarning: (f) => warnings.push(f) });
    expect(result.loaded).toBe(0);
    expect(warnings).toHaveLength(1);
  });

  it('loads the shipped data/articles without a warning', async () => {
    const warnings: string[] = [];
    const result = await loadArticleFiles('data/articles', store.articles, { onWarning: (f, p) => warnings.push(`${f}: ${p}`) });
    expect(warnings).toEqual([]);
    expect(result.loaded).toBeGreaterThanOrEqual(1);
    expect((await store.articles.search({ text: 'modi', limit: 5, offset: 0 })).items.map((a) => a.id)).toContain('000_3374571737b0a5b7');
  });
});
