import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import { SqliteSubscriptions } from '../../../src/store/sqlite/subscriptions.js';
import { startDiscordStandIn, type DiscordStandIn, type Hold as DiscordHold } from '../../standins/discord/index.js';
import { startSlackStandIn, type Hold as SlackHold, type SlackStandIn } from '../../standins/slack/index.js';
import { emptyDataDir, outboxStates, pushArticles, startNewsdeskProcess, until, type NewsdeskProcess } from './process.js';
import { systemClock } from '../../../src/domain/clock.js';

/**
 * Exactly once across a SIGKILL, with the real process (`tsx src/main.ts`) against both stand-ins.
 *
 * 20 channels per platform. The stand-ins hold the first 16 posts of each platform open (16 is the
 * dispatcher's per-platform concurrency, so the other 4 are still queued, unclaimed, when the process dies):
 *  - Discord channels 1–8: the held request is let through AFTER the kill, so the message exists but the
 *    process never learnt it; channels 9–16: the held request is dropped unprocessed.
 *  - Slack channels 1–8: the stand-in has RECORDED the message (metadata and all) and holds only the answer:
 *    the hard case, the process dies not knowing it posted; channels 9–16: held before processing, dropped.
 * Then the process restarts on the same DATA_DIR and every channel must hold the alert exactly once.
 */
const CHANNELS = 20;
const HELD = 16;
const INGEST_TOKEN = 'crash-test-ingest-token-0123456789';

describe('exactly once across a SIGKILL mid-fan-out (real process, both stand-ins)', () => {
  let discord: DiscordStandIn;
  let slack: SlackStandIn;
  let dataDir: string;
  let proc: NewsdeskProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    discord = await startDiscordStandIn({ guilds: [{ channels: CHANNELS }] });
    slack = await startSlackStandIn({ teams: [{ channels: CHANNELS }] });
    dataDir = emptyDataDir();
    // Subscriptions written into the SQLite file before start, as /alerts subscribe would have left them.
    const store = openSqliteStore(join(dataDir, 'newsdesk.db'), { now: systemClock });
    const subs = new SqliteSubscriptions(store.db);
    const by = { id: 'U1', name: 'Ada' };
    const guild = discord.guilds[0];
    for (const c of guild.channels) {
      subs.create({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${c.id}`, channelName: c.name, minPriority: 'breaking' }, by, new Date());
    }
    const team = slack.teams[0];
    for (const c of team.channels) {
      subs.create({ platform: 'slack', workspace: team.id, channel: `slack:${team.id}/${c.id}`, channelName: c.name, minPriority: 'breaking' }, by, new Date());
    }
    await store.close();
    env = {
      DATA_DIR: dataDir, INGEST_TOKEN,
      DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    };
  });

  afterAll(async () => {
    await proc?.stop();
    await discord?.close();
    await slack?.close();
  });

  it('resumes after the kill and posts every alert exactly once on each platform', async () => {
    const guild = discord.guilds[0];
    const dIds = guild.channels.map((c) => c.id);
    const sIds = slack.teams[0].channels.map((c) => c.id);
    const discordHolds = new Map<string, { hold: DiscordHold; arrived: boolean }>();
    for (const id of dIds.slice(0, HELD)) {
      const hold = discord.hold({ method: 'POST', path: `/channels/${id}/messages` });
      const entry = { hold, arrived: false };
      void hold.arrived.then(() => (entry.arrived = true));
      discordHolds.set(id, entry);
    }
    const slackHolds = new Map<string, { hold: SlackHold; arrived: boolean }>();
    for (const [i, id] of sIds.slice(0, HELD).entries()) {
      const hold = slack.hold('chat.postMessage', (b) => b.channel === id, i < HELD / 2 ? 'recorded' : 'before');
      const entry = { hold, arrived: false };
      void hold.arrived.then(() => (entry.arrived = true));
      slackHolds.set(id, entry);
    }

    proc = await startNewsdeskProcess(env);
    const pushed = await pushArticles(proc.port, INGEST_TOKEN, {
      id: 'dam-breach', title: 'Dam fails upstream of the capital', dek: 'Thousands are being evacuated.',
      body: 'The Ostrava dam failed at dawn. Thousands are being evacuated from the river districts.',
      priority: 'breaking', section: 'world', source: 'Wire', url: 'https://news.example/dam-breach',
    });
    expect(pushed.status).toBe(201);

    await until(() => [...discordHolds.values(), ...slackHolds.values()].every((h) => h.arrived), 'every held post to arrive', 30_000);
    // The hard case is in place: Slack has stored these messages, and the process has not been told.
    expect(slack.messages.filter((m) => sIds.slice(0, HELD / 2).includes(m.channel))).toHaveLength(HELD / 2);
    proc.kill('SIGKILL');
    await proc.exited;
    proc = undefined;

    // What the dead process left: every held post claimed ('sending'), the rest still queued.
    const left = outboxStates(join(dataDir, 'newsdesk.db'));
    expect(left.sending).toBe(2 * HELD);
    expect((left.pending ?? 0) + (left.sent ?? 0)).toBe(2 * (CHANNELS - HELD));

    // The requests in flight at the kill: half complete now (the platform acts, nobody hears), half never do.
    for (const [i, id] of dIds.slice(0, HELD).entries()) discordHolds.get(id)!.hold.release(i < HELD / 2 ? 'process' : 'drop');
    for (const id of sIds.slice(0, HELD)) slackHolds.get(id)!.hold.release('drop');
    await discord.waitFor(() => discord.calls.filter((c) => c.method === 'POST' && /^\/channels\/\d+\/messages$/.test(c.path) && c.status !== 0).length >= HELD);
    const postedBeforeRestart = new Set(discord.messages.map((m) => m.channelId));
    expect(dIds.slice(0, HELD / 2).every((id) => postedBeforeRestart.has(id))).toBe(true);

    proc = await startNewsdeskProcess(env);
    await until(() => outboxStates(join(dataDir, 'newsdesk.db')).sent === 2 * CHANNELS, 'every delivery to be sent after the restart', 60_000);

    // Discord: one message per channel; the completed-while-dead ones were re-posted with the same nonce and deduped.
    const discordCount = (id: string) => discord.messages.filter((m) => m.channelId === id && !m.deleted).length;
    expect(dIds.map(discordCount)).toEqual(dIds.map(() => 1));
    for (const id of dIds.slice(0, HELD / 2)) {
      const posts = discord.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${id}/messages`);
      expect(posts.length).toBe(2);
      expect(new Set(posts.map((p) => p.body.nonce)).size).toBe(1);
      expect(posts.every((p) => p.body.enforce_nonce === true)).toBe(true);
    }

    // Slack: one message per channel; the recorded-while-dead ones were found in history, never posted again.
    const slackCount = (id: string) => slack.messages.filter((m) => m.channel === id && !m.threadTs).length;
    expect(sIds.map(slackCount)).toEqual(sIds.map(() => 1));
    for (const id of sIds.slice(0, HELD / 2)) {
      expect(slack.callsTo('chat.postMessage').filter((c) => c.body.channel === id)).toHaveLength(1);
      expect(slack.callsTo('conversations.history').some((c) => c.body.channel === id)).toBe(true);
    }
    for (const m of slack.messages) expect(m.metadata?.event_type).toBe('newsdesk_delivery');
  }, 120_000);
});
