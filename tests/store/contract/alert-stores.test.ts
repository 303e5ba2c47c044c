import { afterEach, beforeEach, expect, it } from 'vitest';
import { DELIVERY_STATES, statesBefore, type DeliveryState, type NewDelivery } from '../../../src/domain/delivery.js';
import { freshFeedState, type Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

const T = NOW.getTime();
const actor = { id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: 'G1' };
const scope = { platform: 'discord' as const, workspace: 'G1' };
const other = { platform: 'slack' as const, workspace: 'T9' };

const delivery = (id: string, over: Partial<NewDelivery> = {}): NewDelivery => ({
  id, storyId: `story-${id}`, articleId: `art-${id}`, subscriptionId: 'sub', kind: 'alert', platform: 'discord',
  channel: 'C1', priorityRank: 2, state: 'pending', targetVersion: 1, dueAt: T, ...over,
});

eachBackend(import.meta.filename, 'alert stores', (backend) => {
  let store: Store;
  let subId: string;
  let clockMs = T;
  beforeEach(async () => {
    clockMs = T;
    store = await backend.open({ now: () => new Date(clockMs) });
    subId = (await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'C1', minPriority: 'urgent', sections: ['world'], keywords: ['flood'] }, { id: 'U1', name: 'Ada' }, NOW)).id;
  });
  afterEach(() => backend.cleanup());

  const insert = (id: string, over: Partial<NewDelivery> = {}) => store.outbox.insert(delivery(id, { subscriptionId: subId, ...over }), T);

  it('subscriptions: create, find by scope, list, pause, quiet hours, remove (soft)', async () => {
    const sub = await store.subscriptions.get(subId);
    expect(sub).toMatchObject({ platform: 'discord', workspace: 'G1', channel: 'C1', minPriority: 'urgent', sections: ['world'], keywords: ['flood'], paused: false, quiet: null, createdBy: 'U1', createdAt: NOW.toISOString() });
    expect(subId).toMatch(/^[a-z2-9]{5}$/);
    expect((await store.subscriptions.find(scope, ` ${subId.toUpperCase()} `))?.id).toBe(subId);
    expect(await store.subscriptions.find(other, subId)).toBeNull();
    const second = await store.subscriptions.create({ platform: 'slack', workspace: 'T9', channel: 'C2', minPriority: 'breaking', threads: true, mentionHere: true }, { id: 'U2', name: 'Bo' }, new Date(T + 1000));
    expect(second).toMatchObject({ threads: true, mentionHere: true, sections: [], keywords: [] });
    expect((await store.subscriptions.list(scope)).map((s) => s.id)).toEqual([subId]);
    await store.subscriptions.setPaused(subId, true, 'missing scope chat:write');
    expect(await store.subscriptions.get(subId)).toMatchObject({ paused: true, pausedReason: 'missing scope chat:write' });
    await store.subscriptions.setPaused(subId, false, 'ignored');
    expect(await store.subscriptions.get(subId)).toMatchObject({ paused: false, pausedReason: null });
    await store.subscriptions.setQuiet(subId, { from: '22:00', to: '07:00', tz: 'Europe/London' });
    expect((await store.subscriptions.get(subId))?.quiet).toEqual({ from: '22:00', to: '07:00', tz: 'Europe/London' });
    await store.subscriptions.setQuiet(subId, null);
    expect((await store.subscriptions.get(subId))?.quiet).toBeNull();
    expect((await store.subscriptions.active()).map((s) => s.id).sort()).toEqual([subId, second.id].sort());
    await store.subscriptions.remove(subId, new Date(T + 5000));
    expect(await store.subscriptions.find(scope, subId)).toBeNull();
    expect(await store.subscriptions.get(subId)).not.toBeNull();
    expect((await store.subscriptions.active()).map((s) => s.id)).toEqual([second.id]);
  });

  it('announces committed outbox writes that set a due time (a row due later too), never a rolled-back one', async () => {
    await store.coordination?.start({ feeds: null, timeZone: null });
    let heard = 0;
    const off = store.onOutboxChange(() => (heard += 1));
    const settle = async (ms = 0) => {
      // SQLite announces on the next turn of the event loop; PostgreSQL through NOTIFY on the listening connection.
      const deadline = Date.now() + 5_000;
      for (;;) {
        await new Promise((r) => setTimeout(r, backend.name === 'postgres' ? 50 : ms));
        if (heard > 0 || Date.now() > deadline) return;
      }
    };
    await insert('later', { dueAt: T + 60 * 60_000 });
    await settle();
    expect(heard).toBeGreaterThanOrEqual(1);

    heard = 0;
    await expect(store.transaction(async () => {
      await insert('undone', { dueAt: T + 60_000 });
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    await new Promise((r) => setTimeout(r, 300));
    expect(heard).toBe(0);

    await store.outbox.retry('later', T + 90_000, 'timed out', false, T + 1);
    await settle();
    expect(heard).toBeGreaterThanOrEqual(1);
    off();
  });

  it('a stopped scope: its rows are not due (nor next due, nor a due bucket) on any instance until started; others are', async () => {
    const otherSub = (await store.subscriptions.create({ platform: 'slack', workspace: 'T9', channel: 'C9', minPriority: 'breaking' }, { id: 'U2', name: 'Bo' }, NOW)).id;
    await insert('mine');
    await insert('later', { dueAt: T + 60_000 });
    await store.outbox.insert(delivery('theirs', { subscriptionId: otherSub, platform: 'slack', channel: 'C9' }), T);
    const stop = { platform: 'discord', workspace: 'G1', stoppedAt: NOW.toISOString(), by: { id: 'U1', name: 'Ada' }, reason: 'hoax check' };
    expect(await store.subscriptions.stopScope(stop)).toBe(true);
    expect(await store.subscriptions.stopScope({ ...stop, reason: 'again' })).toBe(false);
    expect(await store.subscriptions.stopState(scope)).toEqual(stop);
    expect(await store.subscriptions.stopState(other)).toBeNull();
    expect((await store.outbox.due(T, ['discord', 'slack'], 10)).map((d) => d.id)).toEqual(['theirs']);
    expect(await store.outbox.nextDueAt(['discord'], T)).toBeNull();
    expect(await store.outbox.dueBuckets(T, ['discord'])).toEqual([]);
    // Rows held longer than a while can be moved into a digest row.
    expect((await store.outbox.waitingSince(subId, T + 1)).map((d) => d.id)).toEqual(['mine', 'later']);
    expect(await store.subscriptions.startScope(scope)).toEqual(stop);
    expect(await store.subscriptions.startScope(scope)).toBeNull();
    expect((await store.outbox.due(T, ['discord'], 10)).map((d) => d.id)).toEqual(['mine']);
    expect(await store.outbox.nextDueAt(['discord'], T)).toBe(T + 60_000);
    await insert('group', { kind: 'digest', articleId: null, storyId: 'stopped:x' });
    await store.outbox.holdInto(['mine'], 'group', T + 2);
    expect(await store.outbox.get('mine')).toMatchObject({ state: 'held', foldedInto: 'group', dueAt: null });
  });

  it('recalls: the overlay, thread reply references, skipped and delete-due rows, delete claims (due even in a stopped scope)', async () => {
    const recall = { storyId: 'story-s1', platform: 'discord', workspace: 'G1', kind: 'recall' as const, reason: 'legal', by: { id: 'U1', name: 'Ada' }, at: T };
    expect(await store.stories.addRecall(recall)).toBe(true);
    expect(await store.stories.addRecall({ ...recall, reason: 'again' })).toBe(false);
    expect(await store.stories.addRecall({ ...recall, platform: '*', workspace: '*', kind: 'kill', at: T + 1 })).toBe(true);
    expect((await store.stories.recalls('story-s1')).map((r) => [r.platform, r.kind, r.reason])).toEqual([['discord', 'recall', 'legal'], ['*', 'kill', 'legal']]);

    await insert('s1', { storyId: 'story-s1' });
    const sub2 = (await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'C2', minPriority: 'urgent' }, { id: 'U1', name: 'Ada' }, NOW)).id;
    await store.outbox.insert(delivery('q1', { storyId: 'story-s1', subscriptionId: sub2, channel: 'C2' }), T);
    expect(await store.outbox.claimPost('s1', T + 1)).toBe(true);
    await store.outbox.markSent('s1', 'discord:G1/C1#m1', 1, T + 2);
    await store.outbox.markThreaded('s1', 2, T + 3, 'discord:G1/m1#t1');
    await store.outbox.markThreaded('s1', 3, T + 4, 'discord:G1/m1#t2');
    expect((await store.outbox.get('s1'))?.threadRefs).toEqual(['discord:G1/m1#t1', 'discord:G1/m1#t2']);
    // q1 is still pending: it is skipped; s1 is posted: due for a delete.
    await store.subscriptions.stopScope({ platform: 'discord', workspace: 'G1', stoppedAt: NOW.toISOString(), by: { id: 'U1', name: 'Ada' }, reason: null });
    const { deletes, skipped } = await store.outbox.recallRows('story-s1', [subId, sub2], 'legal', T + 5);
    expect(skipped).toBe(1);
    expect(deletes.map((d) => [d.id, d.deleteState, d.dueAt])).toEqual([['s1', 'due', T + 5]]);
    expect(await store.outbox.get('q1')).toMatchObject({ state: 'skipped', reason: 'recalled: legal' });
    // Deletes leave a stopped scope; a new version does not make the recalled row due for an edit.
    expect((await store.outbox.due(T + 5, ['discord'], 10)).map((d) => d.id)).toEqual(['s1']);
    expect(await store.outbox.retarget('art-s1', 2, 0, T + 6)).toBe(0);
    expect(await store.outbox.claimEdit('s1', T + 6)).toBe(false);
    expect(await store.outbox.claimDelete('s1', T + 6)).toBe(true);
    expect(await store.outbox.claimDelete('s1', T + 6)).toBe(false);
    await store.outbox.markDeleted('s1', 'deleted', null, T + 7);
    expect(await store.outbox.get('s1')).toMatchObject({ deleteState: 'deleted', deleteNote: 'recalled: legal', deletedAt: T + 7, dueAt: null });
    expect((await store.outbox.forStoryAll('story-s1')).map((d) => d.id).sort()).toEqual(['q1', 's1']);
  });

  it('subscription health comes from the outbox (tests apart: only the last test sent), with the latest error', async () => {
    await insert('h1');
    await insert('h2');
    await insert('h3');
    await insert('t1', { kind: 'test' });
    await insert('t2', { kind: 'test' });
    expect(await store.outbox.claimPost('h1', T + 1)).toBe(true);
    await store.outbox.markSent('h1', 'msg-1', 1, T + 2);
    await store.outbox.finish('h2', 'failed', 'channel_not_found', T + 3);
    await store.outbox.retry('h3', T + 10, 'rate_limited', false, T + 4);
    expect(await store.outbox.claimPost('t1', T + 5)).toBe(true);
    await store.outbox.markSent('t1', 'msg-t1', 1, T + 6);
    const health = await store.subscriptions.health([subId, 'nobody']);
    expect(health.get(subId)).toEqual({ lastSentAt: T + 2, sent: 1, failed: 1, queued: 1, lastError: 'rate_limited', lastTestAt: T + 6 });
    expect(health.get('nobody')).toEqual({ lastSentAt: null, sent: 0, failed: 0, queued: 0, lastError: null, lastTestAt: null });
  });

  it('outbox: one row per (story, subscription), never two', async () => {
    expect(await insert('d1')).toBe(true);
    expect(await insert('d2', { storyId: 'story-d1' })).toBe(false);
    expect(await insert('d1', { storyId: 'another' })).toBe(false);
    expect((await store.outbox.forStory('story-d1', subId))?.id).toBe('d1');
    expect(await store.outbox.get('d2')).toBeNull();
    expect(await store.outbox.get('d1')).toMatchObject({ state: 'pending', attempts: 0, inDoubt: false, createdAt: T, updatedAt: T, dueAt: T });
  });

  it('outbox: due order (breaking first, then oldest), platforms, next due time, and claims that only one caller wins', async () => {
    await insert('r-old', { dueAt: T - 100 });
    await insert('b', { priorityRank: 0, dueAt: T });
    await insert('r-new', { dueAt: T - 50 });
    await insert('later', { dueAt: T + 60_000 });
    await insert('slack', { platform: 'slack', dueAt: T - 200 });
    expect((await store.outbox.due(T, ['discord'], 10)).map((d) => d.id)).toEqual(['b', 'r-old', 'r-new']);
    expect((await store.outbox.due(T, ['discord', 'slack'], 2)).map((d) => d.id)).toEqual(['b', 'slack']);
    expect(await store.outbox.due(T, [], 10)).toEqual([]);
    expect(await store.outbox.nextDueAt(['discord'], T)).toBe(T + 60_000);
    expect(await store.outbox.nextDueAt(['terminal'], T)).toBeNull();
    const claims = await Promise.all([store.outbox.claimPost('b', T), store.outbox.claimPost('b', T)]);
    expect(claims.sort()).toEqual([false, true]);
    expect(await store.outbox.get('b')).toMatchObject({ state: 'sending', attempts: 1, dueAt: null });
    expect((await store.outbox.inDoubt('discord')).map((d) => d.id)).toEqual(['b']);
    await store.outbox.retry('b', T + 5, 'timeout', true, T + 1);
    expect(await store.outbox.get('b')).toMatchObject({ state: 'pending', dueAt: T + 5, inDoubt: true, lastError: 'timeout', updatedAt: T + 1 });
  });

  it('outbox: many rows in one call, each skipped when its (story, subscription) pair has a row', async () => {
    await insert('m1', { storyId: 'story-m' });
    const second = (await store.subscriptions.create({ platform: 'slack', workspace: 'T9', channel: 'C2', minPriority: 'breaking' }, { id: 'U2', name: 'Bo' }, NOW)).id;
    expect(await store.outbox.insertMany([], T)).toBe(0);
    expect(await store.outbox.insertMany([
      delivery('m2', { subscriptionId: subId, storyId: 'story-m' }),
      delivery('m3', { subscriptionId: second, storyId: 'story-m', platform: 'slack', channel: 'slack:T9/C2', priorityRank: 0, dueAt: T + 5 }),
      delivery('m4', { subscriptionId: second, storyId: 'story-n', state: 'skipped', reason: 'subscription paused', dueAt: undefined }),
    ], T + 1)).toBe(2);
    expect(await store.outbox.get('m2')).toBeNull();
    expect(await store.outbox.get('m3')).toMatchObject({ storyId: 'story-m', subscriptionId: second, platform: 'slack', channel: 'slack:T9/C2', priorityRank: 0, state: 'pending', dueAt: T + 5, targetVersion: 1, createdAt: T + 1, updatedAt: T + 1 });
    expect(await store.outbox.get('m4')).toMatchObject({ state: 'skipped', reason: 'subscription paused', dueAt: null });
  });

  it('outbox: a new version retargets, a posted row becomes due for an edit, and edits are claimed once', async () => {
    await insert('e1', { priorityRank: 2 });
    await store.outbox.claimPost('e1', T);
    await store.outbox.markSent('e1', 'msg-9', 1, T + 1);
    expect(await store.outbox.get('e1')).toMatchObject({ state: 'sent', messageRef: 'msg-9', sentAt: T + 1, deliveredVersion: 1, threadVersion: 1, dueAt: null });
    expect(await store.outbox.retarget('art-e1', 2, 0, T + 2)).toBe(1);
    expect(await store.outbox.retarget('art-e1', 2, 0, T + 3)).toBe(0);
    expect(await store.outbox.get('e1')).toMatchObject({ targetVersion: 2, priorityRank: 0, dueAt: T + 2 });
    expect(await store.outbox.claimEdit('e1', T + 4)).toBe(true);
    expect(await store.outbox.claimEdit('e1', T + 4)).toBe(false);
    // A crash mid-edit: the edit becomes due again on restart.
    expect(await store.outbox.resumeEdits(T + 5)).toBe(1);
    await store.outbox.markThreaded('e1', 2, T + 6);
    await store.outbox.markThreaded('e1', 1, T + 6);
    expect((await store.outbox.get('e1'))?.threadVersion).toBe(2);
    await store.outbox.markEdited('e1', 2, null, T + 7);
    expect(await store.outbox.get('e1')).toMatchObject({ deliveredVersion: 2, threadVersion: 2, dueAt: null, attempts: 0 });
    await store.outbox.retarget('art-e1', 3, 2, T + 8);
    await store.outbox.giveUpEdit('e1', 'message deleted', T + 9);
    expect(await store.outbox.get('e1')).toMatchObject({ deliveredVersion: 3, dueAt: null, lastError: 'message deleted', state: 'sent' });
  });

  it('outbox: a claim whose outcome could not be written is released: a post back to pending in doubt, an edit due again; a recorded outcome is left alone', async () => {
    await insert('r1');
    expect(await store.outbox.claimPost('r1', T)).toBe(true);
    expect(await store.outbox.releaseClaim('r1', 'the store failed', T + 1)).toBe(true);
    expect(await store.outbox.get('r1')).toMatchObject({ state: 'pending', inDoubt: true, dueAt: T + 1, lastError: 'the store failed', attempts: 1 });
    // Released again (the first answer was lost): nothing left to release.
    expect(await store.outbox.releaseClaim('r1', 'again', T + 2)).toBe(false);
    expect(await store.outbox.claimPost('r1', T + 3)).toBe(true);
    await store.outbox.markSent('r1', 'msg-1', 1, T + 4);
    // The outcome was written after all (its answer lost): the row stays sent, not due.
    expect(await store.outbox.releaseClaim('r1', 'late', T + 5)).toBe(false);
    expect(await store.outbox.get('r1')).toMatchObject({ state: 'sent', dueAt: null, inDoubt: false, lastError: null });
    await store.outbox.retarget('art-r1', 2, 2, T + 6);
    expect(await store.outbox.claimEdit('r1', T + 7)).toBe(true);
    expect(await store.outbox.releaseClaim('r1', 'edit lost', T + 8)).toBe(true);
    expect(await store.outbox.get('r1')).toMatchObject({ state: 'sent', dueAt: T + 8, inDoubt: false, lastError: 'edit lost' });
    expect(await store.outbox.releaseClaim('missing', 'x', T)).toBe(false);
  });

  it('outbox: state guards follow the domain table (a sent row is never claimed again; skipped is final)', async () => {
    const claimable = statesBefore('sending');
    expect(claimable).toEqual(['pending']);
    await insert('g1');
    await store.outbox.claimPost('g1', T);
    await store.outbox.markSent('g1', 'm', 1, T);
    await store.outbox.retarget('art-g1', 2, 2, T); // due again, but for an edit
    expect(await store.outbox.claimPost('g1', T)).toBe(false);
    await insert('g2');
    await store.outbox.finish('g2', 'skipped', 'paused', T);
    await store.outbox.releaseDigests(subId, T);
    expect(await store.outbox.claimPost('g2', T)).toBe(false);
    expect(await store.outbox.get('g2')).toMatchObject({ state: 'skipped', reason: 'paused', lastError: null });
    await insert('g3');
    await store.outbox.finish('g3', 'failed', 'gone', T);
    expect(await store.outbox.get('g3')).toMatchObject({ state: 'failed', lastError: 'gone' });
    expect(DELIVERY_STATES).toContain('held');
  });

  it('outbox: groups (folds and digests) collect members; members are sent or failed with the group; pausing skips the queue', async () => {
    await insert('fold-1', { kind: 'fold', storyId: 'fold:x', articleId: null, dueAt: T + 100 });
    await insert('fold-2', { kind: 'fold', storyId: 'fold:x:2', articleId: null, dueAt: T + 100 });
    await insert('dig', { kind: 'digest', storyId: 'digest:1', articleId: null, dueAt: T + 500 });
    expect((await store.outbox.openGroup(subId, 'fold'))?.id).toBe('fold-1');
    expect((await store.outbox.openGroup(subId, 'fold', 'fold:x'))?.id).toBe('fold-1');
    expect(await store.outbox.openGroup(subId, 'fold', 'fold:')).toBeNull();
    expect(await store.outbox.openGroup(subId, 'digest', 'fold:x')).toBeNull();
    await insert('m1', { state: 'folded', foldedInto: 'fold-1', dueAt: null });
    await insert('m2', { state: 'folded', foldedInto: 'fold-1', dueAt: null, priorityRank: 1 });
    await insert('m3', { state: 'held', foldedInto: 'dig', dueAt: null });
    await insert('m4', { state: 'held', foldedInto: 'dig', dueAt: null });
    expect((await store.outbox.members('fold-1')).map((d) => d.id)).toEqual(['m2', 'm1']);
    await store.outbox.markMembersSent('fold-1', 'fold-msg', T + 1);
    expect(await store.outbox.get('m1')).toMatchObject({ state: 'sent', messageRef: 'fold-msg', deliveredVersion: 1 });
    await store.outbox.failMembers('dig', 'digest failed', T + 2);
    expect(await store.outbox.get('m3')).toMatchObject({ state: 'failed', reason: 'digest failed' });
    await insert('q1');
    await insert('q2', { state: 'held', dueAt: null });
    expect(await store.outbox.countPendingRoutine(subId)).toBe(1);
    await store.outbox.releaseDigests(subId, T + 3);
    expect((await store.outbox.get('dig'))?.dueAt).toBe(T + 3);
    // pending: q1, fold-2, dig (3); held: q2 → 4 skipped; sent/failed rows stay as they are.
    expect(await store.outbox.skipQueued(subId, 'subscription paused', T + 4)).toBe(5);
    expect(await store.outbox.get('m1')).toMatchObject({ state: 'sent' });
    expect(await store.outbox.get('q2')).toMatchObject({ state: 'skipped', reason: 'subscription paused', dueAt: null });
  });

  it('stories: first writer wins, looked up by article and by URL, listed by the clock’s seen times', async () => {
    await store.stories.addStory({ articleId: 'a1', storyId: 'a1', canonicalUrl: 'https://x.example/a', titleKey: 'flood river', duplicateReason: null, quiet: false, seenAt: T, origin: 'push' });
    await store.stories.addStory({ articleId: 'a2', storyId: 'a1', canonicalUrl: null, titleKey: 'flood river rises', duplicateReason: 'near-duplicate headline', quiet: true, seenAt: T + 10, origin: 'push' });
    await store.stories.addStory({ articleId: 'a1', storyId: 'zzz', canonicalUrl: null, titleKey: 'other', duplicateReason: null, quiet: false, seenAt: T + 20, origin: 'push' });
    await store.stories.addStory({ articleId: 'a3', storyId: 'a3', canonicalUrl: null, titleKey: 'same time', duplicateReason: null, quiet: false, seenAt: T + 10, origin: 'push' });
    expect(await store.stories.story('a1')).toEqual({ articleId: 'a1', storyId: 'a1', duplicateOf: null, duplicateReason: null, quiet: false, seenAt: T });
    expect(await store.stories.story('a2')).toEqual({ articleId: 'a2', storyId: 'a1', duplicateOf: 'a1', duplicateReason: 'near-duplicate headline', quiet: true, seenAt: T + 10 });
    expect(await store.stories.story('none')).toBeNull();
    expect(await store.stories.storyByUrl('https://x.example/a', null)).toBe('a1');
    expect(await store.stories.storyByUrl('https://x.example/b', null)).toBeNull();
    expect(await store.stories.storiesSeenSince(T + 1)).toEqual([
      { articleId: 'a2', storyId: 'a1', key: 'flood river rises', seenAt: T + 10, origin: 'push' },
      { articleId: 'a3', storyId: 'a3', key: 'same time', seenAt: T + 10, origin: 'push' },
    ]);
    // In the order written, from a position on (what another instance's index has not read yet).
    const all = await store.stories.storiesAddedAfter(0, 0);
    expect(all.map((s) => s.articleId)).toEqual(['a1', 'a2', 'a3']);
    expect(all[0].position).toBeLessThan(all[1].position);
    expect(all[1].position).toBeLessThan(all[2].position);
    expect(await store.stories.storiesAddedAfter(all[0].position, 0)).toEqual([
      { articleId: 'a2', storyId: 'a1', key: 'flood river rises', seenAt: T + 10, origin: 'push', position: all[1].position },
      { articleId: 'a3', storyId: 'a3', key: 'same time', seenAt: T + 10, origin: 'push', position: all[2].position },
    ]);
    expect((await store.stories.storiesAddedAfter(0, T + 1)).map((s) => s.articleId)).toEqual(['a2', 'a3']);
    expect(await store.stories.storiesAddedAfter(all[2].position, 0)).toEqual([]);
  });

  it('audit: appended in order per scope, newest first, with detail; history cannot be rewritten', async () => {
    await store.audit.append(NOW, actor, scope, 'subscribe', subId, { channel: 'C1' });
    await store.audit.append(new Date(T + 1000), actor, scope, 'pause', subId);
    await store.audit.append(NOW, { ...actor, platform: 'system' }, other, 'elsewhere', null);
    const recent = await store.audit.recent(scope, 10);
    expect(recent.map((e) => e.action)).toEqual(['pause', 'subscribe']);
    expect(recent[1]).toMatchObject({ at: NOW.toISOString(), actorId: 'U1', actorName: 'Ada', platform: 'discord', workspace: 'G1', subscriptionId: subId, detail: { channel: 'C1' } });
    expect(recent[1].id).toBeLessThan(recent[0].id);
    expect((await store.audit.recent(scope, 1)).map((e) => e.action)).toEqual(['pause']);
    const db = (store as unknown as { db: { exec?: (s: string) => void; query?: (s: string) => Promise<unknown> } }).db;
    const rewrite = async () => (db.exec ? db.exec('UPDATE alert_audit SET action = \'x\'') : await db.query!('UPDATE alert_audit SET action = \'x\''));
    await expect(rewrite()).rejects.toThrow(/append-only/);
  });

  it('feed state: saved and read back, items first seen at the clock’s time, forgotten when the URL changes', async () => {
    expect(await store.feedState.get('f1')).toBeNull();
    const state = { ...freshFeedState('f1', 'https://feed.example/rss'), etag: '"abc"', firstPollDone: true, lastAttemptAt: T, lastSuccessAt: T, nextPollAt: T + 60_000 };
    await store.feedState.save(state);
    expect(await store.feedState.get('f1')).toEqual(state);
    await store.feedState.save({ ...state, consecutiveFailures: 2, failingSince: T + 1, lastError: 'HTTP 503' });
    expect(await store.feedState.get('f1')).toMatchObject({ consecutiveFailures: 2, failingSince: T + 1, lastError: 'HTTP 503', etag: '"abc"' });
    await store.feedState.markSeen('f1', ['i1', 'i2', 'i1'], T);
    await store.feedState.markSeen('f1', ['i2', 'i3'], T + 1000);
    expect(await store.feedState.firstSeen('f1', 'i2')).toBe(T);
    expect(await store.feedState.firstSeen('f1', 'i3')).toBe(T + 1000);
    expect(await store.feedState.firstSeen('f2', 'i1')).toBeNull();
    // Items gone from the feed for more than 30 days are forgotten.
    await store.feedState.markSeen('f1', ['i3'], T + 31 * 86_400_000);
    expect(await store.feedState.firstSeen('f1', 'i1')).toBeNull();
    expect(await store.feedState.firstSeen('f1', 'i3')).toBe(T + 1000);
    await store.feedState.forgetItems('f1');
    expect(await store.feedState.firstSeen('f1', 'i3')).toBeNull();
  });

  it('pacing state: learned ceilings per workspace, last write wins', async () => {
    expect(await store.pacingState.loadCeilings()).toEqual([]);
    await store.pacingState.saveCeiling({ platform: 'slack', workspace: 'T1', perMinute: 40, learnedAt: new Date(T) });
    await store.pacingState.saveCeiling({ platform: 'slack', workspace: 'T1', perMinute: 32.5, learnedAt: new Date(T + 1) });
    expect(await store.pacingState.loadCeilings()).toEqual([{ platform: 'slack', workspace: 'T1', perMinute: 32.5, learnedAt: new Date(T + 1) }]);
  });

  it('action state: a short key, read back until it expires on the application clock', async () => {
    const key = await store.actionState.put({ q: 'flood', page: 2 });
    expect(key).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(await store.actionState.get(key)).toEqual({ q: 'flood', page: 2 });
    expect(await store.actionState.get('nope')).toBeNull();
    expect(await store.actionState.get('')).toBeNull();
    await expect(store.actionState.put('x'.repeat(20_000))).rejects.toThrow(/too large/);
    clockMs = T + 8 * 86_400_000;
    expect(await store.actionState.get(key)).toBeNull();
  });
});

export type { DeliveryState };
