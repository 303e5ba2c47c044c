import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { pushArticles, until } from '../alerts/e2e/process.js';
import { startDiscordStandIn, type DiscordStandIn, type Hold as DiscordHold } from '../standins/discord/index.js';
import { startSlackStandIn, type Hold as SlackHold, type SlackStandIn } from '../standins/slack/index.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from '../store/contract/backends.js';
import { killHard, SchemaReader, startInstances, type Instance } from './cluster.js';

/**
 * Three real Newsdesk processes on one PostgreSQL schema, with both stand-ins (which enforce the platforms'
 * documented limits themselves: tests/standins/<platform>/limits.ts). Discord: one guild of 200 channels; Slack:
 * 4 workspaces of 50 channels. Every channel is subscribed to breaking news.
 *
 * One breaking article is pushed to one instance. While its fan-out is under way, the instance sending for
 * Discord is SIGKILLed with requests in flight (the stand-ins hold them: some complete after the kill, so the
 * platform has the message and nobody was told; some never do). Once another instance has taken Discord over and
 * is posting, the one holding the Discord lease then is SIGKILLed too, again with a request in flight. The last
 * instance finishes the fan-out; then an update of the article is pushed to it.
 *
 * Oracles (numbers written here, not read from the code under test):
 *  - every one of the 200 Discord and 200 Slack channels holds exactly 1 alert;
 *  - after the update, each of those 400 messages was edited exactly once, to the new headline;
 *  - nothing lost: the outbox holds exactly 400 rows, every one 'sent', at version 2;
 *  - no post or edit went through beyond a documented rate limit: the stand-ins refuse any request beyond one with
 *    429 (none is delivered over a limit), and refusals stay rare, at most 4 (1% of the 400 posts and edits) per
 *    platform: several instances never send for one bucket at once (that would make dozens). A loaded machine's
 *    scheduling can still push a request into the stand-in's next window now and then (the 1,000-channel bench met
 *    one with a single instance).
 */
const DISCORD_CHANNELS = 200;
const SLACK_WORKSPACES = 4;
const SLACK_CHANNELS_PER_WORKSPACE = 50;
const EXPECTED_ROWS = 400;
const INGEST_TOKEN = 'three-instances-ingest-token-0123456789';
const ARTICLE = {
  id: 'dam-breach', title: 'Dam fails upstream of the capital', dek: 'Thousands are being evacuated.',
  body: 'The Ostrava dam failed at dawn. Thousands are being evacuated from the river districts.',
  priority: 'breaking', section: 'world', source: 'Wire', url: 'https://news.example/dam-breach',
};
const UPDATED_TITLE = 'Dam failure: 40,000 evacuated as the river keeps rising';
const DISCORD_POST = /^\/channels\/(\d+)\/messages$/;
const DISCORD_EDIT = /^\/channels\/(\d+)\/messages\/\d+$/;

describe.skipIf(!postgresAvailable)('three instances on one PostgreSQL: SIGKILLs mid-fan-out', () => {
  const schema = schemaFor(import.meta.filename);
  let discord: DiscordStandIn;
  let slack: SlackStandIn;
  let instances: Instance[] = [];
  let db: SchemaReader;
  let env: Record<string, string>;

  beforeAll(async () => {
    discord = await startDiscordStandIn({ guilds: [{ channels: DISCORD_CHANNELS }] });
    slack = await startSlackStandIn({ teams: Array.from({ length: SLACK_WORKSPACES }, () => ({ channels: SLACK_CHANNELS_PER_WORKSPACE })) });
    // The schema is created and migrated here; subscriptions written as /alerts subscribe leaves them.
    const store = await openPostgresStore(PG_URL, { now: systemClock, schema, poolSize: 2 });
    const by = { id: 'U1', name: 'Ada' };
    const guild = discord.guilds[0];
    for (const c of guild.channels) {
      await store.subscriptions.create({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${c.id}`, channelName: c.name, minPriority: 'breaking' }, by, new Date());
    }
    for (const team of slack.teams) {
      for (const c of team.channels) {
        await store.subscriptions.create({ platform: 'slack', workspace: team.id, channel: `slack:${team.id}/${c.id}`, channelName: c.name, minPriority: 'breaking' }, by, new Date());
      }
    }
    await store.close();
    db = new SchemaReader(PG_URL, schema);
    await db.open();
    env = {
      DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, INGEST_TOKEN,
      DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    };
    instances = await startInstances(['A', 'B', 'C'], env);
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.proc.stop()));
    await db?.close();
    await discord?.close();
    await slack?.close();
    await dropSchema(schema);
  });

  it('every channel gets the alert once and the edit once, nothing lost, rate limits kept', async () => {
    const guild = discord.guilds[0];
    const discordIds = guild.channels.map((c) => c.id);
    const slackIds = slack.teams.flatMap((t) => t.channels.map((c) => c.id));
    expect(discordIds).toHaveLength(200);
    expect(slackIds).toHaveLength(200);
    expect(new Set(instances.map((i) => i.id)).size).toBe(3);
    const byId = (id: string | undefined) => instances.find((i) => i.id === id);

    // The first posts of the fan-out are held open: 4 Discord posts, and 2 Slack posts per workspace (one the
    // stand-in has already recorded, answer held back; one held before Slack acts on it).
    const firstDiscord = Array.from({ length: 4 }, () => track(discord.hold({ method: 'POST', path: DISCORD_POST })));
    const firstSlack = slack.teams.flatMap((t) => {
      const inTeam = (b: Record<string, unknown>) => t.channels.some((c) => c.id === b.channel);
      return [
        { team: t.id, held: track(slack.hold('chat.postMessage', inTeam, 'recorded')) },
        { team: t.id, held: track(slack.hold('chat.postMessage', inTeam, 'before')) },
      ];
    });

    const pushed = await pushArticles(instances[0].proc.port, INGEST_TOKEN, ARTICLE);
    expect(pushed.status).toBe(201);
    await until(() => [...firstDiscord, ...firstSlack.map((s) => s.held)].every((h) => h.arrived), 'the first posts of the fan-out to be in flight', 60_000);

    // Kill 1: the instance sending for Discord, with its posts in flight (and whatever Slack workspaces it sends for).
    const discordPosted = () => new Set(discord.messages.filter((m) => !m.interactionToken).map((m) => m.channelId)).size;
    const leases1 = await db.senders();
    const victim1 = byId(leases1.get('discord'));
    expect(victim1, `the Discord sender lease names a running instance (${[...leases1].join(', ')})`).toBeDefined();
    await killHard(victim1!);
    const postedAtKill1 = discordPosted();
    const orphanedWorkspaces = new Set([...leases1].filter(([b, h]) => b.startsWith('slack:') && h === victim1!.id).map(([b]) => b.slice('slack:'.length)));

    // The next Discord posts are held too: they can only come from the instance that took Discord over.
    const secondDiscord = Array.from({ length: 2 }, () => track(discord.hold({ method: 'POST', path: DISCORD_POST })));
    // The killed instance's requests: half complete now (the platform acts, nobody hears), half never do.
    firstDiscord.forEach((h, i) => h.hold.release(i % 2 === 0 ? 'process' : 'drop'));
    for (const s of firstSlack) s.held.hold.release(orphanedWorkspaces.has(s.team) ? 'drop' : 'process');

    await until(() => secondDiscord.every((h) => h.arrived), 'another instance to post to Discord after the kill', 60_000);
    // Kill 2: whoever holds the Discord sender lease now, again with a post in flight.
    const victim2 = byId((await db.senders()).get('discord'));
    expect(victim2?.alive, 'a running instance took the Discord sender lease over').toBe(true);
    await killHard(victim2!);
    const postedAtKill2 = discordPosted();
    // Both kills came mid-fan-out: Discord channels were still waiting for their alert.
    expect(postedAtKill2).toBeLessThan(DISCORD_CHANNELS);
    secondDiscord.forEach((h, i) => h.hold.release(i === 0 ? 'process' : 'drop'));

    const last = instances.find((i) => i.alive)!;
    await until(async () => {
      const o = await db.outbox();
      return o.byState.sent === EXPECTED_ROWS && o.inDoubt === 0;
    }, 'every delivery to be sent by the last instance', 4 * 60_000);

    // Exactly one alert per channel.
    const discordAlerts = (id: string) => discord.messages.filter((m) => m.channelId === id && !m.deleted && !m.interactionToken);
    const slackAlerts = (id: string) => slack.messages.filter((m) => m.channel === id && !m.threadTs);
    expect(discordIds.map((id) => discordAlerts(id).length)).toEqual(discordIds.map(() => 1));
    expect(slackIds.map((id) => slackAlerts(id).length)).toEqual(slackIds.map(() => 1));
    // A Discord channel posted to more than once was re-posted with the same nonce (deduplicated by Discord).
    for (const id of discordIds) {
      const posts = discord.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${id}/messages`);
      expect(new Set(posts.map((p) => p.body.nonce)).size).toBe(1);
    }

    // The update, pushed to the instance still running: one edit per channel, to the new headline.
    const updated = await pushArticles(last.proc.port, INGEST_TOKEN, { ...ARTICLE, title: UPDATED_TITLE });
    expect(updated.status).toBe(201);
    await until(async () => (await db.outbox()).upToDate === EXPECTED_ROWS, 'every alert to be edited to version 2', 4 * 60_000);
    const o = await db.outbox();
    expect(o).toEqual({ byState: { sent: 400 }, total: 400, upToDate: 400, inDoubt: 0 });
    for (const id of discordIds) {
      const [m] = discordAlerts(id);
      expect(m.history).toHaveLength(2);
      expect(JSON.stringify(m.embeds)).toContain(UPDATED_TITLE);
    }
    for (const id of slackIds) {
      const [m] = slackAlerts(id);
      expect(m.edits).toHaveLength(1);
      expect(JSON.stringify(m.blocks ?? m.text)).toContain(UPDATED_TITLE);
    }

    // Refused for a rate limit (429): rare on both platforms, never the burst two senders of one bucket would cause.
    const discord429 = discord.calls.filter((c) => c.status === 429 && (DISCORD_POST.test(c.path) || DISCORD_EDIT.test(c.path)));
    const slack429 = slack.calls.filter((c) => c.status === 429 && (c.method === 'chat.postMessage' || c.method === 'chat.update'));
    expect(discord429.length).toBeLessThanOrEqual(4);
    expect(slack429.length).toBeLessThanOrEqual(4);
    // The newsroom's kill (controls I): two fresh instances join; the story is killed through the push API; the instance
    // sending Discord's deletes is SIGKILLed with a delete in flight. Every channel ends with no message of the story.
    instances.push(...(await startInstances(['D', 'E'], env)));
    const firstDelete = track(discord.hold({ method: 'DELETE', path: DISCORD_EDIT }));
    const killed = await pushArticles(last.proc.port, INGEST_TOKEN, { ...ARTICLE, title: UPDATED_TITLE, status: 'killed' });
    expect(killed.status).toBe(201);
    await until(() => firstDelete.arrived, 'the first Discord delete to be in flight', 60_000);
    const victim3 = byId((await db.senders()).get('discord'));
    expect(victim3?.alive, 'the Discord sender lease names a running instance').toBe(true);
    await killHard(victim3!);
    firstDelete.hold.release('drop');
    const left = () => discordIds.filter((id) => discordAlerts(id).length > 0).length
      + slackIds.filter((id) => slack.messages.some((m) => m.channel === id && !m.deleted)).length;
    await until(() => left() === 0, 'every message of the killed story to be deleted', 4 * 60_000);
    console.info(`three instances: the kill left ${left()} messages after SIGKILLing ${victim3!.name} mid-recall`);
    console.info(`three instances: killed ${victim1!.name} (Discord${orphanedWorkspaces.size ? ` and ${orphanedWorkspaces.size} Slack workspace(s)` : ''}), then ${victim2!.name}; Discord channels posted at the kills: ${postedAtKill1}, ${postedAtKill2}; ${last.name} finished; 429s: Discord ${discord429.length}, Slack ${slack429.length}`);
  });
});

/** A hold whose arrival can be read synchronously. */
function track<H extends DiscordHold | SlackHold>(hold: H): { hold: H; arrived: boolean } {
  const entry = { hold, arrived: false };
  void hold.arrived.then(() => (entry.arrived = true));
  return entry;
}
