import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { startDiscordStandIn, type DiscordStandIn, type InteractionRecord } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * Discord's gateway drops (the network, or Discord asking to reconnect) while alerts go out and commands arrive.
 * Real discord.js against the stand-in, which resumes as Discord documents it (a session outlives its connection,
 * RESUME replays what it missed, op 9 when it cannot). Alerts go over REST and commands over the gateway:
 *  - dropped mid-fan-out (a post held open at the platform): discord.js resumes; every channel has the story once;
 *    a command sent while the connection was down is replayed on resume and answered once;
 *  - op 7 Reconnect: resumed, commands answered;
 *  - a session that cannot be resumed (op 9): discord.js identifies anew, commands are answered again.
 */
const CHANNELS = 12;

describe('the Discord gateway drops', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const guild = () => standIn.guilds[0];

  beforeAll(async () => {
    // Posting pace is not what this is about: the channels' message bucket is wide.
    standIn = await startDiscordStandIn({ limits: { channelMessages: { limit: 1_000, windowMs: 5_000 } }, guilds: [{ channels: CHANNELS }] });
    bot = await realBot();
    adapter = await startDiscord({ config: testConfig(standIn), dispatcher: bot.dispatcher, logger: quiet });
    bot.ports.attach(adapter.port);
    const g = guild();
    const actor = { id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: g.id };
    for (const c of g.channels) {
      await bot.alerts.service.subscribe({ platform: 'discord', workspace: g.id, channel: `discord:${g.id}/${c.id}`, minPriority: 'breaking' }, actor);
    }
  });

  afterAll(async () => {
    await adapter?.stop();
    await bot?.close();
    await standIn?.close();
  });

  const postsOf = (id: string) => guild().channels.map((c) =>
    standIn.messages.filter((m) => m.channelId === c.id && !m.interactionToken && JSON.stringify(m.embeds ?? m.content).includes(`Breaking ${id}:`)).length);
  /** Callbacks Discord received for the interaction (an answer given twice would show here). */
  const callbacks = (rec: InteractionRecord) => standIn.calls.filter((c) => c.path.startsWith(`/interactions/${rec.id}/`)).length;
  const answered = (rec: InteractionRecord) => standIn.waitFor(() => rec.responseType !== undefined && callbacks(rec) >= 1, 20_000);
  const story = (id: string) => ({ id, url: `https://news.example/${id}`, title: `Breaking ${id}: bridge closed`, priority: 'breaking' as const, section: 'local' });

  it('dropped mid-fan-out: resumed, every channel has the story once, and a command sent during the drop is replayed and answered once', async () => {
    const before = { ...standIn.gatewayResumes, identifies: standIn.identifies.length };
    await bot.store.articles.upsert(story('midway'));
    await standIn.waitFor(() => postsOf('midway').filter((n) => n > 0).length >= 4, 20_000);
    const held = standIn.hold({ method: 'POST', path: /^\/channels\/\d+\/messages$/ });
    await held.arrived;
    expect(standIn.dropGateway()).toBe(1);
    // Sent while the connection is down: it waits in the session for the resume.
    const during = standIn.sendCommand({ name: 'help', guildId: guild().id });
    await standIn.waitFor(() => standIn.gatewayResumes.resumed > before.resumed, 20_000);
    held.release();
    await answered(during);
    await standIn.waitFor(() => postsOf('midway').every((n) => n >= 1), 20_000);
    const after = standIn.sendCommand({ name: 'help', guildId: guild().id });
    await answered(after);
    const resumes = standIn.gatewayResumes;
    console.info(`gateway dropped mid-fan-out: resumed ${resumes.resumed - before.resumed}x, ${resumes.replayed - before.replayed} dispatches replayed, identifies ${standIn.identifies.length - before.identifies}; posts per channel ${postsOf('midway').join(',')}`);
    expect(postsOf('midway')).toEqual(Array(CHANNELS).fill(1));
    expect(resumes.resumed - before.resumed).toBe(1);
    expect(resumes.replayed - before.replayed).toBeGreaterThanOrEqual(1);
    expect(standIn.identifies.length - before.identifies).toBe(0);
    expect([callbacks(during), callbacks(after)]).toEqual([1, 1]);
    expect(standIn.shardOverlaps).toBe(0);
    expect(adapter.isReady()).toBe(true);
  });

  it('op 7 Reconnect: resumed, a command is answered once; a story after it reaches every channel once', async () => {
    const before = { ...standIn.gatewayResumes, identifies: standIn.identifies.length };
    standIn.requestGatewayReconnect();
    await standIn.waitFor(() => standIn.gatewayResumes.resumed > before.resumed, 20_000);
    const rec = standIn.sendCommand({ name: 'help', guildId: guild().id });
    await answered(rec);
    await bot.store.articles.upsert(story('after-reconnect'));
    await standIn.waitFor(() => postsOf('after-reconnect').every((n) => n >= 1), 20_000);
    expect(postsOf('after-reconnect')).toEqual(Array(CHANNELS).fill(1));
    expect(callbacks(rec)).toBe(1);
    expect(standIn.identifies.length - before.identifies).toBe(0);
  });

  it('a session that cannot be resumed (op 9): discord.js identifies anew and commands are answered again; no shard held twice', async () => {
    const before = { ...standIn.gatewayResumes, identifies: standIn.identifies.length };
    standIn.invalidateGatewaySessions();
    expect(standIn.dropGateway()).toBe(1);
    // discord.js waits 1–5 s after op 9 before identifying (as Discord asks).
    await standIn.waitFor(() => standIn.identifies.length > before.identifies && standIn.connectedClients === 1, 30_000);
    expect(standIn.gatewayResumes.invalid - before.invalid).toBe(1);
    const rec = standIn.sendCommand({ name: 'help', guildId: guild().id });
    await answered(rec);
    expect(callbacks(rec)).toBe(1);
    expect(standIn.shardOverlaps).toBe(0);
    await standIn.waitFor(() => adapter.isReady(), 10_000);
  });
});
