import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

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
});
