import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARE_ACTION_ID } from '../../../src/adapters/slack/render.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { allText, buttons, manifestScopes, startTestBot, type TestBot } from './helpers.js';

/** The real Bolt app over HTTP on the shared server, against the stand-in, with the real commands and SQLite store. */
describe('Slack adapter, HTTP mode: slash commands and buttons', () => {
  let standIn: SlackStandIn;
  let bot: TestBot;

  beforeAll(async () => {
    standIn = await startSlackStandIn({ scopes: manifestScopes() });
    bot = await startTestBot(standIn);
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  it('checks its token with auth.test at start and is ready', () => {
    expect(standIn.callsTo('auth.test')).toHaveLength(1);
    expect(standIn.callsTo('auth.test')[0].token).toBe(standIn.botToken);
    expect(bot.adapter.isReady()).toBe(true);
  });

  it('acks /news with an empty 200, then responds privately with blocks and a Share in channel button', async () => {
    const r = await standIn.slashCommand({ command: '/news' });
    expect(r.status).toBe(200);
    expect(r.ack).toBeNull();
    const [answer] = await r.waitForResponses(1);
    expect(answer.problem).toBeUndefined();
    expect(answer.body.response_type).toBe('ephemeral');
    const blocks = answer.body.blocks as Array<{ type: string; text?: { text: string } }>;
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: 'Latest news' } });
    expect(allText(answer.body)).toContain('<https://news.example/story-1|Flood defences hold in river town, report 1>');
    expect(String(answer.body.text)).toMatch(/^Latest news/);
    expect(buttons(answer.body).map((b) => b.label)).toEqual(['More', 'Share in channel']);
  });

  it('acks at once while the store is still busy, and answers when the store is done', async () => {
    const articles = bot.store.articles;
    const search = articles.search.bind(articles);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    articles.search = async (q) => { await gate; return search(q); };
    try {
      const r = await standIn.slashCommand({ command: '/news', text: 'mayor' });
      expect(r.status).toBe(200);
      expect(r.ack).toBeNull();
      expect(r.responses()).toHaveLength(0);
      release();
      const [answer] = await r.waitForResponses(1);
      expect(allText(answer.body)).toContain('Results for “mayor”');
    } finally {
      articles.search = search;
      release();
    }
  });

  it('keeps an article titled "<!channel> @here <@U123>" inert, in the blocks and in the fallback', async () => {
    const r = await standIn.slashCommand({ command: '/news', text: 'look' });
    const [answer] = await r.waitForResponses(1);
    const text = allText(answer.body);
    expect(text).toContain('&lt;!channel&gt; @here &lt;@U123&gt; look');
    expect(text).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U123>|<https:\/\/evil/);
    expect(text).toContain('<https://news.example/ping?a=1&amp;b=2|');
    const mrkdwn = (answer.body.blocks as Array<{ text?: { type: string; verbatim?: boolean } }>).filter((b) => b.text?.type === 'mrkdwn');
    expect(mrkdwn.length).toBeGreaterThan(0);
    for (const b of mrkdwn) expect(b.text!.verbatim).toBe(true);
  });

  it('escapes & < > and the | of a title inside a link', async () => {
    const r = await standIn.slashCommand({ command: '/news', text: 'Jerry' });
    const [answer] = await r.waitForResponses(1);
    expect(allText(answer.body)).toContain('<https://news.example/pipes|Tom &amp; Jerry ∣ a &lt;b&gt;bold&lt;/b&gt; &gt; claim>');
  });

  it('pages with More by replacing the message, and the new page can still be shared', async () => {
    const first = await standIn.slashCommand({ command: '/news' });
    const [page1] = await first.waitForResponses(1);
    const click = await standIn.clickButton({ label: 'More', blocks: page1.body.blocks });
    expect(click.status).toBe(200);
    const [page2] = await click.waitForResponses(1);
    expect(page2.body.replace_original).toBe(true);
    expect((page2.body.blocks as Array<{ text?: { text: string } }>)[0].text?.text).toBe('Latest news · page 2');
    expect(allText(page2.body)).toContain('report 5');
    expect(allText(page2.body)).not.toContain('report 1>');
    const share = buttons(page2.body).find((b) => b.actionId === SHARE_ACTION_ID)!;
    expect(JSON.parse(share.value!)).toEqual({ a: buttons(page1.body)[0].actionId });
  });

  it('shares an answer in the channel from the button value alone (as after a restart), then removes the private copy', async () => {
    const r = await standIn.slashCommand({ command: '/news', text: 'flood section:politics' });
    const [privateAnswer] = await r.waitForResponses(1);
    const share = buttons(privateAnswer.body).find((b) => b.label === 'Share in channel')!;
    expect(JSON.parse(share.value!)).toEqual({ c: 'news', t: 'flood section:politics' });
    const click = await standIn.clickButton({ actionId: SHARE_ACTION_ID, value: share.value });
    const [shared, removed] = await click.waitForResponses(2);
    expect(shared.body).toMatchObject({ response_type: 'in_channel', replace_original: false });
    expect(shared.problem).toBeUndefined();
    expect(allText(shared.body)).toContain('Results for “flood”');
    expect(buttons(shared.body).some((b) => b.actionId === SHARE_ACTION_ID)).toBe(false);
    expect(removed.body).toEqual({ delete_original: true });
  });

  it('answers /summary privately with a share button, and decodes Slack links in the text', async () => {
    const r = await standIn.slashCommand({ command: '/summary', text: '<https://news.example/story-3|news.example/story-3>' });
    const [answer] = await r.waitForResponses(1);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(allText(answer.body)).toContain('report 3');
    expect(buttons(answer.body).map((b) => b.label)).toContain('Share in channel');
  });

  it('puts a validation error in the ack itself, privately, with no later response', async () => {
    const r = await standIn.slashCommand({ command: '/news', text: 'since:forever' });
    expect(r.status).toBe(200);
    expect(r.ack).toMatchObject({ response_type: 'ephemeral' });
    expect(String(r.ack!.text)).toMatch(/since/);
    await new Promise((res) => setTimeout(res, 100));
    expect(r.responses()).toHaveLength(0);
  });

  it('answers the help command under its configured Slack name', async () => {
    const r = await standIn.slashCommand({ command: '/newshelp' });
    const [answer] = await r.waitForResponses(1);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(allText(answer.body)).toContain('/news');
  });

  it('refuses /alerts to a non-admin, privately and clearly', async () => {
    const r = await standIn.slashCommand({ command: '/alerts', text: 'list', user: 'U0READER' });
    expect(r.status).toBe(200);
    const [answer] = await r.waitForResponses(1);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(String(answer.body.text)).toMatch(/Only admins can use \/alerts/);
    expect(standIn.callsTo('users.info').some((c) => c.body.user === 'U0READER')).toBe(true);
  });

  it('lets a workspace admin subscribe a public channel: the bot joins it, and the answer is private', async () => {
    const r = await standIn.slashCommand({ command: '/alerts', text: 'subscribe <#C0BREAKING|breaking> min_priority:urgent', user: 'U0ADMIN' });
    expect(r.ack).toBeNull();
    const [answer] = await r.waitForResponses(1);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(String(answer.body.text)).toMatch(/^Subscribed \(id \w+\)/);
    expect(standIn.callsTo('conversations.join').map((c) => c.body.channel)).toContain('C0BREAKING');
    const subs = await bot.services.alerts!.list({ platform: 'slack', workspace: standIn.teams[0].id });
    expect(subs.map((s) => s.channel)).toEqual([`slack:${standIn.teams[0].id}/C0BREAKING`]);
  });

  it('delivers a breaking story to the subscribed channel through the port: strict blocks, delivery metadata, inert text', async () => {
    await bot.store.articles.upsert({
      id: 'alert-1', url: 'https://news.example/alert-1', title: 'Dam breach <!channel> forces evacuations', dek: 'Thousands leave & <@U0ADMIN> is told',
      body: 'The dam failed at dawn. Crews are on site.', section: 'world', priority: 'breaking', publishedAt: new Date().toISOString(),
    });
    const msg = await standIn.waitFor(() => standIn.messages.find((m) => m.channel === 'C0BREAKING'), 10_000);
    expect(msg.metadata?.event_type).toBe('newsdesk_delivery');
    expect(typeof msg.metadata?.event_payload.delivery_id).toBe('string');
    expect(msg.unfurlLinks).toBe(false);
    const text = allText({ text: msg.text, blocks: msg.blocks });
    expect(text).toContain('Dam breach &lt;!channel&gt; forces evacuations');
    expect(text).not.toMatch(/<!channel>|<!here>|<@U0ADMIN>/);
    expect(standIn.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0BREAKING').every((c) => !c.error)).toBe(true);
  });

  it('says what is missing when the channel is private and Newsdesk is not in it', async () => {
    const r = await standIn.slashCommand({ command: '/alerts', text: 'subscribe <#G0EDITORS|editors>', user: 'U0OWNER' });
    const [answer] = await r.waitForResponses(1);
    expect(String(answer.body.text)).toMatch(/cannot post .*\/invite @Newsdesk/);
  });

  it('accepts user ids listed in SLACK_ADMIN_USER_IDS without asking Slack', async () => {
    const listed = await startTestBot(standIn, { env: { SLACK_ADMIN_USER_IDS: 'U0READER' } });
    try {
      const before = standIn.callsTo('users.info').length;
      const r = await standIn.slashCommand({ command: '/alerts', text: 'list', user: 'U0READER' });
      const [answer] = await r.waitForResponses(1);
      expect(String(answer.body.text)).not.toMatch(/Only admins/);
      expect(standIn.callsTo('users.info')).toHaveLength(before);
    } finally {
      await listed.close();
      standIn.appUrl = bot.eventsUrl;
    }
  });

  it('waits out a 429 on users.info (the interactive client honours Retry-After) and still answers', async () => {
    standIn.failNext('users.info', { status: 429, retryAfter: 1 });
    const before = standIn.callsTo('users.info').length;
    const r = await standIn.slashCommand({ command: '/alerts', text: 'list', user: 'U0CHIEF' });
    expect(r.status).toBe(200);
    const [answer] = await r.waitForResponses(1, 8_000);
    expect(String(answer.body.text)).not.toMatch(/Only admins/);
    const calls = standIn.callsTo('users.info').slice(before);
    expect(calls.map((c) => [c.body.user, c.status])).toEqual([['U0CHIEF', 429], ['U0CHIEF', 200]]);
  });

  it('answers an unknown or foreign button with a private notice and leaves the message alone', async () => {
    const click = await standIn.clickButton({ actionId: 'news:p:not-base64!', value: 'x' });
    const [notice] = await click.waitForResponses(1);
    expect(notice.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(notice.body.text)).toMatch(/expired/);
  });
});
