import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';
import type { NewDelivery } from '../../../src/domain/delivery.js';

eachBackend(import.meta.filename, 'SubscriptionStore: briefing schedules', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => NOW });
  });
  afterEach(() => backend.cleanup());

  it('a schedule round-trips as a subscription of kind briefing, in the same id space; an alert subscription has none', async () => {
    const by = { id: 'U1', name: 'Ada' };
    const briefing = await store.subscriptions.create({
      platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', minPriority: 'routine', sections: ['world', 'politics'],
      briefing: { at: '07:30', tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    }, by, NOW);
    const alerts = await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/C2', minPriority: 'urgent' }, by, NOW);
    expect(briefing.id).not.toBe(alerts.id);
    expect(await store.subscriptions.get(briefing.id)).toMatchObject({
      sections: ['world', 'politics'], briefing: { at: '07:30', tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }, paused: false,
    });
    expect((await store.subscriptions.get(alerts.id))?.briefing).toBeNull();
    expect((await store.subscriptions.list({ platform: 'discord', workspace: 'G1' })).map((s) => [s.id, s.briefing?.at ?? null]).sort())
      .toEqual([[briefing.id, '07:30'], [alerts.id, null]].sort());
    await store.subscriptions.setPaused(briefing.id, true, 'by Ada');
    expect((await store.subscriptions.active()).find((s) => s.id === briefing.id)).toMatchObject({ paused: true, briefing: { days: ['mon', 'tue', 'wed', 'thu', 'fri'] } });
  });

  it('a run row is keyed (briefing:<id>:<local date>, subscription): written twice (two instances, a restart) it is one row', async () => {
    const sub = await store.subscriptions.create({
      platform: 'slack', workspace: 'T1', channel: 'slack:T1/C1', minPriority: 'routine',
      briefing: { at: '07:30', tz: 'Europe/London', days: ['mon'] },
    }, { id: 'U1', name: 'Ada' }, NOW);
    const due = Date.parse('2026-11-30T07:30:00Z');
    const run = (id: string): NewDelivery => ({
      id, storyId: `briefing:${sub.id}:2026-11-30`, articleId: null, subscriptionId: sub.id, kind: 'briefing', platform: 'slack',
      channel: 'slack:T1/C1', priorityRank: 1, state: 'pending', targetVersion: 1, dueAt: due, payload: JSON.stringify({ localDate: '2026-11-30', dueAt: due }),
    });
    expect(await store.outbox.insert(run('run-a'), NOW.getTime())).toBe(true);
    expect(await store.outbox.insert(run('run-b'), NOW.getTime() + 5)).toBe(false);
    expect(await store.outbox.insertMany([run('run-c')], NOW.getTime() + 9)).toBe(0);
    expect(await store.outbox.forStory(`briefing:${sub.id}:2026-11-30`, sub.id)).toMatchObject({ id: 'run-a', kind: 'briefing', state: 'pending', dueAt: due });
    expect(await store.outbox.forStoryAll(`briefing:${sub.id}:2026-11-30`)).toHaveLength(1);
    // Due at its instant, like any row: the timer is armed from it, and it is claimed once.
    expect(await store.outbox.nextDueAt(['slack'], NOW.getTime())).toBe(due);
    expect((await store.outbox.due(due, ['slack'], 10)).map((d) => d.id)).toEqual(['run-a']);
    expect(await store.outbox.claimPost('run-a', due)).toBe(true);
    expect(await store.outbox.claimPost('run-a', due)).toBe(false);
    await store.outbox.markSent('run-a', 'slack:T1/C1#1.2', 1, due + 40);
    expect(await store.outbox.get('run-a')).toMatchObject({ state: 'sent', dueAt: null, sentAt: due + 40 });
    // The next run's key is another row.
    expect(await store.outbox.insert({ ...run('run-d'), storyId: `briefing:${sub.id}:2026-12-07` }, due + 50)).toBe(true);
  });

  it('a stopped scope holds its briefing runs (not due, no timer) until it starts again', async () => {
    const sub = await store.subscriptions.create({
      platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', minPriority: 'routine', briefing: { at: '07:30', tz: 'UTC', days: ['mon'] },
    }, { id: 'U1', name: 'Ada' }, NOW);
    const due = NOW.getTime() + 60_000;
    await store.outbox.insert({
      id: 'run-s', storyId: `briefing:${sub.id}:2026-11-30`, articleId: null, subscriptionId: sub.id, kind: 'briefing', platform: 'discord',
      channel: 'discord:G1/C1', priorityRank: 1, state: 'pending', targetVersion: 1, dueAt: due,
    }, NOW.getTime());
    await store.subscriptions.stopScope({ platform: 'discord', workspace: 'G1', stoppedAt: NOW.toISOString(), by: { id: 'U1', name: 'Ada' }, reason: null });
    expect(await store.outbox.nextDueAt(['discord'], NOW.getTime())).toBeNull();
    expect(await store.outbox.due(due, ['discord'], 10)).toEqual([]);
    await store.subscriptions.startScope({ platform: 'discord', workspace: 'G1' });
    expect((await store.outbox.due(due, ['discord'], 10)).map((d) => d.id)).toEqual(['run-s']);
  });
});
