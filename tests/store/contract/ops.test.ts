import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

const T = NOW.getTime();
const guild = { platform: 'discord' as const, workspace: 'G1' };
const team = { platform: 'slack' as const, workspace: 'T9' };
const ada = { id: 'U1', name: 'Ada' };

eachBackend(import.meta.filename, 'operations channels', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => NOW });
  });
  afterEach(() => backend.cleanup());

  it('one per scope: set, replace, read, clear', async () => {
    expect(await store.ops.channel(guild)).toBeNull();
    await store.ops.setChannel(guild, { channel: 'discord:G1/111', channelName: 'ops' }, ada, NOW);
    await store.ops.setChannel(team, { channel: 'slack:T9/C0OPS', channelName: null }, { id: 'U2', name: 'Bo' }, NOW);
    await store.ops.setChannel(guild, { channel: 'discord:G1/222', channelName: 'newsroom-ops' }, ada, new Date(T + 1000));
    expect(await store.ops.channel(guild)).toEqual({
      platform: 'discord', workspace: 'G1', channel: 'discord:G1/222', channelName: 'newsroom-ops', setBy: 'U1', setByName: 'Ada', setAt: new Date(T + 1000).toISOString(),
    });
    expect((await store.ops.channels()).map((c) => c.channel)).toEqual(['discord:G1/222', 'slack:T9/C0OPS']);
    await store.ops.setChannel(guild, null, ada, NOW);
    expect(await store.ops.channel(guild)).toBeNull();
    expect((await store.ops.channels()).map((c) => c.channel)).toEqual(['slack:T9/C0OPS']);
  });

  it('a problem opens once and closes once, per scope and cause', async () => {
    expect(await store.ops.openProblem(guild, 'sub:k7m2p', 'missing Send Messages', T)).toBe(true);
    expect(await store.ops.openProblem(guild, 'sub:k7m2p', 'missing Send Messages', T + 5)).toBe(false);
    expect(await store.ops.openProblem(team, 'sub:k7m2p', 'elsewhere', T + 1)).toBe(true);
    expect(await store.ops.openProblem(guild, 'feed:wire', 'HTTP 503', T + 2)).toBe(true);
    expect(await store.ops.problems(guild)).toEqual([
      { cause: 'sub:k7m2p', detail: 'missing Send Messages', openedAt: T },
      { cause: 'feed:wire', detail: 'HTTP 503', openedAt: T + 2 },
    ]);
    expect(await store.ops.closeProblem(guild, 'sub:k7m2p')).toBe(true);
    expect(await store.ops.closeProblem(guild, 'sub:k7m2p')).toBe(false);
    expect((await store.ops.problems(team)).map((p) => p.cause)).toEqual(['sub:k7m2p']);
    // Opened again after it closed: a new problem.
    expect(await store.ops.openProblem(guild, 'sub:k7m2p', 'again', T + 9)).toBe(true);
  });

  it('a notice is an outbox row keyed (ops:<cause>:<day>, ops:<scope>): no subscription row needed, never two', async () => {
    const notice = {
      id: 'n1', storyId: 'ops:sub:k7m2p:2026-03-01', articleId: null, subscriptionId: 'ops:discord:G1', kind: 'notice' as const,
      platform: 'discord' as const, channel: 'discord:G1/111', priorityRank: 0, state: 'pending' as const, targetVersion: 1, dueAt: T,
      payload: JSON.stringify({ text: 'paused' }),
    };
    expect(await store.outbox.insert(notice, T)).toBe(true);
    expect(await store.outbox.insert({ ...notice, id: 'n2' }, T)).toBe(false);
    expect(await store.outbox.get('n1')).toMatchObject({ kind: 'notice', subscriptionId: 'ops:discord:G1', payload: JSON.stringify({ text: 'paused' }) });
    expect((await store.outbox.due(T, ['discord'], 10)).map((d) => d.id)).toEqual(['n1']);
  });
});
