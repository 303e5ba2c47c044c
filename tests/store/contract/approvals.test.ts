import { afterEach, beforeEach, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/domain/delivery.js';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

/** Editor approval and the verification label (issue 26), on both backends. Expected values are written out. */
const T = NOW.getTime();
const EDITORS = 'discord:G1/C-editors';
const ada = { id: 'U1', name: 'Ada' };
const bo = { id: 'U2', name: 'Bo' };

eachBackend(import.meta.filename, 'approvals', (backend) => {
  let store: Store;
  let gated: string;
  let gated2: string;
  let plain: string;
  beforeEach(async () => {
    store = await backend.open({ now: () => NOW });
    const base = { platform: 'discord' as const, workspace: 'G1', minPriority: 'routine' as const };
    gated = (await store.subscriptions.create({ ...base, channel: 'discord:G1/C-public', approvalChannel: EDITORS, approvalChannelName: 'editors' }, ada, NOW)).id;
    gated2 = (await store.subscriptions.create({ ...base, channel: 'discord:G1/C-world', approvalChannel: EDITORS, approvalChannelName: 'editors' }, ada, NOW)).id;
    plain = (await store.subscriptions.create({ ...base, channel: 'discord:G1/C-plain' }, ada, NOW)).id;
  });
  afterEach(() => backend.cleanup());

  const alert = (id: string, subscriptionId: string, over: Partial<NewDelivery> = {}): NewDelivery => ({
    id, storyId: 's1', articleId: 's1', subscriptionId, kind: 'alert', platform: 'discord', channel: 'discord:G1/C-x',
    priorityRank: 0, state: 'waiting', targetVersion: 1, ...over,
  });
  const preview = (id: string, over: Partial<NewDelivery> = {}): NewDelivery => ({
    id, storyId: 's1', articleId: 's1', subscriptionId: `approval:${EDITORS}`, kind: 'preview', platform: 'discord', channel: EDITORS,
    priorityRank: 0, state: 'pending', targetVersion: 1, dueAt: T, expiresAt: T + 120 * 60_000, ...over,
  });

  it('subscriptions keep their approval channel; others have none', async () => {
    expect(await store.subscriptions.get(gated)).toMatchObject({ approvalChannel: EDITORS, approvalChannelName: 'editors' });
    expect(await store.subscriptions.get(plain)).toMatchObject({ approvalChannel: null, approvalChannelName: null });
  });

  it('waiting rows are not due; approval makes them pending and due now, for that approval channel only', async () => {
    await store.outbox.insert(alert('w1', gated), T);
    await store.outbox.insert(alert('w2', gated2), T);
    await store.outbox.insert(alert('p1', plain, { state: 'pending', dueAt: T }), T);
    expect(await store.outbox.get('w1')).toMatchObject({ state: 'waiting', dueAt: null });
    expect(await store.outbox.claimPost('w1', T)).toBe(false);
    expect(await store.outbox.due(T + 1, ['discord'], 10)).toHaveLength(1);
    expect(await store.outbox.releaseWaiting('s1', 'discord:G1/C-other', T + 5)).toBe(0);
    expect(await store.outbox.releaseWaiting('s1', EDITORS, T + 5)).toBe(2);
    expect(await store.outbox.get('w1')).toMatchObject({ state: 'pending', dueAt: T + 5 });
    expect(await store.outbox.get('w2')).toMatchObject({ state: 'pending', dueAt: T + 5 });
    // Released once: a second approval moves nothing.
    expect(await store.outbox.releaseWaiting('s1', EDITORS, T + 6)).toBe(0);
  });

  it('rejection skips the waiting rows with the reason; removing the subscription skips its waiting rows', async () => {
    await store.outbox.insert(alert('w1', gated), T);
    await store.outbox.insert(alert('w2', gated2), T);
    expect(await store.outbox.skipQueued(gated2, 'subscription removed', T + 1)).toBe(1);
    expect(await store.outbox.get('w2')).toMatchObject({ state: 'skipped', reason: 'subscription removed' });
    expect(await store.outbox.skipWaiting('s1', EDITORS, 'rejected by Ada', T + 2)).toBe(1);
    expect(await store.outbox.get('w1')).toMatchObject({ state: 'skipped', reason: 'rejected by Ada', dueAt: null });
    expect(await store.outbox.releaseWaiting('s1', EDITORS, T + 3)).toBe(0);
  });

  it('one preview per (story, approval channel): a second insert is refused', async () => {
    expect(await store.outbox.insert(preview('v1'), T)).toBe(true);
    expect(await store.outbox.insert(preview('v2'), T)).toBe(false);
    expect((await store.outbox.forStoryAll('s1')).map((d) => d.id)).toEqual(['v1']);
    expect(await store.outbox.get('v1')).toMatchObject({ kind: 'preview', state: 'pending', expiresAt: T + 120 * 60_000 });
  });

  it('a posted preview is due at its expiry; touched, it is due for an edit; closed, it no longer expires', async () => {
    const expires = T + 120 * 60_000;
    await store.outbox.insert(preview('v1'), T);
    expect(await store.outbox.claimPost('v1', T)).toBe(true);
    await store.outbox.markSent('v1', 'msg-v1', 1, T + 10);
    expect(await store.outbox.get('v1')).toMatchObject({ state: 'sent', dueAt: expires });
    expect(await store.outbox.nextDueAt(['discord'], T + 10)).toBe(expires);
    // A new version while pending: due now for an edit; once edited, due at the expiry again.
    expect(await store.outbox.touchPreviews('s1', null, T + 20, false)).toBe(1);
    expect(await store.outbox.get('v1')).toMatchObject({ dueAt: T + 20, targetVersion: 2 });
    expect(await store.outbox.claimEdit('v1', T + 21)).toBe(true);
    await store.outbox.markEdited('v1', 2, null, T + 22);
    expect(await store.outbox.get('v1')).toMatchObject({ dueAt: expires, deliveredVersion: 2 });
    // Decided (or held): one more edit, then nothing due.
    expect(await store.outbox.touchPreviews('s1', EDITORS, T + 30, true)).toBe(1);
    expect(await store.outbox.get('v1')).toMatchObject({ dueAt: T + 30, expiresAt: null, targetVersion: 3 });
    expect(await store.outbox.claimEdit('v1', T + 31)).toBe(true);
    // A touch while the edit is in flight: the finishing edit leaves the row due again (it rendered the older state).
    await store.outbox.touchPreviews('s1', EDITORS, T + 32, true);
    expect(await store.outbox.get('v1')).toMatchObject({ dueAt: null, targetVersion: 4 });
    await store.outbox.markEdited('v1', 3, null, T + 33);
    expect(await store.outbox.get('v1')).toMatchObject({ dueAt: T + 33 });
    expect(await store.outbox.claimEdit('v1', T + 34)).toBe(true);
    await store.outbox.markEdited('v1', 4, null, T + 35);
    expect(await store.outbox.get('v1')).toMatchObject({ dueAt: null });
  });

  it('decisions: the first final one wins; a hold gives way to approve or reject, never the reverse', async () => {
    const first = await store.stories.decide({ storyId: 's1', channel: EDITORS, outcome: 'approved', label: 'confirmed', by: ada, at: T + 1 });
    expect(first).toEqual({ won: true, current: { storyId: 's1', channel: EDITORS, outcome: 'approved', label: 'confirmed', by: ada, at: T + 1 } });
    const second = await store.stories.decide({ storyId: 's1', channel: EDITORS, outcome: 'rejected', label: null, by: bo, at: T + 2 });
    expect(second).toEqual({ won: false, current: { storyId: 's1', channel: EDITORS, outcome: 'approved', label: 'confirmed', by: ada, at: T + 1 } });
    expect((await store.stories.decide({ storyId: 's1', channel: EDITORS, outcome: 'held', label: null, by: bo, at: T + 3 })).won).toBe(false);

    expect((await store.stories.decide({ storyId: 's2', channel: EDITORS, outcome: 'held', label: null, by: bo, at: T + 4 })).won).toBe(true);
    expect((await store.stories.decide({ storyId: 's2', channel: EDITORS, outcome: 'held', label: null, by: ada, at: T + 5 })).won).toBe(false);
    expect((await store.stories.decide({ storyId: 's2', channel: EDITORS, outcome: 'rejected', label: null, by: ada, at: T + 6 })).current)
      .toEqual({ storyId: 's2', channel: EDITORS, outcome: 'rejected', label: null, by: ada, at: T + 6 });
    expect((await store.stories.decide({ storyId: 's2', channel: EDITORS, outcome: 'expired', label: null, by: { id: 'system', name: 'Newsdesk' }, at: T + 7 })).won).toBe(false);
    // Another approval channel decides on its own.
    expect((await store.stories.decide({ storyId: 's1', channel: 'discord:G1/C-desk', outcome: 'expired', label: null, by: { id: 'system', name: 'Newsdesk' }, at: T + 8 })).won).toBe(true);
    expect((await store.stories.approvals('s1')).map((a) => [a.channel, a.outcome])).toEqual([[EDITORS, 'approved'], ['discord:G1/C-desk', 'expired']]);
    expect(await store.stories.approval('s9', EDITORS)).toBeNull();
  });

  it('two decisions written at the same moment: exactly one wins', async () => {
    const results = await Promise.all([
      store.transaction(() => store.stories.decide({ storyId: 's1', channel: EDITORS, outcome: 'approved', label: null, by: ada, at: T + 1 })),
      store.transaction(() => store.stories.decide({ storyId: 's1', channel: EDITORS, outcome: 'rejected', label: null, by: bo, at: T + 1 })),
    ]);
    expect(results.filter((r) => r.won)).toHaveLength(1);
    const stored = await store.stories.approval('s1', EDITORS);
    expect(results.map((r) => r.current)).toEqual([stored, stored]);
  });

  it('the label overlay: set, changed, the same label again is no change', async () => {
    expect(await store.stories.label('s1')).toBeNull();
    expect(await store.stories.setLabel({ storyId: 's1', label: 'developing', by: ada, at: T + 1 })).toBe(true);
    expect(await store.stories.setLabel({ storyId: 's1', label: 'developing', by: bo, at: T + 2 })).toBe(false);
    expect(await store.stories.label('s1')).toEqual({ storyId: 's1', label: 'developing', by: ada, at: T + 1 });
    expect(await store.stories.setLabel({ storyId: 's1', label: 'confirmed', by: bo, at: T + 3 })).toBe(true);
    expect(await store.stories.label('s1')).toEqual({ storyId: 's1', label: 'confirmed', by: bo, at: T + 3 });
  });

  it('a label change makes posted alerts due for one edit, without a new version; several changes make one edit', async () => {
    await store.outbox.insert(alert('a1', plain, { state: 'pending', dueAt: T }), T);
    await store.outbox.insert(alert('a2', gated), T);
    expect(await store.outbox.claimPost('a1', T)).toBe(true);
    await store.outbox.markSent('a1', 'msg-a1', 1, T + 1);
    expect(await store.outbox.get('a1')).toMatchObject({ dueAt: null });
    await store.outbox.relabel('s1', T + 10);
    await store.outbox.relabel('s1', T + 11);
    expect(await store.outbox.get('a1')).toMatchObject({ dueAt: T + 10, targetVersion: 1, deliveredVersion: 1 });
    // The waiting row is not posted: nothing to edit, it renders the label when it goes out.
    expect(await store.outbox.get('a2')).toMatchObject({ state: 'waiting', dueAt: null });
    expect(await store.outbox.claimEdit('a1', T + 12)).toBe(true);
    await store.outbox.markEdited('a1', 1, null, T + 13);
    expect(await store.outbox.get('a1')).toMatchObject({ dueAt: null });
    // A change while the edit is in flight: that edit may show the old label, so the row is due once more.
    expect(await store.outbox.claimEdit('a1', T + 14)).toBe(false);
    await store.outbox.relabel('s1', T + 15);
    expect(await store.outbox.claimEdit('a1', T + 16)).toBe(true);
    await store.outbox.relabel('s1', T + 17);
    expect(await store.outbox.get('a1')).toMatchObject({ dueAt: null });
    await store.outbox.markEdited('a1', 1, null, T + 18);
    expect(await store.outbox.get('a1')).toMatchObject({ dueAt: T + 18 });
  });

  it('the source’s verification: stored, not a new version when it changes (the previous one is handed on), kept when omitted, cleared by null', async () => {
    const base = { id: 'v-1', title: 'Bridge closes after a barge strike', priority: 'breaking' as const };
    const first = await store.articles.upsert({ ...base, verification: 'developing' });
    expect(first).toMatchObject({ outcome: 'created', article: { version: 1, verification: 'developing' } });
    const changed = await store.articles.upsert({ ...base, verification: 'confirmed' });
    expect(changed).toMatchObject({ outcome: 'unchanged', metadataChanged: true, article: { version: 1, verification: 'confirmed' }, previous: { verification: 'developing' } });
    expect(first.article.contentHash).toBe(changed.article.contentHash);
    expect(await store.articles.upsert({ ...base })).toMatchObject({ outcome: 'unchanged', article: { verification: 'confirmed' } });
    expect((await store.articles.upsert({ ...base, verification: null })).article.verification).toBeNull();
    expect((await store.articles.get('v-1'))?.verification).toBeNull();
    const plain = await store.articles.upsert({ id: 'v-2', title: 'Another story' });
    expect(plain.article.verification).toBeNull();
  });
});
