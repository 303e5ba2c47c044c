import { afterEach, beforeEach, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/domain/delivery.js';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

/** OutboxStore.stateCounts (what /metrics shows as newsdesk_outbox_rows and newsdesk_outbox_due), on both backends. */
const T = NOW.getTime();

eachBackend(import.meta.filename, 'outbox state counts', (backend) => {
  let store: Store;
  let subId: string;
  beforeEach(async () => {
    store = await backend.open({ now: () => NOW });
    subId = (await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, NOW)).id;
  });
  afterEach(() => backend.cleanup());

  const row = (id: string, over: Partial<NewDelivery>): NewDelivery => ({
    id, storyId: `story-${id}`, articleId: `art-${id}`, subscriptionId: subId, kind: 'alert', platform: 'discord',
    channel: 'discord:G1/C1', priorityRank: 0, state: 'pending', targetVersion: 1, dueAt: T, ...over,
  });

  it('counts rows per state and platform, and those due by the time given', async () => {
    expect(await store.outbox.stateCounts(T)).toEqual([]);
    await store.outbox.insert(row('a', { dueAt: T - 1_000 }), T);
    await store.outbox.insert(row('b', { dueAt: T + 60_000 }), T);
    await store.outbox.insert(row('c', { platform: 'slack', channel: 'slack:T1/C9', dueAt: T }), T);
    await store.outbox.insert(row('d', { state: 'skipped', dueAt: null }), T);
    const sorted = (await store.outbox.stateCounts(T)).sort((x, y) => `${x.state}${x.platform}`.localeCompare(`${y.state}${y.platform}`));
    expect(sorted).toEqual([
      { state: 'pending', platform: 'discord', rows: 2, due: 1 },
      { state: 'pending', platform: 'slack', rows: 1, due: 1 },
      { state: 'skipped', platform: 'discord', rows: 1, due: 0 },
    ]);
    expect((await store.outbox.stateCounts(T + 60_000)).find((r) => r.state === 'pending' && r.platform === 'discord')?.due).toBe(2);
  });
});
