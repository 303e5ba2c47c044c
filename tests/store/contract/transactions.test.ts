import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

const actor = { id: 'U1', name: 'Ada', platform: 'terminal' as const, workspace: '' };
const scope = { platform: 'terminal' as const, workspace: '' };

eachBackend(import.meta.filename, 'Store.transaction', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => NOW });
  });
  afterEach(() => backend.cleanup());
  const auditActions = async () => (await store.audit.recent(scope, 50)).map((e) => e.action).sort();

  it('commits what every store wrote together, and rolls all of it back when the callback throws', async () => {
    await store.transaction(async () => {
      await store.audit.append(NOW, actor, scope, 'one', null);
      await store.articles.upsert({ id: 'a1', title: 'Kept' });
      await store.feedState.markSeen('f', ['a1'], NOW.getTime());
    });
    await expect(store.transaction(async () => {
      await store.audit.append(NOW, actor, scope, 'two', null);
      await store.articles.upsert({ id: 'a2', title: 'Rolled back' });
      await store.feedState.markSeen('f', ['a2'], NOW.getTime());
      await store.stories.addStory({ articleId: 'a2', storyId: 'a2', canonicalUrl: null, titleKey: 'k', duplicateReason: null, quiet: false, seenAt: 1, origin: 'push' });
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await auditActions()).toEqual(['one']);
    expect(await store.articles.get('a1')).not.toBeNull();
    expect(await store.articles.get('a2')).toBeNull();
    expect(await store.feedState.firstSeen('f', 'a2')).toBeNull();
    expect(await store.stories.story('a2')).toBeNull();
    expect(await store.articles.count()).toBe(1);
  });

  it('an async change listener runs inside the article write: what it writes commits with it, or neither does', async () => {
    const off = store.articles.onChange(async (change) => {
      await store.audit.append(NOW, actor, scope, `saw ${change.article.id}`, null);
      await new Promise((r) => setTimeout(r, 5));
      // Inside the transaction, the article is already visible to the same transaction.
      expect((await store.articles.get(change.article.id))?.title).toBe(change.article.title);
      if (change.article.title.includes('bad')) throw new Error('listener refused');
    });
    await store.articles.upsert({ id: 'ok', title: 'Fine story' });
    await expect(store.articles.upsert({ id: 'no', title: 'A bad story' })).rejects.toThrow('listener refused');
    off();
    expect(await store.articles.get('no')).toBeNull();
    expect(await auditActions()).toEqual(['saw ok']);
  });

  it('listeners hear created, updated and metadata-only changes (not an identical rewrite)', async () => {
    const heard: string[] = [];
    const off = store.articles.onChange((c) => void heard.push(`${c.article.id}:${c.outcome}${c.metadataChanged ? ':meta' : ''}${c.quiet ? ':quiet' : ''}`));
    await store.articles.upsert({ id: 'l1', title: 'Listen', section: 'world', quiet: true });
    await store.articles.upsert({ id: 'l1', title: 'Listen', section: 'world' });
    await store.articles.upsert({ id: 'l1', title: 'Listen', section: 'sport' });
    await store.articles.upsert({ id: 'l1', title: 'Listen again', section: 'sport' });
    off();
    expect(heard).toEqual(['l1:created:quiet', 'l1:unchanged:meta', 'l1:updated']);
  });

  it('a listener failing in the middle of a bulk load rolls back that chunk only', async () => {
    const off = store.articles.onChange(async (change) => {
      if (change.article.id === 'b-5') throw new Error('stop at 5');
    });
    const inputs = Array.from({ length: 8 }, (_, i) => ({ id: `b-${i}`, title: `Bulk ${i}` }));
    await expect(store.articles.upsertMany(inputs)).rejects.toThrow('stop at 5');
    off();
    expect(await store.articles.get('b-5')).toBeNull();
  });

  it('afterCommit runs after the commit only; at once outside a transaction; nested calls join the outer one', async () => {
    const ran: string[] = [];
    await store.transaction(async () => {
      store.afterCommit(() => ran.push('committed'));
      await store.transaction(async () => {
        await store.audit.append(NOW, actor, scope, 'nested', null);
        store.afterCommit(() => ran.push('nested'));
      });
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(['committed', 'nested']);
    await expect(store.transaction(async () => {
      store.afterCommit(() => ran.push('never'));
      await store.transaction(async () => store.audit.append(NOW, actor, scope, 'nested-then-rolled-back', null));
      throw new Error('rollback');
    })).rejects.toThrow('rollback');
    store.afterCommit(() => ran.push('outside'));
    expect(ran).toEqual(['committed', 'nested', 'outside']);
    expect(await auditActions()).toEqual(['nested']);
  });

  it('writes outside a transaction commit on their own while one is open, and survive its rollback', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const open = store.transaction(async () => {
      await store.audit.append(NOW, actor, scope, 'inside', null);
      await gate;
      throw new Error('rolled back');
    });
    await new Promise((r) => setTimeout(r, 5));
    const outside = store.audit.append(NOW, actor, scope, 'outside', null);
    await new Promise((r) => setTimeout(r, 5));
    release();
    await expect(open).rejects.toThrow('rolled back');
    await outside;
    expect(await auditActions()).toEqual(['outside']);
  });

  it('ping answers while open', async () => {
    expect(await store.ping()).toBe(true);
  });
});
