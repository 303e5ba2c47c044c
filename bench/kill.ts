import { mkdirSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join, resolve } from 'node:path';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/domain/clock.js';
import { logger } from '../src/log.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { emptyDataDir, pushArticles, until } from '../tests/alerts/e2e/process.js';
import { startDiscordStandIn, type DiscordStandIn } from '../tests/standins/discord/index.js';
import { DISCORD_LIMITS, type DiscordLimits } from '../tests/standins/discord/limits.js';
import { startSlackStandIn, type SlackStandIn } from '../tests/standins/slack/index.js';
import { minimumDeletesMs, SLACK_LIMITS } from '../tests/standins/slack/limits.js';

/**
 * `npm run bench -- --only kill`: the newsroom's kill of one breaking story alerted in 200 Discord channels (one bot)
 * and 200 Slack channels (4 workspaces of 50), through the stand-ins with their documented limits (stated in
 * tests/standins/<platform>/limits.ts, never read from src/). Newsdesk runs in this process through its composition
 * root (`startApp`, as `src/main.ts` starts it: SQLite, both adapters, the push API on its HTTP port), like the
 * fan-out bench runs its pipeline in-process.
 *
 * The story is pushed, every channel's alert is awaited, then the kill is pushed (`"status": "killed"`, POST
 * /v1/articles) and the bench measures: push of the kill → last delete accepted (per platform and in all), against
 * the least time the stand-ins' limits allow for those deletes (first delete at the push); 429s during the deletes;
 * messages of the story still visible at the end (goal 0); duplicates, re-posts after the kill and messages deleted
 * twice (goal 0).
 */
export interface KillFigures {
  platform: 'discord' | 'slack' | 'both';
  channels: number;
  /** Push of the kill (request sent) → the answer. */
  pushMs: number;
  /** Push of the kill → first delete arriving at the stand-in. */
  firstDeleteMs: number;
  /** Push of the kill → the last delete the stand-in accepted. */
  lastDeleteMs: number;
  /** The least time the stand-ins' limits allow for the deletes (first at the push). */
  minimumMs: number;
  ratio: number;
  deleteCalls: number;
  rateLimited429: number;
  /** Messages of the story still visible once the deletes stopped. */
  left: number;
  /** Channels that ever had more than one alert of the story. */
  duplicated: number;
  /** Posts of the story after the kill's push. */
  repostedAfterKill: number;
  /** Messages the stand-in was asked to delete again after it had deleted them. */
  deletedTwice: number;
}

const DISCORD_CHANNELS = 200;
const SLACK_WORKSPACES = 4;
const SLACK_CHANNELS_PER_WORKSPACE = 50;
const INGEST_TOKEN = 'bench-kill-ingest-token-0123456789abcdef';
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 10 * 60_000);
const STORY = {
  id: 'bench-kill', url: 'https://news.example/2026/12/07/dam', section: 'world', source: 'Newsdesk CMS',
  title: 'Bench: dam fails upstream of the capital', body: 'The dam above the capital failed at dawn.', priority: 'breaking',
};
const DISCORD_DELETE = /^\/channels\/(\d+)\/messages\/(\d+)$/;
const DISCORD_POST = /^\/channels\/(\d+)\/messages$/;

/**
 * The least time deleting `perChannel[i]` messages in each channel takes under the Discord stand-in's limits, first
 * request at t=0: the global limit's fixed one-second windows, and each channel's delete bucket.
 */
export function discordMinimumDeletesMs(perChannel: number[], limits: DiscordLimits): number {
  const total = perChannel.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const global = (Math.ceil(total / limits.globalPerSecond) - 1) * 1000;
  const channel = Math.max(0, ...perChannel.map((n) => (Math.ceil(n / limits.channelMessageDeletes.limit) - 1) * limits.channelMessageDeletes.windowMs));
  return Math.max(global, channel);
}

export async function runKillBench(opts: { log?: (line: string) => void } = {}): Promise<{ figures: KillFigures[]; fanoutMs: number; outbox: Record<string, number> }> {
  const log = opts.log ?? (() => {});
  const discord = await startDiscordStandIn({ guilds: [{ channels: DISCORD_CHANNELS }] });
  const slack = await startSlackStandIn({ teams: Array.from({ length: SLACK_WORKSPACES }, () => ({ channels: SLACK_CHANNELS_PER_WORKSPACE })) });
  let app: App | undefined;
  try {
    const guild = discord.guilds[0];
    const discordIds = guild.channels.filter((c) => c.type === 0).map((c) => c.id).slice(0, DISCORD_CHANNELS);
    const slackIds = slack.teams.flatMap((t) => t.channels.map((c) => c.id));
    const config = loadConfig({
      DATA_DIR: emptyDataDir(), INGEST_TOKEN, PORT: '0', HOST: '127.0.0.1', TERMINAL: '0', TIMEZONE: 'UTC', LOG_LEVEL: 'silent',
      DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    });
    // The subscriptions, as /alerts subscribe leaves them, written before the start.
    const store = openSqliteStore(config.databasePath, { now: systemClock });
    const by = { id: 'bench', name: 'bench' };
    for (const c of discordIds) await store.subscriptions.create({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${c}`, minPriority: 'breaking' }, by, new Date());
    for (const t of slack.teams) {
      for (const c of t.channels) await store.subscriptions.create({ platform: 'slack', workspace: t.id, channel: `slack:${t.id}/${c.id}`, minPriority: 'breaking' }, by, new Date());
    }
    await store.close();
    app = await startApp({ config, logger: logger.child({}, { level: 'silent' }), stdinKind: 'null' });
    const port = app.httpPort!;
    // Idle: start-up traffic (login, command registration, auth.test) leaves the stand-ins' windows.
    await new Promise((r) => setTimeout(r, 2_000));

    const alerts = {
      discord: () => discord.messages.filter((m) => !m.interactionToken && discordIds.includes(m.channelId)),
      slack: () => slack.messages.filter((m) => !m.threadTs && !m.user),
    };
    const live = { discord: () => alerts.discord().filter((m) => !m.deleted), slack: () => alerts.slack().filter((m) => !m.deleted) };

    log(`fan-out: ${discordIds.length} Discord channels, ${slackIds.length} Slack channels in ${SLACK_WORKSPACES} workspaces`);
    const f0 = Date.now();
    const pushed = await pushArticles(port, INGEST_TOKEN, STORY);
    if (pushed.status !== 201) throw new Error(`the story's push answered ${pushed.status}: ${JSON.stringify(pushed.body)}`);
    await until(() => new Set(live.discord().map((m) => m.channelId)).size === discordIds.length && new Set(live.slack().map((m) => m.channel)).size === slackIds.length,
      'every channel to have its alert', TIMEOUT_MS);
    const fanoutMs = Date.now() - f0;
    log(`fan-out done in ${fanoutMs} ms; idle, then the kill`);
    // Idle: the fan-out's posts leave Discord's global window; no delete has been made yet (Slack's chat.delete buckets are full).
    await new Promise((r) => setTimeout(r, 2_000));

    const discordCallsBefore = discord.calls.length;
    const slackCallsBefore = slack.calls.length;
    const t0 = Date.now();
    const killed = await pushArticles(port, INGEST_TOKEN, { ...STORY, status: 'killed' });
    const pushMs = Date.now() - t0;
    if (killed.status !== 201) throw new Error(`the kill's push answered ${killed.status}: ${JSON.stringify(killed.body)}`);
    let last = { n: -1, at: Date.now() };
    // Until nothing is left, or nothing has changed for 30 s (a delete that will never come).
    await until(() => {
      const n = live.discord().length + live.slack().length;
      if (n !== last.n) last = { n, at: Date.now() };
      return n === 0 || Date.now() - last.at > 30_000;
    }, 'every alert to be deleted', TIMEOUT_MS);
    // Stragglers: a re-post or a second delete would arrive now.
    await new Promise((r) => setTimeout(r, 3_000));
    const outbox = deleteOutcomes(config.databasePath, t0);

    const dCalls = discord.calls.slice(discordCallsBefore);
    const dDeletes = dCalls.filter((c) => c.method === 'DELETE' && DISCORD_DELETE.test(c.path));
    const dOk = dDeletes.filter((c) => c.status >= 200 && c.status < 300);
    const dDeletedIds = countBy(dOk.map((c) => DISCORD_DELETE.exec(c.path)![2]));
    const dAsked = countBy(dDeletes.filter((c) => c.status !== 429).map((c) => DISCORD_DELETE.exec(c.path)![2]));
    const dMessagesPerChannel = countBy(alerts.discord().map((m) => m.channelId));
    const discordFig: KillFigures = {
      platform: 'discord', channels: discordIds.length, pushMs,
      firstDeleteMs: dDeletes.length ? Math.min(...dDeletes.map((c) => c.at)) - t0 : Number.NaN,
      lastDeleteMs: dOk.length ? Math.max(...dOk.map((c) => c.at)) - t0 : Number.NaN,
      minimumMs: discordMinimumDeletesMs([...dMessagesPerChannel.values()], DISCORD_LIMITS),
      ratio: 0, deleteCalls: dDeletes.length, rateLimited429: dCalls.filter((c) => c.status === 429).length,
      left: live.discord().length,
      duplicated: [...dMessagesPerChannel.values()].filter((n) => n > 1).length,
      repostedAfterKill: dCalls.filter((c) => c.method === 'POST' && DISCORD_POST.test(c.path)).length,
      deletedTwice: [...dAsked.values()].filter((n) => n > 1).length + [...dDeletedIds.values()].filter((n) => n > 1).length,
    };
    const sCalls = slack.calls.slice(slackCallsBefore);
    const sDeletes = sCalls.filter((c) => c.method === 'chat.delete');
    const sOk = sDeletes.filter((c) => c.status === 200 && !c.error);
    const sAsked = countBy(sDeletes.filter((c) => c.status !== 429).map((c) => `${String(c.body.channel)}/${String(c.body.ts)}`));
    const sMessagesPerChannel = countBy(alerts.slack().map((m) => m.channel));
    const perWorkspace = slack.teams.map((t) => alerts.slack().filter((m) => m.team === t.id).length);
    const slackFig: KillFigures = {
      platform: 'slack', channels: slackIds.length, pushMs,
      firstDeleteMs: sDeletes.length ? Math.min(...sDeletes.map((c) => c.at)) - t0 : Number.NaN,
      lastDeleteMs: sOk.length ? Math.max(...sOk.map((c) => c.at)) - t0 : Number.NaN,
      minimumMs: minimumDeletesMs(perWorkspace, SLACK_LIMITS),
      ratio: 0, deleteCalls: sDeletes.length, rateLimited429: sCalls.filter((c) => c.status === 429).length,
      left: live.slack().length,
      duplicated: [...sMessagesPerChannel.values()].filter((n) => n > 1).length,
      repostedAfterKill: sCalls.filter((c) => c.method === 'chat.postMessage').length,
      deletedTwice: [...sAsked.values()].filter((n) => n > 1).length,
    };
    const both: KillFigures = {
      platform: 'both', channels: discordFig.channels + slackFig.channels, pushMs,
      firstDeleteMs: Math.min(discordFig.firstDeleteMs, slackFig.firstDeleteMs),
      lastDeleteMs: Math.max(discordFig.lastDeleteMs, slackFig.lastDeleteMs),
      minimumMs: Math.max(discordFig.minimumMs, slackFig.minimumMs), ratio: 0,
      ...Object.fromEntries((['deleteCalls', 'rateLimited429', 'left', 'duplicated', 'repostedAfterKill', 'deletedTwice'] as const).map((k) => [k, discordFig[k] + slackFig[k]])),
    } as KillFigures;
    const figures = [discordFig, slackFig, both].map((f) => ({ ...f, ratio: round(f.lastDeleteMs / Math.max(f.minimumMs, 1)) }));
    // Every Slack delete, when it arrived and how Slack answered, per workspace: the pacing, for the report.
    const timeline = slack.teams.map((t) => ({
      workspace: t.id,
      deletes: sDeletes.filter((c) => t.channels.some((ch) => ch.id === c.body.channel)).map((c) => ({ ms: c.at - t0, status: c.status, error: c.error })),
    }));
    console.table(figures);
    const dir = resolve(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'kill.json'), `${JSON.stringify({ at: new Date().toISOString(), fanoutMs, outbox, figures, slackTimeline: timeline,
      discordTimeline: dDeletes.map((c) => ({ ms: c.at - t0, status: c.status })) }, null, 2)}\n`);
    return { figures, fanoutMs, outbox };
  } finally {
    await app?.stop();
    await discord.close();
    await slack.close();
  }
}

/** What the outbox recorded for each alert (delete_state: deleted, gone, failed…) and when its last delete was recorded. */
function deleteOutcomes(dbPath: string, t0: number): Record<string, number> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT state || '/' || COALESCE(delete_state, '-') AS k, COUNT(*) AS n, MAX(deleted_at) AS last FROM alert_outbox GROUP BY k`).all() as Array<{ k: string; n: number; last: number | null }>;
    const lastRecorded = Math.max(0, ...rows.map((r) => Number(r.last ?? 0)));
    return { ...Object.fromEntries(rows.map((r) => [r.k, r.n])), lastDeleteRecordedMs: lastRecorded ? lastRecorded - t0 : -1 };
  } finally {
    db.close();
  }
}

function countBy(keys: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;

if (import.meta.url === `file://${process.argv[1]}`) {
  runKillBench({ log: (l) => process.stderr.write(`${l}\n`) }).then((r) => {
    console.log(JSON.stringify({ fanoutMs: r.fanoutMs, outbox: r.outbox }));
    process.exit(0);
  }, (err) => {
    console.error(err);
    process.exit(1);
  });
}
