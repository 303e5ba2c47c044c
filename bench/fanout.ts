import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDiscord } from '../src/adapters/discord/index.js';
import { startSlack } from '../src/adapters/slack/index.js';
import { startAlerts } from '../src/alerts/index.js';
import { PLATFORM_RATE_RULES } from '../src/alerts/pacing.js';
import { loadConfig } from '../src/config.js';
import { createDispatcher } from '../src/core/dispatcher.js';
import type { Platform } from '../src/domain/channel.js';
import type { Services } from '../src/core/services.js';
import { logger } from '../src/log.js';
import { HttpServer } from '../src/server/http.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { SqliteSubscriptions } from '../src/store/sqlite/subscriptions.js';
import { startDiscordStandIn } from '../tests/standins/discord/index.js';
import type { DiscordLimits } from '../tests/standins/discord/limits.js';
import { minimumFanoutMs, type SlackLimits } from '../tests/standins/slack/limits.js';
import { startSlackStandIn } from '../tests/standins/slack/index.js';
import { discordLimitsFromRules, slackLimitsFromRules } from '../tests/alerts/limits.js';
import { systemClock } from '../src/domain/clock.js';
import { PortRegistry } from '../src/outbound/registry.js';

/**
 * One breaking article fanned out to 1,000 subscribed channels — 500 on Discord, 500 on Slack — through the
 * local stand-ins, which enforce the platforms' limits and answer 429 when they are exceeded. The stand-ins'
 * limits are built from the pacer's rules (src/alerts/pacing.ts), and the "minimum the limits allow" is
 * computed from those same limit objects, so the yardstick and the enforcement cannot drift apart.
 */
export interface FanoutFigures {
  platform: Platform | 'both';
  channels: number;
  /** Ingest commit → first platform request arriving at the stand-in, with the pipeline idle. */
  firstRequestMs: number;
  /** Ingest commit → every delivery of this platform settled (sent or failed). */
  totalMs: number;
  minimumMs: number;
  ratio: number;
  rateLimited429: number;
  lost: number;
  duplicated: number;
}

const quiet = logger.child({}, { level: 'silent' });
const CHANNELS_PER_PLATFORM = 500;
const DONE_TIMEOUT_MS = 300_000;

/** The least time N messages to N distinct channels take under the stand-in's limits (first request at t=0). */
export function discordMinimumMs(channels: number, limits: DiscordLimits): number {
  const global = (Math.ceil(channels / limits.globalPerSecond) - 1) * 1000;
  const perChannel = (Math.ceil(1 / limits.channelMessages.limit) - 1) * limits.channelMessages.windowMs;
  return Math.max(global, perChannel);
}

export function slackMinimumMs(channels: number, limits: SlackLimits): number {
  return minimumFanoutMs([channels], limits);
}

export async function runFanoutBench(channelsPerPlatform = CHANNELS_PER_PLATFORM): Promise<FanoutFigures[]> {
  const discordLimits = discordLimitsFromRules(PLATFORM_RATE_RULES);
  const slackLimits = slackLimitsFromRules(PLATFORM_RATE_RULES);
  const discord = await startDiscordStandIn({ guilds: [{ channels: channelsPerPlatform }], limits: discordLimits });
  const slack = await startSlackStandIn({ teams: [{ channels: channelsPerPlatform }], limits: slackLimits });
  const store = openSqliteStore(':memory:', { now: systemClock });
  const config = loadConfig({
    DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.guilds[0].id,
    SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-bench-')), LOG_LEVEL: 'silent',
  });
  const services = { articles: store.articles } as unknown as Services;
  const dispatcher = createDispatcher({ commands: [], services, logger: quiet, now: systemClock });
  const discordAdapter = await startDiscord({ config, dispatcher, logger: quiet });
  const slackAdapter = await startSlack({ config, dispatcher, logger: quiet, http: new HttpServer() });
  const ports = new PortRegistry([discordAdapter.port, slackAdapter.port]);
  const alerts = startAlerts({ store: store, ports, logger: quiet, config: { TIMEZONE: 'UTC' }, concurrency: 32, now: systemClock });
  try {
    const guild = discord.guilds[0];
    const team = slack.teams[0];
    const subs = new SqliteSubscriptions(store.db);
    const by = { id: 'bench', name: 'bench' };
    const discordChannels = guild.channels.filter((c) => c.type === 0).map((c) => c.id);
    const slackChannels = team.channels.map((c) => c.id);
    for (const id of discordChannels) subs.create({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${id}`, minPriority: 'breaking' }, by, new Date());
    for (const id of slackChannels) subs.create({ platform: 'slack', workspace: team.id, channel: `slack:${team.id}/${id}`, minPriority: 'breaking' }, by, new Date());

    // Idle: let start-up traffic (login, registration, auth.test) leave the stand-ins' windows.
    await new Promise((r) => setTimeout(r, 1_100));
    const discordBefore = discord.calls.length;
    const slackBefore = slack.calls.length;
    const first: Partial<Record<Platform, number>> = {};
    const discordHold = discord.hold({ method: 'POST', path: /^\/channels\/\d+\/messages$/ });
    void discordHold.arrived.then(() => {
      first.discord = performance.now();
      discordHold.release();
    });
    const slackHold = slack.hold('chat.postMessage');
    void slackHold.arrived.then(() => {
      first.slack = performance.now();
      slackHold.release();
    });

    await store.articles.upsert({ id: 'bench-breaking', title: 'Bench: dam fails upstream of the capital', priority: 'breaking', section: 'world' });
    const committedAt = performance.now();
    const done: Partial<Record<Platform, number>> = {};
    const settled = store.db.prepare(`SELECT COUNT(*) AS n FROM alert_outbox WHERE platform = ? AND state IN ('sent','failed')`);
    const deadline = Date.now() + DONE_TIMEOUT_MS;
    while ((done.discord === undefined || done.slack === undefined) && Date.now() < deadline) {
      for (const [platform, count] of [['discord', discordChannels.length], ['slack', slackChannels.length]] as const) {
        if (done[platform] === undefined && (settled.get(platform) as { n: number }).n >= count) done[platform] = performance.now();
      }
      await new Promise((r) => setTimeout(r, 10));
    }

    const discordPosts = discord.calls.slice(discordBefore).filter((c) => c.method === 'POST' && /^\/channels\/\d+\/messages$/.test(c.path));
    const discordPerChannel = countBy(discord.messages.filter((m) => !m.deleted).map((m) => m.channelId));
    const slackPosts = slack.calls.slice(slackBefore).filter((c) => c.method === 'chat.postMessage');
    const slackPerChannel = countBy(slack.messages.filter((m) => !m.threadTs).map((m) => m.channel));
    const figure = (platform: Platform, channels: string[], perChannel: Map<string, number>, statuses: number[], minimumMs: number): FanoutFigures => {
      const totalMs = (done[platform] ?? performance.now()) - committedAt;
      return {
        platform, channels: channels.length,
        firstRequestMs: round((first[platform] ?? Number.NaN) - committedAt), totalMs: round(totalMs), minimumMs: round(minimumMs),
        ratio: round(totalMs / Math.max(minimumMs, 1)), rateLimited429: statuses.filter((s) => s === 429).length,
        lost: channels.filter((c) => !perChannel.has(c)).length,
        duplicated: [...perChannel.values()].filter((n) => n > 1).length,
      };
    };
    const d = figure('discord', discordChannels, discordPerChannel, discordPosts.map((c) => c.status), discordMinimumMs(discordChannels.length, discordLimits));
    const s = figure('slack', slackChannels, slackPerChannel, slackPosts.map((c) => c.status), slackMinimumMs(slackChannels.length, slackLimits));
    // Both platforms run at once: the fan-out ends when the slower one does, and so does the minimum.
    const totalMs = Math.max(d.totalMs, s.totalMs);
    const minimumMs = Math.max(d.minimumMs, s.minimumMs);
    const both: FanoutFigures = {
      platform: 'both', channels: d.channels + s.channels, firstRequestMs: Math.min(d.firstRequestMs, s.firstRequestMs),
      totalMs, minimumMs, ratio: round(totalMs / Math.max(minimumMs, 1)), rateLimited429: d.rateLimited429 + s.rateLimited429,
      lost: d.lost + s.lost, duplicated: d.duplicated + s.duplicated,
    };
    const figures = [d, s, both];
    console.table(figures);
    const dir = resolve(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'fanout.json'), `${JSON.stringify({ at: new Date().toISOString(), limits: { discord: discordLimits, slack: slackLimits }, figures }, null, 2)}\n`);
    return figures;
  } finally {
    await alerts.stop();
    await discordAdapter.stop();
    await slackAdapter.stop();
    await discord.close();
    await slack.close();
    await store.close();
  }
}

function countBy(keys: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;

if (import.meta.url === `file://${process.argv[1]}`) {
  runFanoutBench().then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
}
