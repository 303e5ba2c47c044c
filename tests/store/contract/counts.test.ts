import { afterEach, beforeEach, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/domain/delivery.js';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

/**
 * What /metrics reads from the store, on both backends: OutboxStore.stateCounts (newsdesk_outbox_rows and
 * newsdesk_outbox_due) and SubscriptionStore.pausedReasons (newsdesk_subscriptions_paused).
 */
const T = NOW.getTime();

eachBackend(import.meta.filename, 'counts for /metrics', (backend) => {
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

  it('counts paused subscriptions per stored reason, leaving out active and removed ones', async () => {
    expect(await store.subscriptions.pausedReasons()).toEqual([]);
    const make = async (channel: string) => (await store.subscriptions.create({ platform: 'slack', workspace: 'T1', channel, minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, NOW)).id;
    const [a, b, c, d] = [await make('slack:T1/C1'), await make('slack:T1/C2'), await make('slack:T1/C3'), await make('slack:T1/C4')];
    await store.subscriptions.setPaused(a, true, 'slack: channel not found (channel_not_found)');
    await store.subscriptions.setPaused(b, true, 'slack: channel not found (channel_not_found)');
    await store.subscriptions.setPaused(c, true, 'paused by Ada');
    await store.subscriptions.setPaused(d, true, 'paused by Ada');
    await store.subscriptions.remove(d, NOW);
    const sorted = (await store.subscriptions.pausedReasons()).sort((x, y) => String(x.reason).localeCompare(String(y.reason)));
    expect(sorted).toEqual([
      { reason: 'paused by Ada', count: 1 },
      { reason: 'slack: channel not found (channel_not_found)', count: 2 },
    ]);
  });
});
