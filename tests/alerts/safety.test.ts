import { afterEach, describe, expect, it } from 'vitest';
import { matchSubscription } from '../../src/alerts/match.js';
import { renderAlert } from '../../src/alerts/render.js';
import type { Subscription } from '../../src/domain/subscription.js';
import { headlineKey, headlineSimilarity } from '../../src/alerts/dedupe.js';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.js';
import { harness, admin, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sub = (over: Partial<Subscription> = {}): Subscription => ({
  id: 'abcde', platform: 'discord', workspace: 'G1', channel: 'discord:G1/100', channelName: 'breaking', minPriority: 'routine',
  sections: [], keywords: [], mentionRoleId: null, mentionHere: false, quiet: null, tz: null, threads: false, paused: false,
  pausedReason: null, createdBy: 'U1', createdByName: 'Ada', createdAt: '2026-11-25T00:00:00Z', ...over,
});
const article = {
  id: 'x', url: null, title: '@everyone <!channel> <@&999> read this', dek: '@here now', body: '', section: 'World', topics: ['Elections'],
  source: 'Wire', publishedAt: '2026-11-25T10:00:00Z', updatedAt: '2026-11-25T10:00:00Z', priority: 'breaking' as const,
  status: 'published' as const, imageUrl: null, version: 1,
};

describe('mentions come only from the subscription', () => {
  it('never turns article text into a mention, and pings only the configured role on breaking', () => {
    expect(renderAlert(article, sub(), { timeZone: 'UTC' }).mention).toBeUndefined();
    expect(renderAlert(article, sub({ mentionRoleId: '42' }), { timeZone: 'UTC' }).mention).toEqual({ discordRoleId: '42' });
    expect(renderAlert({ ...article, priority: 'urgent' }, sub({ mentionRoleId: '42' }), { timeZone: 'UTC' }).mention).toBeUndefined();
    expect(renderAlert(article, sub({ platform: 'slack', mentionHere: true }), { timeZone: 'UTC' }).mention).toEqual({ slackHere: true });
    expect(renderAlert(article, sub({ mentionRoleId: '42' }), { timeZone: 'UTC', test: true }).mention).toBeUndefined();
    // The text stays plain for the adapters to escape; it is not dropped either.
    expect(renderAlert(article, sub(), { timeZone: 'UTC' }).cards[0].title).toBe(article.title);
  });
});

describe('matching', () => {
  it('applies minimum priority, sections and whole-word keywords on title, dek and topics', () => {
    expect(matchSubscription({ ...article, priority: 'routine' }, sub({ minPriority: 'urgent' }))).toEqual({
      matches: false, reason: "priority routine is below this subscription's minimum (urgent)",
    });
    expect(matchSubscription(article, sub({ sections: ['world'] })).matches).toBe(true);
    expect(matchSubscription(article, sub({ sections: ['sport'] })).matches).toBe(false);
    expect(matchSubscription(article, sub({ keywords: ['elections'] })).matches).toBe(true);
    expect(matchSubscription({ ...article, title: 'An award for the mayor', topics: [] }, sub({ keywords: ['war'] })).matches).toBe(false);
    expect(matchSubscription({ ...article, title: "Modi's visit to Moscow", topics: [] }, sub({ keywords: ['modi'] })).matches).toBe(true);
  });

  it('sees near-identical headlines as the same and different ones as different', () => {
    const a = headlineKey('Russian State Media Reports That Indian PM Narendra Modi Will Soon Visit Moscow');
    expect(headlineSimilarity(a, headlineKey('Indian PM Narendra Modi will soon visit Moscow, Russian state media reports'))).toBeGreaterThanOrEqual(0.8);
    expect(headlineSimilarity(a, headlineKey('Modi to visit Washington next month'))).toBeLessThan(0.8);
  });
});

describe('exactly once across a restart (unit, with our own ports)', () => {
  it('asks the platform before re-posting a delivery left "sending"; re-posts with the same id where it cannot ask', async () => {
    const slack = new RecordingPort('slack', { withHistory: true });
    const discord = new RecordingPort('discord', { dedupeByDeliveryId: true });
    h = await harness({ ports: [slack, discord], realTime: true });
    const s = await h.alerts.service.subscribe({ platform: 'slack', workspace: 'T1', channel: 'slack:T1/C1', minPriority: 'routine' }, admin);
    const d = await h.alerts.service.subscribe({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/100', minPriority: 'routine' }, admin);
    await h.alerts.dispatcher.stop(); // the "crashed" process: rows get claimed, posts reach the platforms, no bookkeeping
    await h.store.articles.upsert({ id: 'q', title: 'Dam fails upstream of the capital', priority: 'breaking' });
    const outbox = new SqliteOutbox(h.store.db);
    for (const [port, subId] of [[slack, s.id], [discord, d.id]] as const) {
      const row = outbox.forStory('q', subId)!;
      expect(outbox.claimPost(row.id, Date.now())).toBe(true);
      await port.post(row.channel, { kind: 'answer', cards: [], visibility: 'channel' }, { deliveryId: row.id });
    }
    // "Restart": a new pipeline over the same database.
    await h.alerts.stop();
    const { startAlerts } = await import('../../src/alerts/index.js');
    const { quietLogger } = await import('./harness.js');
    const restarted = startAlerts({ store: h.store, ports: h.ports, logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: h.now });
    try {
      for (let i = 0; i < 100 && (outbox.forStory('q', s.id)!.state !== 'sent' || outbox.forStory('q', d.id)!.state !== 'sent'); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(outbox.forStory('q', s.id)!.state).toBe('sent');
      expect(outbox.forStory('q', d.id)!.state).toBe('sent');
      expect(slack.posts()).toHaveLength(1); // found in history: not posted again
      expect(discord.posts()).toHaveLength(1); // re-posted with the same nonce: deduped by the platform
    } finally {
      await restarted.stop();
    }
  });
});

describe('audit log', () => {
  it('records who changed what, and refuses UPDATE and DELETE', async () => {
    h = await harness({ ports: [new RecordingPort('terminal')] });
    const s = await h.subscribe({ channel: 'terminal:desk' });
    await h.alerts.service.pause({ platform: 'terminal', workspace: '' }, s.id, admin);
    const entries = await h.alerts.service.audit({ platform: 'terminal', workspace: '' }, 10);
    expect(entries.map((e) => [e.action, e.actorName, e.subscriptionId])).toEqual([['pause', 'Ada', s.id], ['subscribe', 'Ada', s.id]]);
    expect(() => h!.store.db.prepare('UPDATE alert_audit SET actor_name = ?').run('Mallory')).toThrow(/append-only/);
    expect(() => h!.store.db.prepare('DELETE FROM alert_audit').run()).toThrow(/append-only/);
  });
});
