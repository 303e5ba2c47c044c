import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStandIn, type DiscordStandIn } from '../standins/discord/index.js';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack/index.js';
import { emptyDataDir, pushArticles, startNewsdeskProcess, until, type NewsdeskProcess } from '../alerts/e2e/process.js';

/**
 * Newsroom controls I through the real process and both platform stand-ins: admins subscribe with threads:yes; a
 * story is alerted and corrected (a thread reply under each alert); a Slack admin recalls it in the Slack workspace
 * only (its alert and thread reply are deleted there, Discord's stay); then the newsroom kills it through the push API
 * (Discord's alert and thread reply are deleted too); a later push to the killed id is refused with 409.
 */
const INGEST_TOKEN = 'recall-e2e-ingest-token-0123456789';
const STORY = {
  id: 'cms-900', url: 'https://news.example/2026/11/25/bridge', section: 'world', source: 'Newsdesk CMS',
  title: 'Bridge collapses on the ring road', body: 'A section of the ring road bridge collapsed at noon.', priority: 'breaking',
};

describe('recall (one workspace) and kill (everywhere) through both platforms', () => {
  let discord: DiscordStandIn;
  let slack: SlackStandIn;
  let proc: NewsdeskProcess;
  const discordChannel = () => discord.guilds[0].channel('breaking').id;
  const slackChannel = 'C0NEWSROOM';
  const live = {
    discord: () => discord.messages.filter((m) => !m.interactionToken && !m.deleted && JSON.stringify(m.embeds).includes('ring road')),
    slack: () => slack.messages.filter((m) => m.channel === slackChannel && !m.deleted && /ring road/.test(JSON.stringify(m.blocks ?? m.text))),
  };

  beforeAll(async () => {
    discord = await startDiscordStandIn();
    slack = await startSlackStandIn();
    proc = await startNewsdeskProcess({
      DATA_DIR: emptyDataDir(), INGEST_TOKEN,
      DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.guilds[0].id,
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    });
    slack.appUrl = `http://127.0.0.1:${proc.port}/slack/events`;
  }, 60_000);

  afterAll(async () => {
    await proc?.stop();
    await discord?.close();
    await slack?.close();
  });

  it('recall deletes the Slack alert and its thread reply only; the kill deletes Discord\'s too; the killed id is refused', async () => {
    await discord.waitFor(() => discord.commands.get(discord.guilds[0].id)?.some((c) => c.name === 'alerts'), 20_000);
    discord.sendCommand({ name: 'alerts', subcommand: 'subscribe', options: { channel: discordChannel(), min_priority: 'breaking', threads: 'yes' }, user: { admin: true } });
    expect((await slack.slashCommand({ command: '/alerts', text: 'subscribe min_priority:breaking threads:yes', user: 'U0ADMIN', channel: slackChannel, via: 'http' })).status).toBe(200);
    // Both subscriptions answer before the story is pushed.
    await new Promise((r) => setTimeout(r, 1_500));

    expect((await pushArticles(proc.port, INGEST_TOKEN, STORY)).status).toBe(201);
    await until(() => live.discord().length === 1 && live.slack().length === 1, 'one alert on each platform');
    expect((await pushArticles(proc.port, INGEST_TOKEN, { ...STORY, title: 'Bridge collapses on the ring road; 4 injured', status: 'corrected' })).status).toBe(201);
    await until(() => live.discord().length === 2 && live.slack().length === 2, 'a thread reply under each alert');

    // A Slack admin recalls it: Slack's alert and reply go; Discord's stay.
    const recall = await slack.slashCommand({ command: '/alerts', text: 'recall cms-900 reason:"wrong injury count"', user: 'U0ADMIN', channel: slackChannel, via: 'http' });
    expect(recall.status).toBe(200);
    await until(() => live.slack().length === 0, 'the Slack alert and its thread reply deleted');
    expect(slack.callsTo('chat.delete')).toHaveLength(2);
    expect(live.discord()).toHaveLength(2);

    // The newsroom kills it: Discord's alert and reply go too.
    const killed = await pushArticles(proc.port, INGEST_TOKEN, { ...STORY, status: 'killed' });
    expect(killed.status).toBe(201);
    await until(() => live.discord().length === 0, 'the Discord alert and its thread reply deleted');
    expect(discord.calls.filter((c) => c.method === 'DELETE').length).toBeGreaterThanOrEqual(2);
    // Never deleted twice on Slack (the kill found the recall done), never re-posted.
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.callsTo('chat.delete')).toHaveLength(2);
    expect(slack.callsTo('chat.postMessage').filter((c) => /ring road/.test(JSON.stringify(c.body)))).toHaveLength(2);

    const again = await pushArticles(proc.port, INGEST_TOKEN, { ...STORY, title: 'Bridge reopens', status: 'published' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/killed by the newsroom: cms-900/);
  }, 120_000);
});
