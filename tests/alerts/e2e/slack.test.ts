import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlack, type SlackAdapter } from '../../../src/adapters/slack/index.js';
import { startAlerts, type Alerts } from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config.js';
import { createDispatcher } from '../../../src/core/dispatcher.js';
import type { Services } from '../../../src/core/services.js';
import { HttpServer } from '../../../src/server/http.js';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/index.js';
import { SqliteOutbox } from '../../../src/store/sqlite/outbox.js';
import { SqliteSubscriptions } from '../../../src/store/sqlite/subscriptions.js';
import { startSlackStandIn, type PostedMessage, type SlackStandIn } from '../../standins/slack/index.js';
import { SLACK_LIMITS } from '../../standins/slack/limits.js';
import { quietLogger } from '../harness.js';
import { systemClock } from '../../../src/domain/clock.js';
import { PortRegistry } from '../../../src/outbound/registry.js';

/** The alerts pipeline through the real Slack adapter (its own WebClient) against the strict, rate-limited stand-in. */
describe('alerts through Slack (stand-in)', () => {
  let standIn: SlackStandIn;
  let adapter: SlackAdapter;
  let alerts: Alerts;
  let store: SqliteStore;
  let outbox: SqliteOutbox;
  const team = () => standIn.teams[0].id;
  const ref = (channel: string) => `slack:${team()}/${channel}`;
  const admin = () => ({ id: 'U0ADMIN', name: 'ada', platform: 'slack' as const, workspace: team() });
  const scope = () => ({ platform: 'slack' as const, workspace: team() });
  const postsTo = (channel: string): PostedMessage[] => standIn.messages.filter((m) => m.channel === channel && !m.threadTs);

  beforeAll(async () => {
    standIn = await startSlackStandIn({
      teams: [{ channels: [
        { id: 'C0NEWSROOM', name: 'newsroom' }, { id: 'C0LOUD', name: 'loud' }, { id: 'C0BREAKING', name: 'breaking', isMember: false },
        { id: 'C0BUSY', name: 'busy' },
      ] }],
      limits: SLACK_LIMITS,
    });
    store = openSqliteStore(':memory:', { now: systemClock });
    outbox = new SqliteOutbox(store.db);
    const config = loadConfig({
      SLACK_BOT_TOKEN: standIn.botToken, SLACK_SIGNING_SECRET: standIn.signingSecret, SLACK_API_URL: standIn.apiUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-slack-alerts-')), LOG_LEVEL: 'silent',
    });
    const services = { articles: store.articles } as unknown as Services;
    adapter = await startSlack({
      config, dispatcher: createDispatcher({ commands: [], services, logger: quietLogger, now: systemClock }), logger: quietLogger, http: new HttpServer(),
      retryConfig: { retries: 0 },
    });
    const ports = new PortRegistry([adapter.port]);
    alerts = startAlerts({ store: store, ports, logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: systemClock });
  });

  afterAll(async () => {
    await alerts?.stop();
    await adapter?.stop();
    await standIn?.close();
    await store?.close();
  });

  it('posts with the delivery id in metadata, escapes article text, says <!here> only where the subscription asks, and edits with chat.update', async () => {
    const plain = await alerts.service.subscribe({ ...scope(), channel: ref('C0NEWSROOM'), minPriority: 'breaking' }, admin());
    const loud = await alerts.service.subscribe({ ...scope(), channel: ref('C0LOUD'), minPriority: 'breaking', mentionHere: true }, admin());
    await store.articles.upsert({
      id: 'ping', title: '<!channel> Dam fails & <@U0READER> @here', dek: 'Untrusted <!everyone> and <https://evil.example|click>',
      priority: 'breaking', section: 'world', url: 'https://news.example/dam',
    });
    const [quietPost] = await standIn.waitFor(() => postsTo('C0NEWSROOM').length > 0 && postsTo('C0NEWSROOM'));
    const [loudPost] = await standIn.waitFor(() => postsTo('C0LOUD').length > 0 && postsTo('C0LOUD'));

    expect(quietPost.metadata).toEqual({ event_type: 'newsdesk_delivery', event_payload: { delivery_id: outbox.forStory('ping', plain.id)!.id } });
    expect(loudPost.metadata?.event_payload.delivery_id).toBe(outbox.forStory('ping', loud.id)!.id);
    expect(loudPost.text.startsWith('<!here>')).toBe(true);
    // The subscription's <!here> leads the fallback text and has its own block; nothing else may ping.
    expect(loudPost.blocks![0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<!here> ', verbatim: true } });
    expect(JSON.stringify(quietPost.blocks)).not.toContain('<!here>');
    for (const m of [quietPost, loudPost]) {
      const blocks = m === loudPost ? m.blocks!.slice(1) : m.blocks;
      const everything = m.text.replace(/^<!here> /, '') + JSON.stringify(blocks);
      // The article's own control sequences are inert text.
      expect(everything).not.toMatch(/<!(channel|here|everyone)>|<@U|<https:\/\/evil/);
      expect(everything).toContain('&lt;!channel&gt;');
      expect(everything).toContain('&amp;');
    }
    expect(quietPost.text).not.toContain('<!here>');

    await store.articles.upsert({
      id: 'ping', title: 'Dam fails upstream; 12,000 evacuated', dek: 'Evacuations continue.', priority: 'breaking', section: 'world',
      url: 'https://news.example/dam', updatedAt: '2026-11-25T12:34:00Z',
    });
    await standIn.waitFor(() => quietPost.edits.length === 1 && loudPost.edits.length === 1);
    expect(JSON.stringify(quietPost.blocks)).toContain('12,000 evacuated');
    expect(JSON.stringify(quietPost.blocks)).toContain('Updated 12:34');
    expect(standIn.callsTo('chat.update').map((c) => c.body.ts).sort()).toEqual([quietPost.ts, loudPost.ts].sort());
    expect(postsTo('C0NEWSROOM')).toHaveLength(1);
    expect(postsTo('C0LOUD')).toHaveLength(1);
  });

  it('joins a public channel it is not in (not_in_channel) and posts once', async () => {
    // Written directly, as an older subscription whose channel membership was lost since.
    const sub = new SqliteSubscriptions(store.db).create({ ...scope(), channel: ref('C0BREAKING'), minPriority: 'breaking' }, { id: 'U0ADMIN', name: 'ada' }, new Date());
    await store.articles.upsert({ id: 'bridge', title: 'Bridge closes after a barge strike', priority: 'breaking', section: 'world' });
    await standIn.waitFor(() => outbox.forStory('bridge', sub.id)?.state === 'sent');
    const attempts = standIn.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0BREAKING');
    expect(attempts.map((c) => c.error ?? 'ok')).toEqual(['not_in_channel', 'ok']);
    expect(standIn.callsTo('conversations.join').filter((c) => c.body.channel === 'C0BREAKING')).toHaveLength(1);
    expect(postsTo('C0BREAKING')).toHaveLength(1);
    // The story's other channels get it too: nothing of it is left on its way when the next test counts its posts.
    await standIn.waitFor(() => ['C0NEWSROOM', 'C0LOUD'].every((c) => postsTo(c).some((m) => m.text.includes('Bridge closes'))));
  });

  it('honours a 429 Retry-After and still posts exactly once in every channel', async () => {
    const sub = await alerts.service.subscribe({ ...scope(), channel: ref('C0BUSY'), minPriority: 'breaking' }, admin());
    const before = standIn.callsTo('chat.postMessage').length;
    standIn.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await store.articles.upsert({ id: 'storm', title: 'Storm surge floods the harbour', priority: 'breaking', section: 'world' });
    const rows = () => ['C0NEWSROOM', 'C0LOUD', 'C0BREAKING', 'C0BUSY'].map((c) => outbox.forStory('storm', new SqliteSubscriptions(store.db).list(scope()).find((s) => s.channel === ref(c))!.id));
    await standIn.waitFor(() => rows().every((r) => r?.state === 'sent'), 10_000);
    const attempts = standIn.callsTo('chat.postMessage').slice(before);
    expect(attempts.map((c) => c.status).sort()).toEqual([200, 200, 200, 200, 429]);
    const refused = attempts.find((c) => c.status === 429)!;
    // The refused channel was tried again after Retry-After, and got the alert once.
    expect(attempts.filter((c) => c.body.channel === refused.body.channel).map((c) => c.status)).toEqual([429, 200]);
    for (const c of ['C0NEWSROOM', 'C0LOUD', 'C0BREAKING', 'C0BUSY']) {
      expect(postsTo(c).filter((m) => m.text.includes('Storm surge'))).toHaveLength(1);
    }
    expect(outbox.forStory('storm', sub.id)!.state).toBe('sent');
  });
});
