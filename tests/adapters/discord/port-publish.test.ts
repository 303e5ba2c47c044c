import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { answer, type Reply } from '../../../src/core/reply.js';
import { P } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * publish:yes in an announcement channel: breaking alerts are crossposted (POST /channels/{id}/messages/{id}/crosspost)
 * through the real @discordjs/rest, paced in Newsdesk's own bucket so the stand-in's hourly publish limit (its own
 * statement of Discord's: 10 an hour per channel) never refuses one.
 */
describe('Discord outbound port: publishing from announcement channels', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const guild = () => standIn.guilds[0];
  const id = (name: string) => guild().channel(name).id;
  const ref = (name: string) => `discord:${guild().id}/${id(name)}`;
  const alert = (title: string, publish = true): Reply => ({
    ...answer({ visibility: 'channel', cards: [{ title, priority: 'breaking', badge: 'BREAKING' }] }), ...(publish ? { publish } : {}),
  });
  const crossposts = (channelId: string) => standIn.calls.filter((c) => c.method === 'POST' && c.path.startsWith(`/channels/${channelId}/messages/`) && c.path.endsWith('/crosspost'));
  const stored = (messageRef: string) => standIn.messages.find((m) => messageRef.endsWith(`#${m.id}`))!;

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      // Posting is not what these tests are about: posts unthrottled; publishing keeps the stand-in's hourly limit.
      limits: { channelMessages: { limit: 1_000, windowMs: 5_000 } },
      guilds: [{
        channels: [{ name: 'wire', type: 5 }, { name: 'second', type: 5 }, { name: 'general' }],
      }],
    });
    bot = await realBot();
    adapter = await startDiscord({ config: testConfig(standIn), dispatcher: bot.dispatcher, logger: quiet });
    bot.ports.attach(adapter.port);
  });

  afterAll(async () => {
    await adapter?.stop();
    await bot?.close();
    await standIn?.close();
  });

  it('12 breaking alerts in an hour: 10 published, the 11th and 12th held (posted, not published), none refused by Discord', async () => {
    expect(standIn.limits.crossposts).toEqual({ limit: 10, windowMs: 3_600_000 });
    const refs: string[] = [];
    for (let i = 1; i <= 12; i++) refs.push(await adapter.port.post(ref('wire'), alert(`Breaking ${i}`)));
    expect(refs.map((r) => stored(r).deleted)).toEqual(Array(12).fill(false));
    expect(crossposts(id('wire')).map((c) => c.status)).toEqual(Array(10).fill(200));
    expect(refs.map((r) => Boolean(stored(r).crossposted))).toEqual([...Array(10).fill(true), false, false]);
    expect(stored(refs[0]).flags & 1).toBe(1);
    expect(await adapter.port.publishReport!(ref('wire'))).toEqual({
      published: 10, held: 2, left: 0, lastProblem: 'Discord allows 10 publishes an hour per channel',
    });
    // The stand-in does refuse an 11th publish this hour: the pacing above is what kept it from happening.
    const eleventh = await fetch(`${standIn.apiUrl}/v10/channels/${id('wire')}/messages/${stored(refs[10]).id}/crosspost`, {
      method: 'POST', headers: { Authorization: `Bot ${standIn.token}` },
    });
    expect(eleventh.status).toBe(429);
    expect(stored(refs[10]).crossposted).toBeFalsy();
    // Another announcement channel has its own hour.
    await adapter.port.post(ref('second'), alert('Elsewhere'));
    expect(await adapter.port.publishReport!(ref('second'))).toEqual({ published: 1, held: 0, left: 9, lastProblem: null });
  });

  it('only a reply marked publish is published; a channel never published from reports nothing', async () => {
    const before = standIn.calls.length;
    await adapter.port.post(ref('general'), alert('Not to publish', false));
    expect(standIn.calls.slice(before).map((c) => `${c.method} ${c.path}`)).toEqual([`POST /channels/${id('general')}/messages`]);
    expect(await adapter.port.publishReport!(ref('general'))).toBeNull();
  });

  it('a post re-sent after an unknown outcome finds its message (nonce) and its publish already done (40033 counts as published)', async () => {
    const first = await adapter.port.post(ref('second'), alert('Twice'), { deliveryId: 'd-twice' });
    const again = await adapter.port.post(ref('second'), alert('Twice'), { deliveryId: 'd-twice' });
    expect(again).toBe(first);
    const calls = crossposts(id('second')).slice(-2).map((c) => [c.status, c.responseBody?.code ?? null]);
    expect(calls).toEqual([[200, null], [400, 40033]]);
    expect(await adapter.port.publishReport!(ref('second'))).toEqual({ published: 3, held: 0, left: 7, lastProblem: null });
  });

  it('a publish Discord refuses leaves the alert posted and says why', async () => {
    const posted = await adapter.port.post(ref('general'), alert('Wrong kind of channel'));
    expect(stored(posted).deleted).toBe(false);
    const [call] = crossposts(id('general'));
    expect([call.status, call.responseBody.code]).toEqual([400, 50024]);
    expect(await adapter.port.publishReport!(ref('general'))).toEqual({ published: 0, held: 1, left: 10, lastProblem: 'Cannot execute action on this channel type' });
  });

  it('/alerts subscribe refuses publish:yes outside an announcement channel, and /alerts list reports publishing', async () => {
    const actor = { id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: guild().id };
    await expect(bot.alerts.service.subscribe({ platform: 'discord', workspace: guild().id, channel: ref('general'), minPriority: 'breaking', publish: true }, actor))
      .rejects.toThrow('publish:yes works in Discord announcement channels only: pick an announcement channel, or leave publish out.');
    const sub = await bot.alerts.service.subscribe({ platform: 'discord', workspace: guild().id, channel: ref('wire'), minPriority: 'breaking', publish: true }, actor);
    expect(sub.publish).toBe(true);
    const [listed] = (await bot.alerts.service.list({ platform: 'discord', workspace: guild().id })).filter((s) => s.id === sub.id);
    expect(listed.health.publishing).toEqual({ published: 10, held: 2, left: 0, lastProblem: 'Discord allows 10 publishes an hour per channel' });
  });
});
