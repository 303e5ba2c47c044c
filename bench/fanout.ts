import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDiscord } from '../src/adapters/discord/index.js';
import { startAlerts } from '../src/alerts/index.js';
import { loadConfig } from '../src/config.js';
import { createDispatcher } from '../src/core/dispatcher.js';
import type { OutboundPort, Platform } from '../src/core/outbound.js';
import type { Services } from '../src/core/services.js';
import { logger } from '../src/log.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { SqliteSubscriptions } from '../src/store/sqlite/subscriptions.js';
import { DISCORD_LIMITS, startDiscordStandIn } from '../tests/standins/discord/index.js';

/**
 * One breaking article fanned out to many subscribed channels through the local Discord stand-in, which
 * enforces the real limits (tests/standins/discord/limits.ts) and answers 429 when they are exceeded.
 * The "minimum the limits allow" is computed from that same limits config.
 */
export interface FanoutFigures {
  platform: Platform;
  channels: number;
  /** Ingest commit → first platform request arriving at the stand-in, with the pipeline idle. */
  firstRequestMs: number;
  totalMs: number;
  minimumMs: number;
  ratio: number;
  rateLimited429: number;
  lost: number;
  duplicated: number;
}

const quiet = logger.child({}, { level: 'silent' });
const DISCORD_CHANNELS = 500;
const DONE_TIMEOUT_MS = 120_000;

/** The least time N messages to N distinct channels take under the stand-in's limits (first request at t=0). */
export function discordMinimumMs(channels: number, limits = DISCORD_LIMITS): number {
  const global = (Math.ceil(channels / limits.globalPerSecond) - 1) * 1000;
  const perChannel = (Math.ceil(1 / limits.channelMessages.limit) - 1) * limits.channelMessages.windowMs;
  return Math.max(global, perChannel);
}

async function benchDiscord(): Promise<FanoutFigures> {
  const standIn = await startDiscordStandIn({ guilds: [{ channels: DISCORD_CHANNELS }] });
  const store = openSqliteStore(':memory:');
  const config = loadConfig({
    DISCORD_TOKEN: standIn.token, DISCORD_APPLICATION_ID: standIn.appId, DISCORD_API_URL: standIn.apiUrl,
    DISCORD_GUILD_ID: standIn.guilds[0].id, DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-bench-')), LOG_LEVEL: 'silent',
  });
  const services = { articles: store.articles, ports: new Map() } as unknown as Services;
  const adapter = await startDiscord({ config, dispatcher: createDispatcher({ commands: [], services, logger: quiet }), logger: quiet });
  const ports = new Map<Platform, OutboundPort>([['discord', adapter.port]]);
  const alerts = startAlerts({ db: store.db, articles: store.articles, ports, logger: quiet, config: { TIMEZONE: 'UTC' }, concurrency: 32 });
  try {
    const guild = standIn.guilds[0];
    const subs = new SqliteSubscriptions(store.db);
    const channels = guild.channels.filter((c) => c.type === 0).slice(0, DISCORD_CHANNELS);
    for (const c of channels) {
      subs.create({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${c.id}`, minPriority: 'breaking' }, { id: 'bench', name: 'bench' }, new Date());
    }
    // Idle: let start-up traffic (login, registration) leave the stand-in's one-second windows.
    await new Promise((r) => setTimeout(r, 1_100));
    const before = standIn.calls.length;
    const hold = standIn.hold({ method: 'POST', path: /^\/channels\/\d+\/messages$/ });
    let firstAt = 0;
    void hold.arrived.then(() => {
      firstAt = performance.now();
      hold.release();
    });
    await store.articles.upsert({ id: 'bench-breaking', title: 'Bench: dam fails upstream of the capital', priority: 'breaking', section: 'world' });
    const committedAt = performance.now();
    const sent = () => (store.db.prepare(`SELECT COUNT(*) AS n FROM alert_outbox WHERE state IN ('sent','failed')`).get() as { n: number }).n;
    const deadline = Date.now() + DONE_TIMEOUT_MS;
    while (sent() < channels.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const totalMs = performance.now() - committedAt;
    const posts = standIn.calls.slice(before).filter((c) => c.method === 'POST' && /^\/channels\/\d+\/messages$/.test(c.path));
    const perChannel = new Map<string, number>();
    for (const m of standIn.messages) if (!m.deleted) perChannel.set(m.channelId, (perChannel.get(m.channelId) ?? 0) + 1);
    const minimumMs = discordMinimumMs(channels.length);
    return {
      platform: 'discord', channels: channels.length,
      firstRequestMs: round(firstAt - committedAt), totalMs: round(totalMs), minimumMs,
      ratio: round(totalMs / Math.max(minimumMs, 1)), rateLimited429: posts.filter((c) => c.status === 429).length,
      lost: channels.filter((c) => !perChannel.has(c.id)).length,
      duplicated: [...perChannel.values()].filter((n) => n > 1).length,
    };
  } finally {
    await alerts.stop();
    await adapter.stop();
    await standIn.close();
    await store.close();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

export async function runFanoutBench(): Promise<FanoutFigures[]> {
  const figures = [await benchDiscord()];
  console.table(figures);
  const dir = resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'fanout.json'), `${JSON.stringify({ at: new Date().toISOString(), figures }, null, 2)}\n`);
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runFanoutBench().then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
}
