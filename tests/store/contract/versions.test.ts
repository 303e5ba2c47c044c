import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

const flood = {
  id: 'flood', title: 'River rises in Lenna', dek: 'Water is 2 metres above normal.', body: 'About 40 homes were evacuated.',
  section: 'world', publishedAt: '2026-11-25T09:00:00Z', updatedAt: '2026-11-25T09:00:00Z',
};

eachBackend(import.meta.filename, 'ArticleStore: one stored version', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => NOW });
  });
  afterEach(() => backend.cleanup());

  it('answers a superseded version and the current one as they were stored; null for a version never stored', async () => {
    await store.articles.upsert(flood);
    await store.articles.upsert({ ...flood, title: 'River floods Lenna', body: 'About 90 homes were evacuated.', updatedAt: '2026-11-25T10:15:00Z' });
    await store.articles.upsert({ ...flood, title: 'River floods Lenna', body: 'About 90 homes were evacuated.', status: 'corrected', priority: 'urgent', updatedAt: '2026-11-25T11:30:00Z' });

    expect(await store.articles.storedVersion('flood', 1)).toEqual({
      version: 1, title: 'River rises in Lenna', dek: 'Water is 2 metres above normal.', body: 'About 40 homes were evacuated.',
      priority: 'routine', status: 'published', contentHash: expect.any(String), updatedAt: '2026-11-25T09:00:00.000Z',
    });
    expect(await store.articles.storedVersion('flood', 2)).toMatchObject({
      version: 2, title: 'River floods Lenna', body: 'About 90 homes were evacuated.', status: 'published', updatedAt: '2026-11-25T10:15:00.000Z',
    });
    const current = await store.articles.get('flood');
    expect(await store.articles.storedVersion('flood', 3)).toEqual({
      version: 3, title: 'River floods Lenna', dek: 'Water is 2 metres above normal.', body: 'About 90 homes were evacuated.',
      priority: 'urgent', status: 'corrected', contentHash: current!.contentHash, updatedAt: '2026-11-25T11:30:00.000Z',
    });
    const v1 = await store.articles.storedVersion('flood', 1);
    expect(v1!.contentHash).not.toBe(current!.contentHash);
    expect(await store.articles.storedVersion('flood', 4)).toBeNull();
    expect(await store.articles.storedVersion('flood', 0)).toBeNull();
    expect(await store.articles.storedVersion('nothing', 1)).toBeNull();
  });

  it('answers the versions of a story held by an embargo, which reader paths do not see', async () => {
    await store.articles.upsert({ ...flood, embargoUntil: '2026-11-25T18:00:00Z' });
    await store.articles.upsert({ ...flood, title: 'River floods Lenna', embargoUntil: '2026-11-25T18:00:00Z' });
    expect(await store.articles.get('flood')).toBeNull();
    expect((await store.articles.storedVersion('flood', 1))?.title).toBe('River rises in Lenna');
    expect((await store.articles.storedVersion('flood', 2))?.title).toBe('River floods Lenna');
  });
});
