import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { manifestScopes, startTestBot, type TestBot } from './helpers.js';

/**
 * A Slack message's thread as an alert target (issue 30), through the real Bolt app (HTTP) against the stand-in:
 * `/alerts subscribe <message link>` checks the channel is this workspace's, that the bot may post there and that
 * the message is there; alerts are then posted as replies in that thread (thread_ts) and updated in place.
 */
describe('Slack: a message link as an alert target', () => {
  let standIn: SlackStandIn;
  let bot: TestBot;
  const link = (channel: string, ts: string, query = '') => `<https://newsroom.slack.com/archives/${channel}/p${ts.replace('.', '')}${query}>`;
  const subscribe = async (target: string) => {
    const r = await standIn.slashCommand({ command: '/alerts', text: `subscribe ${target} min_priority:breaking`, user: 'U0ADMIN' });
    const [answer] = await r.waitForResponses(1);
    return String(answer.body.text);
  };
  const subs = () => bot.services.alerts!.list({ platform: 'slack', workspace: standIn.teams[0].id });

  beforeAll(async () => {
    standIn = await startSlackStandIn({ scopes: manifestScopes() });
    bot = await startTestBot(standIn);
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  it('subscribes the thread of the linked message; breaking alerts are posted into it and edited there', async () => {
    const parent = standIn.addUserMessage({ channel: 'C0NEWSROOM', text: 'Election night: live thread' });
    expect(await subscribe(link('C0NEWSROOM', parent))).toMatch(/^Subscribed \(id \w+\)/);
    const [sub] = (await subs()).filter((s) => s.threadTs === parent);
    expect(sub).toMatchObject({ channel: `slack:${standIn.teams[0].id}/C0NEWSROOM`, threadTs: parent });

    await bot.store.articles.upsert({
      id: 'thread-1', url: 'https://news.example/thread-1', title: 'Polls close in the capital', dek: 'Counting has begun.',
      body: 'Polls closed at ten.', section: 'politics', priority: 'breaking', publishedAt: new Date().toISOString(),
    });
    const alert = await standIn.waitFor(() => standIn.messages.find((m) => m.channel === 'C0NEWSROOM' && m.threadTs === parent && !m.user), 10_000);
    expect(alert.metadata?.event_type).toBe('newsdesk_delivery');
    expect(standIn.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0NEWSROOM').map((c) => c.body.thread_ts)).toEqual([parent]);

    await bot.store.articles.upsert({
      id: 'thread-1', url: 'https://news.example/thread-1', title: 'Polls close in the capital; turnout high', dek: 'Counting has begun.',
      body: 'Polls closed at ten.', section: 'politics', priority: 'breaking', publishedAt: new Date().toISOString(),
    });
    await standIn.waitFor(() => standIn.callsTo('chat.update').some((c) => c.body.ts === alert.ts), 10_000);
    // Still one alert in the thread, none in the channel itself.
    expect(standIn.messages.filter((m) => m.channel === 'C0NEWSROOM' && !m.user && !m.deleted).map((m) => m.threadTs)).toEqual([parent]);

    // After a crash, the alert is looked for in the thread (conversations.history lists no replies).
    const channel = `slack:${standIn.teams[0].id}/C0NEWSROOM`;
    const delivery = String(alert.metadata!.event_payload.delivery_id);
    await expect(bot.adapter.port.findPosted!(channel, delivery, 0, undefined, parent)).resolves.toBe(`${channel}#${alert.ts}`);
    await expect(bot.adapter.port.findPosted!(channel, delivery, 0)).resolves.toBeNull();
  });

  it('a link to a reply targets its thread\'s first message', async () => {
    const parent = standIn.addUserMessage({ channel: 'C0NEWSROOM', text: 'Storm watch' });
    const reply = standIn.addUserMessage({ channel: 'C0NEWSROOM', text: 'Wind picking up', threadTs: parent });
    expect(await subscribe(link('C0NEWSROOM', reply, `?thread_ts=${parent}&cid=C0NEWSROOM`))).toMatch(/^Subscribed/);
    expect((await subs()).some((s) => s.threadTs === parent)).toBe(true);
  });

  it('refuses a link to a message that is not there, a channel the bot is not in, and a channel of another workspace', async () => {
    expect(await subscribe(link('C0NEWSROOM', '1700000000.000100'))).toBe(
      'I cannot post in #newsroom: the linked message is not in that channel (deleted, or a reply: link the thread\'s first message). Fix that and run /alerts subscribe again.');
    const privateParent = standIn.addUserMessage({ channel: 'G0EDITORS', text: 'Editors only' });
    expect(await subscribe(link('G0EDITORS', privateParent))).toMatch(/cannot post .*\/invite @Newsdesk/);
    expect(await subscribe(link('C0ELSEWHERE', '1700000000.000100'))).toMatch(/^I cannot post in/);
    expect((await subs()).filter((s) => s.channel.endsWith('/G0EDITORS') || s.channel.endsWith('/C0ELSEWHERE'))).toEqual([]);
  });
});
