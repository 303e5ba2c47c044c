import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/domain/clock.js';
import { logger } from '../src/log.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { emptyDataDir, pushArticles, until } from '../tests/alerts/e2e/process.js';
import { startDiscordStandIn, type DiscordStandIn, type RecordedCall } from '../tests/standins/discord/index.js';
import { DISCORD_LIMITS } from '../tests/standins/discord/limits.js';

/**
 * `npm run bench -- --only targets`: where an alert lands (issue 30), measured through the Discord stand-in with its
 * stated limits (tests/standins/discord/limits.ts, never read from src/). Newsdesk runs in this process through its
 * composition root (`startApp`: SQLite, the Discord adapter, the push API), as the kill bench does.
 *
 * - publish: 12 breaking stories pushed at once for a publish:yes subscription in an announcement channel: how many
 *   were published, when each post (the 11th and 12th among them) arrived, the stand-in's refusals of publishes
 *   (goal 0), and the least time the channel's message bucket allows for 12 posts.
 * - forum: 200 breaking stories pushed at once for a forum subscription: push → last post created, posts made,
 *   duplicates (goal 0), 429s, against the least time the stand-in's limits allow for 200 forum posts.
 */
export interface PublishFigures {
  stories: number;
  posted: number;
  published: number;
  /** Crossposts the stand-in refused (429 or otherwise). */
  publishRefused: number;
  /** Push → each post arriving at the stand-in, in order (ms). */
  postMs: number[];
  /** The least time the stand-in's message bucket allows for these posts, first at the push. */
  minimumPostsMs: number;
  /** What the store's publish log says for the hour (what /alerts list reports). */
  logged: { published: number; held: number };
}

export interface ForumFigures {
  stories: number;
  posts: number;
  /** Stories with more than one post. */
  duplicated: number;
  /** Push → first and last post created (ms). */
  firstPostMs: number;
  lastPostMs: number;
  minimumMs: number;
  ratio: number;
  rateLimited429: number;
  /** Requests of the fan-out that were not forum posts (learning the forum, tags). */
  otherCalls: number;
}

const INGEST_TOKEN = 'bench-targets-ingest-token-0123456789';
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 10 * 60_000);
const FORUM_STORIES = 200;
const PUBLISH_STORIES = 12;
const CITIES = ['Oslo', 'Lagos', 'Quito', 'Hanoi', 'Perth', 'Tunis', 'Porto', 'Dakar', 'Lima', 'Sofia',
  'Riga', 'Accra', 'Cusco', 'Osaka', 'Turku', 'Basra', 'Lyon', 'Malmo', 'Cork', 'Gdansk'];
const EVENTS = ['harbour flood', 'tram strike', 'bridge closure', 'power cut', 'court ruling',
  'bank failure', 'dam breach', 'rail crash', 'port fire', 'snow storm'];
/** Headlines no two of which are near-duplicates (one story each): a city and an event, unique per index. */
const headline = (i: number) => `${CITIES[i % CITIES.length]} ${EVENTS[Math.floor(i / CITIES.length) % EVENTS.length]} bench story`;

/**
 * The least time `n` posts into one channel take under a fixed-window bucket (`limit` per `windowMs`) and the global
 * per-second limit, the first at t=0.
 */
export function minimumPostsMs(n: number, bucket: { limit: number; windowMs: number }, globalPerSecond: number): number {
  if (n === 0) return 0;
  return Math.max((Math.ceil(n / bucket.limit) - 1) * bucket.windowMs, (Math.ceil(n / globalPerSecond) - 1) * 1000);
}

async function startWith(discord: DiscordStandIn, channel: string, subscription: { minPriority: 'breaking' | 'urgent'; publish?: boolean }): Promise<{ app: App; databasePath: string }> {
  const guild = discord.guilds[0];
  const config = loadConfig({
    DATA_DIR: emptyDataDir(), INGEST_TOKEN, PORT: '0', HOST: '127.0.0.1', TERMINAL: '0', TIMEZONE: 'UTC', LOG_LEVEL: 'silent',
    DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
  });
  const store = openSqliteStore(config.databasePath, { now: systemClock });
  await store.subscriptions.create({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${guild.channel(channel).id}`, ...subscription }, { id: 'bench', name: 'bench' }, new Date());
  await store.close();
  const app = await startApp({ config, logger: logger.child({}, { level: 'silent' }), stdinKind: 'null' });
  // Idle: start-up traffic (login, command registration) leaves the stand-in's windows.
  await new Promise((r) => setTimeout(r, 2_000));
  return { app, databasePath: config.databasePath };
}

const stories = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({
  id: `${prefix}-${i + 1}`, url: `https://news.example/${prefix}/${i + 1}`, title: headline(i), dek: 'Bench story.', body: 'Bench story body.',
  priority: 'breaking', section: 'world', source: 'Bench',
}));

export async function runPublishBench(log: (line: string) => void): Promise<PublishFigures> {
  const discord = await startDiscordStandIn({ guilds: [{ channels: [{ name: 'wire', type: 5 }] }] });
  let app: App | undefined;
  try {
    const started = await startWith(discord, 'wire', { minPriority: 'breaking', publish: true });
    app = started.app;
    const wire = discord.guilds[0].channel('wire').id;
    const before = discord.calls.length;
    log(`publish: ${PUBLISH_STORIES} breaking stories for a publish:yes subscription in an announcement channel`);
    const t0 = Date.now();
    const pushed = await pushArticles(app.httpPort!, INGEST_TOKEN, stories(PUBLISH_STORIES, 'publish'));
    if (pushed.status !== 201) throw new Error(`push answered ${pushed.status}: ${JSON.stringify(pushed.body)}`);
    const posts = () => discord.calls.slice(before).filter((c) => c.method === 'POST' && c.path === `/channels/${wire}/messages` && c.status === 200);
    await until(() => posts().length === PUBLISH_STORIES, 'every story to be posted', TIMEOUT_MS);
    await until(() => logged(started.databasePath).published + logged(started.databasePath).held === PUBLISH_STORIES, 'every publish to be decided', TIMEOUT_MS);
    const crossposts = discord.calls.slice(before).filter((c) => c.path.endsWith('/crosspost'));
    return {
      stories: PUBLISH_STORIES, posted: posts().length,
      published: discord.messages.filter((m) => m.channelId === wire && m.crossposted).length,
      publishRefused: crossposts.filter((c) => c.status !== 200).length,
      postMs: posts().map((c) => c.at - t0),
      minimumPostsMs: minimumPostsMs(PUBLISH_STORIES, DISCORD_LIMITS.channelMessages, DISCORD_LIMITS.globalPerSecond),
      logged: logged(started.databasePath),
    };
  } finally {
    await app?.stop();
    await discord.close();
  }
}

function logged(databasePath: string): { published: number; held: number } {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT outcome, COUNT(*) AS n FROM publish_log GROUP BY outcome').all() as Array<{ outcome: string; n: number }>;
    const n = (o: string) => rows.find((r) => r.outcome === o)?.n ?? 0;
    return { published: n('published'), held: n('held') };
  } finally {
    db.close();
  }
}

export async function runForumBench(log: (line: string) => void): Promise<ForumFigures> {
  const discord = await startDiscordStandIn({ guilds: [{ channels: [{ name: 'desk', type: 15, tags: ['World'] }] }] });
  let app: App | undefined;
  try {
    ({ app } = await startWith(discord, 'desk', { minPriority: 'breaking' }));
    const guild = discord.guilds[0];
    const forum = guild.channel('desk').id;
    const before = discord.calls.length;
    log(`forum: ${FORUM_STORIES} breaking stories for a forum subscription`);
    const t0 = Date.now();
    const pushed = await pushArticles(app.httpPort!, INGEST_TOKEN, stories(FORUM_STORIES, 'forum'));
    if (pushed.status !== 201) throw new Error(`push answered ${pushed.status}: ${JSON.stringify(pushed.body)}`);
    const posts = () => guild.channels.filter((c) => c.type === 11 && c.parentId === forum);
    await until(() => posts().length >= FORUM_STORIES, 'every story to have its forum post', TIMEOUT_MS);
    // Stragglers: a second post of a story would arrive now.
    await new Promise((r) => setTimeout(r, 2_000));
    const calls = discord.calls.slice(before);
    const created = calls.filter((c: RecordedCall) => c.method === 'POST' && c.path === `/channels/${forum}/threads` && c.status === 201);
    const names = new Map<string, number>();
    for (const p of posts()) names.set(p.name, (names.get(p.name) ?? 0) + 1);
    const minimumMs = minimumPostsMs(FORUM_STORIES, DISCORD_LIMITS.other, DISCORD_LIMITS.globalPerSecond);
    const lastPostMs = Math.max(...created.map((c) => c.at)) - t0;
    return {
      stories: FORUM_STORIES, posts: posts().length, duplicated: [...names.values()].filter((n) => n > 1).length,
      firstPostMs: Math.min(...created.map((c) => c.at)) - t0, lastPostMs, minimumMs,
      ratio: Math.round((lastPostMs / Math.max(minimumMs, 1)) * 100) / 100,
      rateLimited429: calls.filter((c) => c.status === 429).length,
      otherCalls: calls.length - created.length - calls.filter((c) => c.status === 429).length,
    };
  } finally {
    await app?.stop();
    await discord.close();
  }
}

export async function runTargetsBench(opts: { log?: (line: string) => void } = {}): Promise<{ publish: PublishFigures; forum: ForumFigures }> {
  const log = opts.log ?? (() => {});
  const publish = await runPublishBench(log);
  console.table([{ ...publish, postMs: publish.postMs.join(' '), logged: `${publish.logged.published} published, ${publish.logged.held} held` }]);
  const forum = await runForumBench(log);
  console.table([forum]);
  const dir = resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'targets.json'), `${JSON.stringify({ at: new Date().toISOString(), publish, forum }, null, 2)}\n`);
  return { publish, forum };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runTargetsBench({ log: (l) => process.stderr.write(`${l}\n`) }).then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
}
