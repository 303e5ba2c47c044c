import { afterEach, beforeEach, expect, it } from 'vitest';
import { EmbargoRefused } from '../../../src/domain/article.js';
import type { Store, UpsertResult } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

/** Newsroom controls I: an embargoed story is stored, invisible to every reader path, and lifted once by the store. */
const T = NOW.getTime();
const NINE = '2026-11-25T13:00:00.000Z'; // an hour after NOW
const held = {
  id: 'emb-1', title: 'Quillon dam report finds cracks in the spillway', body: 'Engineers found cracks in the spillway of the Quillon dam.',
  section: 'world', url: 'https://news.example/2026/11/25/quillon-dam-report', publishedAt: '2026-11-25T11:59:00Z', embargoUntil: NINE,
};
const ids = (page: { items: Array<{ id: string }> }) => page.items.map((a) => a.id);

eachBackend(import.meta.filename, 'ArticleStore: embargoes', (backend) => {
  let store: Store;
  let clockMs = T;
  let changes: UpsertResult[];
  beforeEach(async () => {
    clockMs = T;
    changes = [];
    store = await backend.open({ now: () => new Date(clockMs) });
    store.articles.onChange((c) => void changes.push(c));
    await store.articles.upsert({ id: 'visible', title: 'Quillon river levels fall after the storm', section: 'world', publishedAt: '2026-11-25T11:00:00Z' });
    changes = [];
  });
  afterEach(() => backend.cleanup());

  const readerIds = async () => ({
    latest: ids(await store.articles.latest({ limit: 10, offset: 0 })),
    search: ids(await store.articles.search({ text: 'quillon', limit: 10, offset: 0 })),
    suggest: (await store.articles.suggest('quillon', 10)).map((s) => s.id),
    suggestAll: (await store.articles.suggest('', 10)).map((s) => s.id),
    period: (await store.articles.periodStories({ since: new Date(T - 86_400_000) })).map((s) => s.article.id),
    byId: (await store.articles.get('emb-1'))?.id ?? null,
    byUrl: (await store.articles.getByUrl('https://news.example/2026/11/25/quillon-dam-report'))?.id ?? null,
  });

  it('round-trips the embargo and keeps the held story off every reader path until the lift', async () => {
    const stored = await store.articles.upsert(held);
    expect(stored.article).toMatchObject({ id: 'emb-1', version: 1, embargoUntil: NINE });
    expect(await store.articles.get('emb-1', { includeHidden: true })).toMatchObject({ id: 'emb-1', embargoUntil: NINE });
    expect(await store.articles.getByUrl(held.url, { includeHidden: true })).toMatchObject({ id: 'emb-1' });
    expect(await readerIds()).toEqual({
      latest: ['visible'], search: ['visible'], suggest: ['visible'], suggestAll: ['visible'], period: ['visible'], byId: null, byUrl: null,
    });
    expect(await store.articles.nextEmbargoAt()).toBe(Date.parse(NINE));
    // Not due yet: nothing lifts.
    expect(await store.articles.liftDue(T + 60_000)).toEqual([]);

    clockMs = Date.parse(NINE) + 1;
    const lifted = await store.articles.liftDue(clockMs);
    expect(lifted.map((a) => [a.id, a.embargoUntil, a.version])).toEqual([['emb-1', null, 1]]);
    expect(changes.at(-1)).toMatchObject({ outcome: 'created', lifted: true, article: { id: 'emb-1', embargoUntil: null } });
    expect(await store.articles.nextEmbargoAt()).toBeNull();
    const after = await readerIds();
    expect(after.latest).toEqual(['emb-1', 'visible']);
    expect(after.search.sort()).toEqual(['emb-1', 'visible']);
    expect(after.suggest.sort()).toEqual(['emb-1', 'visible']);
    expect(after).toMatchObject({ byId: 'emb-1', byUrl: 'emb-1' });
    expect(after.period.sort()).toEqual(['emb-1', 'visible']);
    // A second lift finds nothing.
    expect(await store.articles.liftDue(clockMs + 1)).toEqual([]);
  });

  it('two lifts at once: exactly one lifts the story and its listeners hear it once', async () => {
    await store.articles.upsert(held);
    await store.articles.upsert({ ...held, id: 'emb-2', url: 'https://news.example/2', title: 'Second held story about the spillway' });
    clockMs = Date.parse(NINE);
    changes = [];
    const [a, b] = await Promise.all([store.articles.liftDue(clockMs), store.articles.liftDue(clockMs)]);
    expect([...a, ...b].map((x) => x.id).sort()).toEqual(['emb-1', 'emb-2']);
    expect(changes.filter((c) => c.lifted).map((c) => c.article.id).sort()).toEqual(['emb-1', 'emb-2']);
  });

  it('moving the embargo is a stored change, not a version; a new version while held shows at the lift; clearing it lifts now', async () => {
    await store.articles.upsert(held);
    const moved = await store.articles.upsert({ ...held, embargoUntil: '2026-11-25T15:30:00+01:00' });
    expect(moved).toMatchObject({ outcome: 'unchanged', metadataChanged: true, article: { version: 1, embargoUntil: '2026-11-25T14:30:00.000Z' } });
    expect(await store.articles.nextEmbargoAt()).toBe(Date.parse('2026-11-25T14:30:00.000Z'));
    // Omitting the field keeps the embargo: a correction before the lift is still held.
    const corrected = await store.articles.upsert({ ...held, embargoUntil: undefined, title: 'Quillon dam report finds deep cracks in the spillway' });
    expect(corrected).toMatchObject({ outcome: 'updated', article: { version: 2, embargoUntil: '2026-11-25T14:30:00.000Z' } });
    expect((await readerIds()).byId).toBeNull();
    changes = [];
    const cleared = await store.articles.upsert({ ...held, embargoUntil: null, title: 'Quillon dam report finds deep cracks in the spillway' });
    expect(cleared).toMatchObject({ outcome: 'created', lifted: true, article: { version: 2, embargoUntil: null } });
    expect(changes).toHaveLength(1);
    expect((await store.articles.search({ text: 'deep cracks', limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['emb-1']);
    // A time already past lifts at once, too.
    await store.articles.upsert({ ...held, id: 'emb-3', url: 'https://news.example/3', embargoUntil: '2026-11-25T11:00:00Z' });
    expect((await store.articles.get('emb-3'))?.embargoUntil).toBeNull();
  });

  it('refuses an embargo on a story readers can already see, and one more than 365 days ahead; nothing is written', async () => {
    await expect(store.articles.upsert({ id: 'visible', title: 'Quillon river levels fall after the storm', section: 'world', publishedAt: '2026-11-25T11:00:00Z', embargoUntil: NINE }))
      .rejects.toThrow(EmbargoRefused);
    await expect(store.articles.upsert({ id: 'visible', title: 'Quillon river levels fall after the storm', embargoUntil: NINE }))
      .rejects.toThrow('already published; recall it instead');
    expect((await store.articles.get('visible'))?.embargoUntil).toBeNull();
    await expect(store.articles.upsert({ ...held, id: 'far', url: null, embargoUntil: '2027-12-01T00:00:00Z' })).rejects.toThrow('more than 365 days ahead');
    expect(await store.articles.get('far', { includeHidden: true })).toBeNull();
  });
});
