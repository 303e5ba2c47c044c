import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

const T = NOW.getTime();

/**
 * Where an alert lands (issue 30), on both backends: a subscription's publish option (migration 900), and a forum
 * post's message reference (the thread id twice) kept and found like any message's.
 */
eachBackend(import.meta.filename, 'alert targets', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => new Date(T) });
  });
  afterEach(() => backend.cleanup());

  it('publish: stored when asked, off by default, listed and active like every other option', async () => {
    const by = { id: 'U1', name: 'Ada' };
    const wire = await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/500', minPriority: 'breaking', publish: true, threads: true }, by, NOW);
    const desk = await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/600', minPriority: 'breaking' }, by, NOW);
    expect(wire).toMatchObject({ publish: true, threads: true, channel: 'discord:G1/500' });
    expect(desk).toMatchObject({ publish: false, threads: false });
    expect((await store.subscriptions.get(wire.id))?.publish).toBe(true);
    expect((await store.subscriptions.list({ platform: 'discord', workspace: 'G1' })).map((s) => [s.channel, s.publish]).sort())
      .toEqual([['discord:G1/500', true], ['discord:G1/600', false]]);
    expect((await store.subscriptions.active()).find((s) => s.id === wire.id)?.publish).toBe(true);
  });

  it('a Slack thread target: the thread\'s parent ts kept with the subscription (migration 912), none by default', async () => {
    const by = { id: 'U1', name: 'Ada' };
    const live = await store.subscriptions.create({ platform: 'slack', workspace: 'T1', channel: 'slack:T1/C1', minPriority: 'breaking', threadTs: '1765101234.000200' }, by, NOW);
    const plain = await store.subscriptions.create({ platform: 'slack', workspace: 'T1', channel: 'slack:T1/C2', minPriority: 'breaking' }, by, NOW);
    expect(live.threadTs).toBe('1765101234.000200');
    expect(plain.threadTs).toBeNull();
    expect((await store.subscriptions.get(live.id))?.threadTs).toBe('1765101234.000200');
    expect((await store.subscriptions.active()).find((s) => s.id === live.id)?.threadTs).toBe('1765101234.000200');
  });

  it('a forum post\'s reference (discord:<guild>/<thread>#<thread>) is kept on the delivery and its thread replies', async () => {
    const sub = await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/700', minPriority: 'routine', threads: true }, { id: 'U1', name: 'Ada' }, NOW);
    await store.outbox.insert({
      id: 'd1', storyId: 's1', articleId: 'a1', subscriptionId: sub.id, kind: 'alert', platform: 'discord',
      channel: 'discord:G1/700', priorityRank: 0, state: 'pending', targetVersion: 1, dueAt: T,
    }, T);
    expect(await store.outbox.claimPost('d1', T)).toBe(true);
    const post = 'discord:G1/1579555082452598784#1579555082452598784';
    await store.outbox.markSent('d1', post, 1, T);
    await store.outbox.markThreaded('d1', 2, T, 'discord:G1/1579555082452598784#1579555082620370944');
    const row = await store.outbox.get('d1');
    expect(row).toMatchObject({ state: 'sent', channel: 'discord:G1/700', messageRef: post, threadVersion: 2 });
    expect(row?.threadRefs).toEqual(['discord:G1/1579555082452598784#1579555082620370944']);
  });

  it('mention rules (migration 901): none by default, replaced as a whole, cleared with an empty list', async () => {
    const sub = await store.subscriptions.create({ platform: 'slack', workspace: 'T1', channel: 'slack:T1/C1', minPriority: 'routine' }, { id: 'U1', name: 'Ada' }, NOW);
    expect(sub.mentionRules).toEqual([]);
    const rules = [
      { mention: 'S0ELECTION', sections: ['politics'], keywords: [], minPriority: null },
      { mention: 'here', sections: [], keywords: ['shares', 'interest rates'], minPriority: 'urgent' as const },
    ];
    await store.subscriptions.setMentionRules(sub.id, rules);
    expect((await store.subscriptions.get(sub.id))?.mentionRules).toEqual(rules);
    expect((await store.subscriptions.active()).find((s) => s.id === sub.id)?.mentionRules).toEqual(rules);
    await store.subscriptions.setMentionRules(sub.id, []);
    expect((await store.subscriptions.get(sub.id))?.mentionRules).toEqual([]);
  });
});
