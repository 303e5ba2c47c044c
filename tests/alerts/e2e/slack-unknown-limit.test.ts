import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlack, type SlackAdapter } from '../../../src/adapters/slack/index.js';
import { startAlerts, type Alerts } from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config.js';
import { createDispatcher } from '../../../src/core/dispatcher.js';
import type { Services } from '../../../src/core/services.js';
import { systemClock } from '../../../src/domain/clock.js';
import { PortRegistry } from '../../../src/outbound/registry.js';
import { HttpServer } from '../../../src/server/http.js';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/index.js';
import { SqlitePacingState } from '../../../src/store/sqlite/pacing-state.js';
import { SqliteSubscriptions } from '../../../src/store/sqlite/subscriptions.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { WORKSPACE_POSTING_LIMITS, withWorkspaceLimit } from '../../standins/slack/limits.js';
import { quietLogger } from '../harness.js';

/**
 * One breaking story to every channel of a Slack workspace whose posting limit Newsdesk is not told, through real
 * Bolt: the stand-in enforces 600 posts per minute per workspace (bursts of 10), or 200 (its 200/min preset), on top
 * of Slack's documented one per second per channel, and nothing in src/ knows those numbers. A fresh install (nothing
 * stored) has to find the limit from the stand-in's 429s. Nothing here measures time: the assertions are about what
 * reached the stand-in.
 */
const CHANNELS = 100;

describe.each([
  { name: '600/min, bursts of 10', undisclosed: { perMinute: 600, burst: 10 } },
  { name: '200/min', undisclosed: WORKSPACE_POSTING_LIMITS['200/min'] },
])('alerts to a Slack workspace with a limit nobody told Newsdesk (stand-in, $name)', ({ undisclosed: UNDISCLOSED }) => {
  let standIn: SlackStandIn;
  let adapter: SlackAdapter;
  let alerts: Alerts;
  let store: SqliteStore;

  beforeAll(async () => {
    standIn = await startSlackStandIn({
      teams: [{ channels: CHANNELS }],
      limits: withWorkspaceLimit(UNDISCLOSED),
    });
    store = openSqliteStore(':memory:', { now: systemClock });
    const config = loadConfig({
      SLACK_BOT_TOKEN: standIn.botToken, SLACK_SIGNING_SECRET: standIn.signingSecret, SLACK_API_URL: standIn.apiUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-slack-unknown-')), LOG_LEVEL: 'silent',
    });
    const services = { articles: store.articles } as unknown as Services;
    adapter = await startSlack({
      config, dispatcher: createDispatcher({ commands: [], services, logger: quietLogger, now: systemClock }), logger: quietLogger,
      http: new HttpServer(), retryConfig: { retries: 0 },
    });
    const ports = new PortRegistry([adapter.port]);
    alerts = startAlerts({ store, ports, logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: systemClock });
  });

  afterAll(async () => {
    await alerts?.stop();
    await adapter?.stop();
    await standIn?.close();
    await store?.close();
  });

  it('gives each channel its alert once, loses none, and meets at most one 429 per channel while it learns', async () => {
    const team = standIn.teams[0];
    const subs = new SqliteSubscriptions(store.db);
    for (const c of team.channels) {
      await subs.create({ platform: 'slack', workspace: team.id, channel: `slack:${team.id}/${c.id}`, minPriority: 'breaking' }, { id: 'U0ADMIN', name: 'ada' }, new Date());
    }
    await store.articles.upsert({ id: 'levee', title: 'Levee breaks north of the city', priority: 'breaking', section: 'world' });
    const settled = () => store.db.prepare(`SELECT COUNT(*) AS n FROM alert_outbox WHERE state IN ('sent','failed','skipped')`).get() as { n: number };
    // A bound, not a measurement: the least time the stand-in allows is 9 s at 600/min, 24 s at 200/min.
    await standIn.waitFor(() => settled().n === CHANNELS, 120_000);

    const posts = standIn.callsTo('chat.postMessage');
    const limited = posts.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThan(0); // the limit was really met: the pacer was not simply slow
    const perChannel = new Map<string, number>();
    for (const c of limited) perChannel.set(String(c.body.channel), (perChannel.get(String(c.body.channel)) ?? 0) + 1);
    expect(Math.max(...perChannel.values())).toBe(1);
    // Finding the limit costs a handful of 429s, whatever the fan-out's size: issue 31 allows 3% of 300 channels.
    expect(limited.length).toBeLessThanOrEqual(9);
    for (const c of team.channels) {
      expect(standIn.messages.filter((m) => m.channel === c.id && !m.threadTs), c.id).toHaveLength(1);
    }
    const states = store.db.prepare(`SELECT state, COUNT(*) AS n FROM alert_outbox GROUP BY state`).all();
    expect(states).toEqual([{ state: 'sent', n: CHANNELS }]);
    // What was learned is stored for the next start, and it is below the limit the stand-in enforces.
    const [learned] = await new SqlitePacingState(store.db).loadCeilings();
    expect(learned).toMatchObject({ platform: 'slack', workspace: team.id });
    expect(learned.perMinute).toBeLessThanOrEqual(UNDISCLOSED.perMinute);
  }, 150_000);
});
