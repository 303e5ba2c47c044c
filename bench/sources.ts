import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/domain/clock.js';
import type { FeedPoller } from '../src/ingest/feeds/poller.js';
import { logger } from '../src/log.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { emptyDataDir, pushArticles, until } from '../tests/alerts/e2e/process.js';
import { startFeedServer, type FeedServer } from '../tests/ingest/feeds/fixtures/feed-server.js';
import { startSlackStandIn, type ApiCall } from '../tests/standins/slack/index.js';
import { minimumFanoutMs, minimumTieredCallsMs, SLACK_LIMITS } from '../tests/standins/slack/limits.js';

/**
 * `npm run bench -- --only sources [--sources-workspaces 1,5]`: issue 27's "+N sources" figure. One breaking story is
 * alerted in 500 Slack channels (one workspace: the issue's worst case, Tier 3 being per method per workspace; or
 * spread over several), then five feeds carrying the same link join the story, one every 25 s. Newsdesk runs through
 * its composition root (`startApp`: SQLite, the Slack adapter on Bolt/WebClient, the feed poller), against the local
 * Slack stand-in, which enforces its own statement of Slack's limits (tests/standins/slack/limits.ts: chat.update
 * Tier 3, 50 a minute per workspace with bursts of 10), and five local publishers on 127.0.0.1. Real time, no
 * scaled clock: the sources edits wait out the 10-minute window from each post, so a run takes about 20 minutes.
 *
 * Measured: chat.update calls (accepted, 429s), the most sources edits any channel received in any 10-minute
 * window (goal: 1), the edits' wall time (first update → last accepted) against the least the stand-in's Tier 3
 * allows for that many, and whether every alert ends showing "+5 sources". The posts of the alert (paced by
 * chat.postMessage's own limits) are measured apart. While the edits run, a second breaking story is pushed: its
 * posts must not wait behind the sources edits (its fan-out time beside the first one's).
 */
export interface SourcesFigures {
  workspaces: number;
  channels: number;
  /** Push of the story → its alert in every channel. */
  postsMs: number;
  /** The least chat.postMessage's limits allow for those posts. */
  postsMinimumMs: number;
  /** Posts of the story that met a 429 (the workspace posting ceiling is learned, not told). */
  posts429: number;
  /** First feed joined → last feed joined. */
  joinsSpanMs: number;
  updateCalls: number;
  updatesAccepted: number;
  rateLimited429: number;
  /** Most accepted chat.update calls one channel received in any 10-minute window (goal: 1). */
  maxEditsPerChannelPer10Min: number;
  /** Channels whose alert received more than one accepted chat.update. */
  channelsEditedTwice: number;
  /** The shortest time from a channel's post to its sources edit (the window counts from the post: ≥ 10 min). */
  minPostToEditMs: number;
  /** Last post of the alert → first chat.update (the coalescing window is 10 minutes from each post). */
  lastPostToFirstEditMs: number;
  /** First chat.update → last accepted one. */
  editsMs: number;
  /** The least the stand-in's Tier 3 allows for the accepted updates (per workspace, first at t=0). */
  editsMinimumMs: number;
  ratio: number;
  /** Alerts whose final text shows "+5 sources" (goal: all). */
  showingPlus5: number;
  /** The second story, pushed during the edits: push → its alert in every channel. */
  secondStoryPostsMs: number | null;
  /** Second story posts that met a 429 (posts and updates are separate buckets at Slack: compare with posts429). */
  secondStory429: number | null;
  goal: string;
}

const CHANNELS = 500;
const FEEDS = ['A', 'B', 'C', 'D', 'E'].map((l) => ({ id: `wire-${l.toLowerCase()}`, name: `Wire ${l}`, source: `Wire ${l}` }));
const JOIN_EVERY_MS = 25_000;
const INGEST_TOKEN = 'bench-sources-ingest-token-0123456789ab';
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 40 * 60_000);
const WINDOW_MS = 10 * 60_000;
const STORY = {
  id: 'bench-dam', url: 'https://news.example/2026/12/07/dam-breach', section: 'world', source: 'Newsdesk CMS',
  title: 'Bench: dam breach upstream of the capital', body: 'The dam above the capital failed at dawn. Villages are being evacuated.',
  priority: 'breaking',
};
const SECOND = {
  id: 'bench-quake', url: 'https://news.example/2026/12/07/quake', section: 'world', source: 'Newsdesk CMS',
  title: 'Bench: earthquake shakes the coast', body: 'A strong earthquake struck off the coast this morning.', priority: 'breaking',
};

const EMPTY_RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link></channel></rss>';
function rssWithStory(feed: string): string {
  const item = `<item><guid>${feed}-dam-1</guid><title>Dam breach reported upstream of the capital (${feed})</title>`
    + `<link>${STORY.url}</link><description>Reports say the dam failed.</description><pubDate>${new Date().toUTCString()}</pubDate></item>`;
  return EMPTY_RSS.replace('</channel>', `${item}</channel>`);
}

export async function runSourcesBench(opts: { workspaces?: number; log?: (line: string) => void } = {}): Promise<SourcesFigures> {
  const log = opts.log ?? (() => {});
  const workspaces = opts.workspaces ?? 1;
  if (CHANNELS % workspaces !== 0) throw new Error(`--sources-workspaces must divide ${CHANNELS}`);
  const slack = await startSlackStandIn({ teams: Array.from({ length: workspaces }, () => ({ channels: CHANNELS / workspaces })), limits: SLACK_LIMITS });
  const publishers: FeedServer[] = [];
  let app: App | undefined;
  try {
    for (const _ of FEEDS) publishers.push(await startFeedServer());
    FEEDS.forEach((_, i) => publishers[i].routes.set('/rss.xml', { body: EMPTY_RSS }));
    const dataDir = emptyDataDir();
    writeFileSync(join(dataDir, 'feeds.json'), JSON.stringify({
      feeds: FEEDS.map((f, i) => ({ ...f, url: publishers[i].url('/rss.xml'), section: 'world', intervalMinutes: 24 * 60 })),
    }));
    const config = loadConfig({
      DATA_DIR: dataDir, INGEST_TOKEN, PORT: '0', HOST: '127.0.0.1', TERMINAL: '0', TIMEZONE: 'UTC', LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    });
    const store = openSqliteStore(config.databasePath, { now: systemClock });
    for (const t of slack.teams) {
      for (const c of t.channels) await store.subscriptions.create({ platform: 'slack', workspace: t.id, channel: `slack:${t.id}/${c.id}`, minPriority: 'breaking' }, { id: 'bench', name: 'bench' }, new Date());
    }
    await store.close();
    app = await startApp({ config, logger: logger.child({}, { level: 'silent' }), stdinKind: 'null' });
    // The app's feed poller (typed narrowly in Services): each feed's first poll (empty) is its quiet one.
    const feeds = app.services.feeds as unknown as FeedPoller;
    for (const f of FEEDS) await feeds.pollNow(f.id);
    await new Promise((r) => setTimeout(r, 2_000));

    const alertOf = (storyTitle: string) => () => slack.messages.filter((m) => !m.threadTs && !m.user && !m.deleted && JSON.stringify(m.blocks ?? m.text).includes(storyTitle));
    const damAlerts = alertOf(STORY.title);
    const quakeAlerts = alertOf(SECOND.title);
    const everyChannel = (alerts: () => Array<{ channel: string }>) => () => new Set(alerts().map((m) => m.channel)).size === CHANNELS;

    log(`posts: one story to ${CHANNELS} channels in ${workspaces} workspace(s)`);
    const t0 = Date.now();
    const pushed = await pushArticles(app.httpPort!, INGEST_TOKEN, STORY);
    if (pushed.status !== 201) throw new Error(`the story's push answered ${pushed.status}: ${JSON.stringify(pushed.body)}`);
    await until(everyChannel(damAlerts), 'every channel to have the alert', TIMEOUT_MS);
    const postsMs = Date.now() - t0;
    const postCalls = slack.calls.filter((c) => c.method === 'chat.postMessage');
    const posts429 = postCalls.filter((c) => c.status === 429).length;
    const lastPostAt = Math.max(...postCalls.filter((c) => c.status === 200).map((c) => c.at));
    log(`posts done in ${postsMs} ms; five feeds join, one every ${JOIN_EVERY_MS / 1000} s`);

    const joinedAt: number[] = [];
    for (const [i, f] of FEEDS.entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, JOIN_EVERY_MS));
      publishers[i].routes.set('/rss.xml', { body: rssWithStory(f.name) });
      const polled = await feeds.pollNow(f.id);
      if (polled.created !== 1) throw new Error(`${f.name}'s poll stored ${polled.created} new items (${polled.status}${polled.error ? `: ${polled.error}` : ''})`);
      joinedAt.push(Date.now());
    }
    log('joins done; the sources edits wait out the 10-minute window from each post');

    const plus5 = () => damAlerts().filter((m) => JSON.stringify(m.blocks ?? m.text).includes('+5 sources'));
    const updates = () => slack.calls.filter((c) => c.method === 'chat.update');
    // The second story goes out while the edits run (after a fifth of them): its posts must not wait behind them.
    await until(() => updates().filter((c) => c.status === 200).length >= CHANNELS / 5, 'a fifth of the sources edits', TIMEOUT_MS);
    log('a fifth of the edits done; a second breaking story is pushed');
    const callsBeforeSecond = slack.calls.length;
    const s0 = Date.now();
    const second = await pushArticles(app.httpPort!, INGEST_TOKEN, SECOND);
    if (second.status !== 201) throw new Error(`the second story's push answered ${second.status}`);
    await until(everyChannel(quakeAlerts), 'every channel to have the second alert', TIMEOUT_MS);
    const secondStoryPostsMs = Date.now() - s0;
    const secondStory429 = slack.calls.slice(callsBeforeSecond).filter((c) => c.method === 'chat.postMessage' && c.status === 429).length;
    log(`second story posted in ${secondStoryPostsMs} ms; waiting for every alert to show "+5 sources"`);

    let last = { n: -1, at: Date.now() };
    await until(() => {
      const n = plus5().length;
      if (n !== last.n) last = { n, at: Date.now() };
      return n === CHANNELS || Date.now() - last.at > 3 * 60_000;
    }, 'every alert to show "+5 sources"', TIMEOUT_MS);
    // Stragglers: a second sources edit would come now.
    await new Promise((r) => setTimeout(r, 20_000));

    const all = updates();
    const accepted = all.filter((c) => c.status === 200 && !c.error);
    const perWorkspace = slack.teams.map((t) => accepted.filter((c) => t.channels.some((ch) => ch.id === c.body.channel)).length);
    const editsMinimumMs = minimumTieredCallsMs('chat.update', perWorkspace, SLACK_LIMITS);
    const firstUpdate = Math.min(...all.map((c) => c.at));
    const editsMs = accepted.length ? Math.max(...accepted.map((c) => c.at)) - firstUpdate : Number.NaN;
    const perChannel = groupTimes(accepted);
    const postedAt = new Map(postCalls.filter((c) => c.status === 200).map((c) => [String(c.body.channel), c.at]));
    const f: Omit<SourcesFigures, 'goal'> = {
      workspaces, channels: CHANNELS, postsMs,
      postsMinimumMs: round(minimumFanoutMs(slack.teams.map((t) => t.channels.length), SLACK_LIMITS)), posts429,
      joinsSpanMs: joinedAt[joinedAt.length - 1] - joinedAt[0],
      updateCalls: all.length, updatesAccepted: accepted.length, rateLimited429: all.filter((c) => c.status === 429).length,
      maxEditsPerChannelPer10Min: Math.max(0, ...[...perChannel.values()].map(maxInWindow)),
      channelsEditedTwice: [...perChannel.values()].filter((t) => t.length > 1).length,
      minPostToEditMs: Math.min(...accepted.map((c) => c.at - (postedAt.get(String(c.body.channel)) ?? Number.NaN))),
      lastPostToFirstEditMs: firstUpdate - lastPostAt,
      editsMs, editsMinimumMs: round(editsMinimumMs), ratio: round(editsMs / Math.max(editsMinimumMs, 1)),
      showingPlus5: plus5().length, secondStoryPostsMs, secondStory429,
    };
    const missed = [
      f.maxEditsPerChannelPer10Min > 1 ? '> 1 edit/channel/10 min' : '', f.showingPlus5 < CHANNELS ? 'not all show +5' : '',
    ].filter(Boolean);
    const figures: SourcesFigures = { ...f, goal: missed.length ? `missed (${missed.join(', ')})` : 'met (≤ 1 edit/channel/10 min, all +5)' };
    console.table([figures]);
    const dir = resolve(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `sources-${workspaces}ws.json`), `${JSON.stringify({
      at: new Date().toISOString(), figures,
      // Every chat.update, when it arrived (ms after the last post of the alert) and how Slack answered.
      updates: all.map((c) => ({ ms: c.at - lastPostAt, status: c.status, channel: String(c.body.channel) })),
    }, null, 2)}\n`);
    return figures;
  } finally {
    await app?.stop();
    await slack.close();
    for (const p of publishers) await p.close();
  }
}

function groupTimes(calls: ApiCall[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const c of calls) out.set(String(c.body.channel), [...(out.get(String(c.body.channel)) ?? []), c.at]);
  return out;
}

/** The most times falling in any window of WINDOW_MS. */
function maxInWindow(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= WINDOW_MS) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const round = (n: number) => Math.round(n * 100) / 100;

if (import.meta.url === `file://${process.argv[1]}`) {
  const ws = process.argv.find((a) => a.startsWith('--workspaces='))?.split('=')[1];
  runSourcesBench({ workspaces: ws ? Number(ws) : 1, log: (l) => process.stderr.write(`${l}\n`) }).then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
}
