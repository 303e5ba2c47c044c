import { afterEach, expect, it } from 'vitest';
import type { ArticleInput } from '../../../src/domain/article.js';
import type { Store, UpsertResult } from '../../../src/store/types.js';
import { OriginConflict } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

/**
 * upsertMany stores a chunk's new articles with one id lookup and multi-row INSERTs (issue 31). What it stores, what
 * it answers and what listeners hear must be exactly what upsert() one input at a time gives: the same inputs go
 * through both, on two stores of one backend, and everything readable is compared.
 */
const at = '2026-11-25T09:00:00.000Z';
const later = '2026-11-25T10:00:00.000Z';
const earlier = '2026-11-24T08:00:00.000Z';

function mixedInputs(): ArticleInput[] {
  const fresh = Array.from({ length: 60 }, (_, i): ArticleInput => ({
    id: `new-${i}`, title: `Harbour crane story ${i}`, body: `Dockers at pier ${i} stopped work.`, section: i % 2 ? 'world' : 'business',
    source: i % 3 ? 'Wire' : 'Metro', url: `https://example.com/n/${i}`,
    // Many in one millisecond: their publication keys are handed out in input order.
    publishedAt: i % 4 === 0 ? at : new Date(Date.parse(earlier) + i * 60_000).toISOString(),
  }));
  return [
    { id: 'twice', title: 'Twice told', body: 'Crews stopped the line.', publishedAt: at },
    ...fresh.slice(0, 20),
    { id: 'stored-1', title: 'Stored story, corrected', body: 'A new body.', publishedAt: earlier, updatedAt: later },
    { id: 'stored-2', title: 'Stored story two', body: 'Same body.', section: 'sport', publishedAt: earlier },
    ...fresh.slice(20, 40),
    // The same id twice in one chunk: created, then a new version.
    { id: 'new-3', title: 'Harbour crane story 3, updated', body: 'Dockers returned.', publishedAt: at, updatedAt: later },
    // …and one whose publication time stays: its row keeps its key, and only the new words are found.
    { id: 'twice', title: 'Twice told, updated', body: 'Crews restarted the line.', publishedAt: at, updatedAt: later },
    { id: 'held', title: 'Embargoed budget', body: 'Numbers.', embargoUntil: '2026-11-26T09:00:00Z', publishedAt: at },
    { id: 'dead', title: 'Killed on arrival', status: 'killed', publishedAt: at },
    { id: 'quiet-1', title: 'A feed first poll item', quiet: true, publishedAt: at, origin: 'feed:wire' },
    { id: 'undated', title: 'No date given' },
    { title: 'An id from the link', url: 'https://example.com/derived?utm_source=x', publishedAt: later },
    ...fresh.slice(40),
    { id: 'new-7', title: 'Harbour crane story 7', body: 'Dockers at pier 7 stopped work.', section: 'culture', source: 'Wire', url: 'https://example.com/n/7', publishedAt: at },
  ];
}

async function seed(store: Store): Promise<void> {
  await store.articles.upsert({ id: 'stored-1', title: 'Stored story', body: 'Old body.', publishedAt: earlier });
  await store.articles.upsert({ id: 'stored-2', title: 'Stored story two', body: 'Same body.', section: 'world', publishedAt: earlier });
}

function listen(store: Store): string[] {
  const heard: string[] = [];
  store.articles.onChange(async (c) => {
    // Each listener sees its own row and none of a later input's.
    const own = await store.articles.get(c.article.id, { includeHidden: true });
    const ahead = (await store.articles.count()) - 0;
    heard.push(`${c.article.id}:${c.outcome}:v${c.article.version}${c.metadataChanged ? ':meta' : ''}${c.quiet ? ':quiet' : ''}:own=${own?.version}:n=${ahead}`);
  });
  return heard;
}

function summary(results: UpsertResult[]): string[] {
  return results.map((r) => `${r.article.id}:${r.outcome}:v${r.article.version}:${r.previous?.version ?? '-'}:${r.article.publishedAt}:${r.article.embargoUntil}`);
}

async function everything(store: Store, ids: string[]) {
  const rows = [];
  for (const id of ids) {
    const article = await store.articles.get(id, { includeHidden: true });
    const versions = [];
    for (let v = 1; v <= (article?.version ?? 0); v++) versions.push(await store.articles.storedVersion(id, v));
    rows.push({ article, versions });
  }
  return {
    rows,
    count: await store.articles.count(),
    newest: (await store.articles.latest({ limit: 100, offset: 0 })).items.map((a) => a.id),
    search: (await store.articles.search({ text: 'harbour crane', limit: 100, offset: 0 })).items.map((a) => a.id),
    world: (await store.articles.search({ text: 'dockers', section: 'world', limit: 100, offset: 0 })).items.map((a) => a.id),
    suggest: (await store.articles.suggest('harbour cr', 25)).map((s) => s.id),
    // Words only a superseded version had ("stopped" left "twice" when it was updated in the same chunk): not found.
    stale: (await store.articles.search({ text: 'stopped', limit: 100, offset: 0 })).items.map((a) => a.id),
    sections: await store.articles.sections(),
  };
}

eachBackend(import.meta.filename, 'ArticleStore.upsertMany: batched, as upsert one by one', (backend) => {
  afterEach(() => backend.cleanup());

  for (const chunkSize of [1, 7, 500]) {
    it(`stores, answers and announces exactly what single upserts do (chunks of ${chunkSize})`, async () => {
      const one = await backend.open({ now: () => NOW });
      const many = await backend.open({ now: () => NOW, chunkSize });
      await seed(one);
      await seed(many);
      const heardOne = listen(one);
      const heardMany = listen(many);
      const inputs = mixedInputs();
      const single: UpsertResult[] = [];
      for (const input of inputs) single.push(await one.articles.upsert(input));
      const progress: number[] = [];
      const batched = await many.articles.upsertMany(inputs, (done) => progress.push(done));

      expect(summary(batched)).toEqual(summary(single));
      expect(batched.map((r) => r.article)).toEqual(single.map((r) => r.article));
      expect(heardMany).toEqual(heardOne);
      expect(progress.at(-1)).toBe(inputs.length);
      const ids = [...new Set(single.map((r) => r.article.id))];
      expect(await everything(many, ids)).toEqual(await everything(one, ids));
      expect(single.find((r) => r.article.id === 'new-3' && r.outcome === 'updated')?.article.version).toBe(2);
    });
  }

  it('without listeners (the bulk path: many rows per INSERT) stores the same as single upserts', async () => {
    const one = await backend.open({ now: () => NOW });
    const many = await backend.open({ now: () => NOW });
    await seed(one);
    await seed(many);
    const inputs = mixedInputs();
    const single: UpsertResult[] = [];
    for (const input of inputs) single.push(await one.articles.upsert(input));
    const batched = await many.articles.upsertMany(inputs);
    expect(batched.map((r) => r.article)).toEqual(single.map((r) => r.article));
    expect(summary(batched)).toEqual(summary(single));
    const ids = [...new Set(single.map((r) => r.article.id))];
    expect(await everything(many, ids)).toEqual(await everything(one, ids));
  });

  it('an OriginConflict in the middle of a chunk rolls that chunk back; earlier chunks stay, as with single upserts', async () => {
    const store = await backend.open({ now: () => NOW, chunkSize: 4 });
    await store.articles.upsert({ id: 'wire:1', title: 'Owned by a feed', origin: 'feed:wire', publishedAt: at });
    const heard: string[] = [];
    store.articles.onChange((c) => void heard.push(c.article.id));
    const inputs: ArticleInput[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ id: `ok-${i}`, title: `Fine ${i}`, publishedAt: at })),
      { id: 'wire:1', title: 'A push may not change it', publishedAt: at },
      { id: 'after', title: 'Never reached', publishedAt: at },
    ];
    const err = await store.articles.upsertMany(inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OriginConflict);
    // Chunk one (ok-0..3) committed; chunk two (ok-4, then the conflict) rolled back.
    expect(await store.articles.get('ok-3')).not.toBeNull();
    expect(await store.articles.get('ok-4')).toBeNull();
    expect(await store.articles.get('after')).toBeNull();
    expect((await store.articles.get('wire:1'))?.title).toBe('Owned by a feed');
    expect(heard).toEqual(['ok-0', 'ok-1', 'ok-2', 'ok-3', 'ok-4']);
  });

  it('an input upsert refuses (no headline) fails the load at its turn, after the rows before it in the chunk were announced', async () => {
    const store = await backend.open({ now: () => NOW });
    const heard: string[] = [];
    store.articles.onChange((c) => void heard.push(c.article.id));
    await expect(store.articles.upsertMany([{ id: 'a', title: 'A', publishedAt: at }, { id: 'b', title: '  ' }, { id: 'c', title: 'C' }])).rejects.toThrow(/headline/);
    expect(heard).toEqual(['a']);
    expect(await store.articles.count()).toBe(0);
  });
});
