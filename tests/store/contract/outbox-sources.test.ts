import { afterEach, beforeEach, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/domain/delivery.js';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

const T = NOW.getTime();
const MIN = 60_000;

eachBackend(import.meta.filename, 'OutboxStore: coalesced "+N sources" edits', (backend) => {
  let store: Store;
  let subId: string;
  beforeEach(async () => {
    store = await backend.open({ now: () => NOW });
    subId = (await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', minPriority: 'routine' }, { id: 'U1', name: 'Ada' }, NOW)).id;
  });
  afterEach(() => backend.cleanup());

  const row = (id: string, over: Partial<NewDelivery> = {}): NewDelivery => ({
    id, storyId: `story-${id}`, articleId: `art-${id}`, subscriptionId: subId, kind: 'alert', platform: 'discord',
    channel: 'discord:G1/C1', priorityRank: 0, state: 'pending', targetVersion: 1, dueAt: T, ...over,
  });
  /** A row posted at `at` (claimed and marked sent, as the dispatcher does). */
  const posted = async (id: string, at: number, over: Partial<NewDelivery> = {}) => {
    await store.outbox.insert(row(id, { dueAt: at, ...over }), at);
    expect(await store.outbox.claimPost(id, at)).toBe(true);
    await store.outbox.markSent(id, `discord:G1/C1#m-${id}`, 1, at);
  };
  const dueAt = async (id: string) => (await store.outbox.get(id))!.dueAt;

  it('a join within ten minutes of the post is due ten minutes after it; a second join keeps that time', async () => {
    await posted('a', T);
    expect(await store.outbox.sourcesJoined('story-a', T + 2 * MIN)).toBe(1);
    expect(await dueAt('a')).toBe(T + 10 * MIN);
    await store.outbox.sourcesJoined('story-a', T + 7 * MIN);
    expect(await dueAt('a')).toBe(T + 10 * MIN);
  });

  it('a join long after the last change is due at once; the next one ten minutes after that edit', async () => {
    await posted('a', T);
    await store.outbox.sourcesJoined('story-a', T + 30 * MIN);
    expect(await dueAt('a')).toBe(T + 30 * MIN);
    expect(await store.outbox.claimEdit('a', T + 30 * MIN)).toBe(true);
    await store.outbox.markEdited('a', 1, null, T + 30 * MIN);
    expect(await dueAt('a')).toBeNull();
    await store.outbox.sourcesJoined('story-a', T + 33 * MIN);
    expect(await dueAt('a')).toBe(T + 40 * MIN);
  });

  it('a row already due (a content edit) keeps its time and carries the count', async () => {
    await posted('a', T);
    await store.outbox.retarget('art-a', 2, 0, T + 4 * MIN);
    expect(await dueAt('a')).toBe(T + 4 * MIN);
    await store.outbox.sourcesJoined('story-a', T + 5 * MIN);
    expect(await dueAt('a')).toBe(T + 4 * MIN);
    expect(await store.outbox.claimEdit('a', T + 5 * MIN)).toBe(true);
    await store.outbox.markEdited('a', 2, null, T + 5 * MIN);
    expect(await dueAt('a')).toBeNull();
  });

  it('a join while an edit or a post is in flight is edited in ten minutes, not lost and not at once', async () => {
    await posted('a', T);
    await store.outbox.sourcesJoined('story-a', T + 20 * MIN);
    expect(await store.outbox.claimEdit('a', T + 20 * MIN)).toBe(true);
    await store.outbox.sourcesJoined('story-a', T + 20 * MIN + 500);
    expect(await dueAt('a')).toBeNull();
    await store.outbox.markEdited('a', 1, null, T + 21 * MIN);
    expect(await dueAt('a')).toBe(T + 31 * MIN);

    await store.outbox.insert(row('b'), T);
    expect(await store.outbox.claimPost('b', T)).toBe(true);
    await store.outbox.sourcesJoined('story-b', T + 1000);
    await store.outbox.markSent('b', 'discord:G1/C1#m-b', 1, T + 2000);
    expect(await dueAt('b')).toBe(T + 2000 + 10 * MIN);
  });

  it('rows not yet posted, recalled or in a digest are not made due', async () => {
    await store.outbox.insert(row('p', { dueAt: T + 5 * MIN }), T);
    await store.outbox.sourcesJoined('story-p', T + MIN);
    expect(await dueAt('p')).toBe(T + 5 * MIN);
    await posted('r', T);
    await store.outbox.recallRows('story-r', null, 'wrong story', T + MIN);
    await store.outbox.claimDelete('r', T + MIN);
    await store.outbox.markDeleted('r', 'deleted', null, T + MIN);
    expect(await store.outbox.sourcesJoined('story-r', T + 30 * MIN)).toBe(0);
    expect(await dueAt('r')).toBeNull();
  });

  it('sources-only edits come after every post and content edit due, whatever their priority', async () => {
    await posted('s', T - 30 * MIN);
    await store.outbox.sourcesJoined('story-s', T - 20 * MIN);
    await posted('c', T - 30 * MIN, { priorityRank: 2 });
    await store.outbox.retarget('art-c', 2, 2, T - 5 * MIN);
    await store.outbox.insert(row('n', { priorityRank: 2, dueAt: T - MIN }), T - MIN);
    expect((await store.outbox.due(T, ['discord'], 10)).map((d) => d.id)).toEqual(['c', 'n', 's']);
  });
});
