import { afterEach, describe, expect, it } from 'vitest';
import { canMove, DELIVERY_TRANSITIONS, statesBefore } from '../../src/domain/delivery.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { NOW } from './helpers.js';

const actor = { id: 'U1', name: 'Ada', platform: 'terminal' as const, workspace: '' };
const scope = { platform: 'terminal' as const, workspace: '' };
let store: SqliteStore;
afterEach(() => store?.close());

const auditActions = async () => (await store.audit.recent(scope, 50)).map((e) => e.action).sort();

describe('Store.transaction on SQLite (one connection, an async lock)', () => {
  it('commits what every store wrote together, and rolls all of it back when the callback throws', async () => {
    store = openSqliteStore(':memory:', { now: () => NOW });
    await store.transaction(async () => {
      await store.audit.append(NOW, actor, scope, 'one', null);
      await store.articles.upsert({ id: 'a1', title: 'Kept' });
    });
    await expect(store.transaction(async () => {
      await store.audit.append(NOW, actor, scope, 'two', null);
      await store.articles.upsert({ id: 'a2', title: 'Rolled back' });
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await auditActions()).toEqual(['one']);
    expect(await store.articles.get('a1')).not.toBeNull();
    expect(await store.articles.get('a2')).toBeNull();
  });

  it('an async change listener runs inside the article write: when it throws, the article is not stored', async () => {
    store = openSqliteStore(':memory:', { now: () => NOW });
    const off = store.articles.onChange(async (change) => {
      await store.audit.append(NOW, actor, scope, `saw ${change.article.id}`, null);
      await new Promise((r) => setTimeout(r, 5));
      if (change.article.title.includes('bad')) throw new Error('listener refused');
    });
    await store.articles.upsert({ id: 'ok', title: 'Fine story' });
    await expect(store.articles.upsert({ id: 'no', title: 'A bad story' })).rejects.toThrow('listener refused');
    off();
    expect(await store.articles.get('no')).toBeNull();
    expect(await auditActions()).toEqual(['saw ok']);
  });

  it('a write from outside waits while a transaction is open, and is not lost when that transaction rolls back', async () => {
    store = openSqliteStore(':memory:', { now: () => NOW });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const open = store.transaction(async () => {
      await store.audit.append(NOW, actor, scope, 'inside', null);
      await gate; // the transaction stays open across real event-loop turns
      throw new Error('rolled back');
    });
    await new Promise((r) => setTimeout(r, 5));
    const outside = store.audit.append(NOW, actor, scope, 'outside', null);
    let outsideDone = false;
    void outside.then(() => (outsideDone = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(outsideDone).toBe(false);
    release();
    await expect(open).rejects.toThrow('rolled back');
    await outside;
    expect(await auditActions()).toEqual(['outside']);
  });

  it('afterCommit runs once the transaction commits, never when it rolls back, and at once outside one', async () => {
    store = openSqliteStore(':memory:', { now: () => NOW });
    const calls: string[] = [];
    await store.transaction(async () => {
      store.afterCommit(() => calls.push('committed'));
      expect(calls).toEqual([]);
    });
    await store.transaction(async () => {
      store.afterCommit(() => calls.push('never'));
      throw new Error('no');
    }).catch(() => undefined);
    store.afterCommit(() => calls.push('outside'));
    expect(calls).toEqual(['committed', 'outside']);
  });
});

describe('delivery states: one table of legal moves', () => {
  it('has no way out of a final state and no way back to a post once sent', () => {
    expect(DELIVERY_TRANSITIONS.failed).toEqual([]);
    expect(DELIVERY_TRANSITIONS.skipped).toEqual([]);
    expect(canMove('sent', 'pending')).toBe(false);
    expect(canMove('sent', 'sending')).toBe(false);
    expect(statesBefore('sending')).toEqual(['pending']);
    expect(statesBefore('skipped').sort()).toEqual(['folded', 'held', 'pending', 'sending', 'waiting']);
    // A waiting alert (editor approval) is never claimed: it moves to pending when approved, or is skipped.
    expect(DELIVERY_TRANSITIONS.waiting).toEqual(['pending', 'skipped']);
    expect(canMove('waiting', 'sending')).toBe(false);
  });

  it('the outbox SQL follows it: pausing skips what waits, never what went out', async () => {
    store = openSqliteStore(':memory:', { now: () => NOW });
    const sub = await store.subscriptions.create({ platform: 'terminal', workspace: '', channel: 'terminal:desk', minPriority: 'routine' }, actor, NOW);
    const base = { articleId: null, subscriptionId: sub.id, kind: 'alert' as const, platform: 'terminal' as const, channel: 'terminal:desk', priorityRank: 2, targetVersion: 1 };
    await store.outbox.insert({ ...base, id: 'p', storyId: 's1', state: 'pending', dueAt: 1 }, 1);
    await store.outbox.insert({ ...base, id: 'x', storyId: 's2', state: 'pending', dueAt: 1 }, 1);
    expect(await store.outbox.claimPost('x', 2)).toBe(true);
    await store.outbox.markSent('x', 'terminal:desk#1', 1, 3);
    expect(await store.outbox.claimPost('x', 4)).toBe(false);
    expect(await store.outbox.skipQueued(sub.id, 'paused', 5)).toBe(1);
    expect((await store.outbox.get('p'))?.state).toBe('skipped');
    expect((await store.outbox.get('x'))?.state).toBe('sent');
  });
});
