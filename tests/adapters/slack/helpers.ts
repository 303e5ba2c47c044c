import { readFileSync } from 'node:fs';
import { coreCommands } from '../../../commands/index.js';
import { startSlack, type SlackAdapter } from '../../../src/adapters/slack/index.js';
import { startAlerts, type Alerts } from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config.js';
import { createDispatcher, type Dispatcher } from '../../../src/core/dispatcher.js';
import type { Services } from '../../../src/core/services.js';
import { logger } from '../../../src/log.js';
import { HttpServer } from '../../../src/server/http.js';
import { createDerivedCache } from '../../../src/store/cache.js';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/index.js';
import type { ArticleInput } from '../../../src/domain/article.js';
import { createSummarizer } from '../../../src/summarize/summarizer.js';
import type { SlackStandIn } from '../../standins/slack/index.js';
import { PortRegistry } from '../../../src/outbound/registry.js';

export const quiet = logger.child({}, { level: 'silent' });
export const NOW = new Date('2026-11-20T13:00:00Z');

/** The bot scopes slack-manifest.yml asks for: the stand-in runs with exactly these, so the manifest is proven enough. */
export function manifestScopes(): string[] {
  const text = readFileSync(new URL('../../../slack-manifest.yml', import.meta.url), 'utf8');
  const block = /\n\s*bot:\s*\n((?:\s+-\s*[\w:.]+.*\n)+)/.exec(text);
  if (!block) throw new Error('no oauth_config.scopes.bot list in slack-manifest.yml');
  return [...block[1].matchAll(/-\s*([\w:.]+)/g)].map((m) => m[1]);
}

/** Twelve stories (so /news has a second page), one titled to ping everyone, one with every character Slack parses. */
export function sampleArticles(): ArticleInput[] {
  const base = Date.parse('2026-11-20T12:00:00Z');
  const stories: ArticleInput[] = Array.from({ length: 10 }, (_, i) => ({
    id: `story-${i + 1}`,
    url: `https://news.example/story-${i + 1}`,
    title: `Flood defences hold in river town, report ${i + 1}`,
    dek: `Dek of story ${i + 1}.`,
    body: `First sentence of story ${i + 1} about the flood. Second sentence names the mayor. Third sentence. Fourth sentence.`,
    section: i % 2 ? 'world' : 'politics',
    priority: i === 0 ? 'breaking' : 'routine',
    publishedAt: new Date(base - i * 3_600_000).toISOString(),
  }));
  stories.push(
    {
      id: 'ping-attempt',
      url: 'https://news.example/ping?a=1&b=2',
      title: '<!channel> @here <@U123> look',
      dek: 'Untrusted <!everyone> and <https://evil.example|click> inside',
      body: 'Body of the ping attempt.',
      section: 'world',
      publishedAt: new Date(base + 60_000).toISOString(),
    },
    {
      id: 'pipes',
      url: 'https://news.example/pipes',
      title: 'Tom & Jerry | a <b>bold</b> > claim',
      dek: 'Ampersands & pipes | everywhere',
      body: 'Body.',
      section: 'politics',
      publishedAt: new Date(base - 30 * 3_600_000).toISOString(),
    },
  );
  return stories;
}

export interface TestBot {
  store: SqliteStore;
  services: Services;
  dispatcher: Dispatcher;
  alerts: Alerts;
  http: HttpServer;
  adapter: SlackAdapter;
  /** `http://127.0.0.1:PORT/slack/events` in HTTP mode. */
  eventsUrl?: string;
  close(): Promise<void>;
}

/** The real pieces: SQLite in memory, the real commands and dispatcher, alerts, the one HTTP server, the Slack adapter. */
export async function startTestBot(standIn: SlackStandIn, opts: { socketMode?: boolean; env?: Record<string, string> } = {}): Promise<TestBot> {
  const store = openSqliteStore(':memory:', { now: () => NOW });
  const cache = createDerivedCache(300);
  store.articles.onChange(() => cache.clear());
  const ports = new PortRegistry();
  const alertsModule = startAlerts({
    store: store, ports, logger: quiet, config: { TIMEZONE: 'UTC' },
    summarizer: createSummarizer(), now: () => NOW,
  });
  const services: Services = {
    articles: store.articles, summarizer: createSummarizer(), cache, actionState: store.actionState, alerts: alertsModule.service,
  };
  await store.articles.upsertMany(sampleArticles());
  const dispatcher = createDispatcher({ commands: coreCommands(), services, logger: quiet, now: () => NOW });
  const config = loadConfig({
    SLACK_BOT_TOKEN: standIn.botToken,
    SLACK_API_URL: standIn.apiUrl,
    LOG_LEVEL: 'silent',
    ...(opts.socketMode ? { SLACK_APP_TOKEN: standIn.appToken } : { SLACK_SIGNING_SECRET: standIn.signingSecret }),
    ...opts.env,
  });
  const http = new HttpServer();
  const adapter = await startSlack({
    config, dispatcher, logger: quiet, http, retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 }, drainTimeoutMs: 2_000,
  });
  ports.attach(adapter.port);
  const address = await http.start(0, '127.0.0.1');
  const eventsUrl = opts.socketMode ? undefined : `http://127.0.0.1:${address.port}/slack/events`;
  if (eventsUrl) standIn.appUrl = eventsUrl;
  return {
    store, services, dispatcher, alerts: alertsModule, http, adapter, eventsUrl,
    async close() {
      await adapter.stop();
      await alertsModule.stop();
      await http.stop();
      await store.close();
    },
  };
}

type Block = { type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text: string | { text: string }; action_id?: string; value?: string }> };

/** Every string a message shows, blocks and fallback, for "is it inert?" checks. */
export function allText(body: Record<string, unknown>): string {
  const blocks = (body.blocks ?? []) as Block[];
  const parts = [String(body.text ?? '')];
  for (const b of blocks) {
    if (b.text) parts.push(b.text.text);
    for (const f of b.fields ?? []) parts.push(f.text);
    for (const e of b.elements ?? []) parts.push(typeof e.text === 'string' ? e.text : e.text.text);
  }
  return parts.join('\n');
}

export function buttons(body: Record<string, unknown>): Array<{ label: string; actionId: string; value?: string }> {
  const blocks = (body.blocks ?? []) as Block[];
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements ?? []).map((e) => ({ label: typeof e.text === 'string' ? e.text : e.text.text, actionId: e.action_id!, value: e.value })));
}
