import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStandIn, type DiscordStandIn, type StoredMessage } from '../standins/discord/index.js';
import { startSlackStandIn, type PostedMessage, type SlackStandIn } from '../standins/slack/index.js';
import { emptyDataDir, pushArticles, startNewsdeskProcess, until, type NewsdeskProcess } from '../alerts/e2e/process.js';

/**
 * Issue 6's story, end to end with the real process (`tsx src/main.ts`) and both platform stand-ins:
 * admins subscribe a channel on each platform through the platforms' own /alerts; a CMS pushes a breaking
 * article over HTTP → one alert in each; the CMS corrects it → both posts are edited in place with an
 * "Updated HH:MM" line, no second post; the CMS retracts it → both are struck through and marked RETRACTED.
 */
const INGEST_TOKEN = 'cms-e2e-ingest-token-0123456789';
const ARTICLE = {
  id: 'cms-4711', url: 'https://news.example/2026/11/25/dam', section: 'world', source: 'Newsdesk CMS',
  title: 'Dam fails upstream of the capital', dek: 'Thousands are being evacuated from the river districts.',
  body: 'The Ostrava dam failed at dawn. Thousands are being evacuated from the river districts.',
  priority: 'breaking', published_at: '2026-11-25T12:00:00Z',
};

describe('a CMS push becomes one alert per platform, edited on correction and retraction', () => {
  let discord: DiscordStandIn;
  let slack: SlackStandIn;
  let proc: NewsdeskProcess;
  let dataDir: string;
  const discordChannel = () => discord.guilds[0].channel('breaking').id;
  const slackChannel = 'C0NEWSROOM';
  const alertsIn = {
    discord: (): StoredMessage[] => discord.messages.filter((m) => m.channelId === discordChannel() && !m.interactionToken && !m.deleted),
    slack: (): PostedMessage[] => slack.messages.filter((m) => m.channel === slackChannel && !m.threadTs),
  };
  const discordText = (m: StoredMessage) => JSON.stringify(m.embeds);
  const slackText = (m: PostedMessage) => JSON.stringify(m.blocks);

  beforeAll(async () => {
    discord = await startDiscordStandIn();
    slack = await startSlackStandIn();
    dataDir = emptyDataDir();
    proc = await startNewsdeskProcess({
      DATA_DIR: dataDir, INGEST_TOKEN,
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

  it('subscribes through both platforms, alerts once each, edits on correction, strikes through on retraction', async () => {
    // Admin setup through the platforms themselves (Discord: Manage Server; Slack: a workspace admin).
    await discord.waitFor(() => discord.commands.get(discord.guilds[0].id)?.some((c) => c.name === 'alerts'), 20_000);
    discord.sendCommand({ name: 'alerts', subcommand: 'subscribe', options: { channel: discordChannel(), min_priority: 'breaking' }, user: { admin: true } });
    const slackAck = await slack.slashCommand({ command: '/alerts', text: 'subscribe min_priority:breaking', user: 'U0ADMIN', channel: slackChannel, via: 'http' });
    expect(slackAck.status).toBe(200);
    const subscriptions = () => {
      const db = new Database(join(dataDir, 'newsdesk.db'), { readonly: true, fileMustExist: true });
      try {
        return db.prepare('SELECT platform, channel FROM alert_subscriptions ORDER BY platform').all() as Array<{ platform: string; channel: string }>;
      } finally {
        db.close();
      }
    };
    await until(() => subscriptions().length === 2, 'both subscriptions to be stored', 20_000);
    expect(subscriptions()).toEqual([
      { platform: 'discord', channel: `discord:${discord.guilds[0].id}/${discordChannel()}` },
      { platform: 'slack', channel: `slack:${slack.teams[0].id}/${slackChannel}` },
    ]);

    // 1. The CMS pushes a breaking article.
    const created = await pushArticles(proc.port, INGEST_TOKEN, ARTICLE);
    expect(created).toMatchObject({ status: 201, body: { results: [{ id: 'cms-4711', version: 1, outcome: 'created' }] } });
    const [posted] = await until(() => alertsIn.discord().length > 0 && alertsIn.discord(), 'the Discord alert');
    const [slackPost] = await until(() => alertsIn.slack().length > 0 && alertsIn.slack(), 'the Slack alert');
    expect(discordText(posted)).toContain('Dam fails upstream of the capital');
    expect(discordText(posted)).toContain('BREAKING');
    expect(slackText(slackPost)).toContain('Dam fails upstream of the capital');
    expect(slackPost.metadata?.event_type).toBe('newsdesk_delivery');

    // 2. The CMS corrects it: a new headline, status corrected.
    const corrected = await pushArticles(proc.port, INGEST_TOKEN, {
      ...ARTICLE, title: 'Dam fails upstream of the capital; 12,000 evacuated', status: 'corrected', updated_at: '2026-11-25T12:34:00Z',
    });
    expect(corrected.body).toEqual({ results: [{ id: 'cms-4711', version: 2, outcome: 'updated' }] });
    await until(() => posted.history.length === 2, 'the Discord edit');
    await until(() => slackPost.edits.length === 1, 'the Slack chat.update');
    for (const text of [discordText(posted), slackText(slackPost)]) {
      expect(text).toContain('12,000 evacuated');
      expect(text).toContain('CORRECTED');
      expect(text).toContain('Updated 12:34');
    }
    expect(discord.calls.filter((c) => c.method === 'PATCH' && c.path === `/channels/${discordChannel()}/messages/${posted.id}`)).toHaveLength(1);
    expect(slack.callsTo('chat.update').filter((c) => c.body.ts === slackPost.ts)).toHaveLength(1);

    // 3. The CMS retracts it.
    const retracted = await pushArticles(proc.port, INGEST_TOKEN, { ...ARTICLE, status: 'retracted', updated_at: '2026-11-25T13:05:00Z' });
    expect(retracted.body).toEqual({ results: [{ id: 'cms-4711', version: 3, outcome: 'updated' }] });
    await until(() => posted.history.length === 3, 'the Discord retraction edit');
    await until(() => slackPost.edits.length === 2, 'the Slack retraction update');
    expect(posted.embeds[0].title).toMatch(/^RETRACTED · ~~Dam fails upstream of the capital~~$/);
    expect(discordText(posted)).toContain('Updated 13:05');
    expect(slackText(slackPost)).toMatch(/RETRACTED\*? · ~Dam fails upstream of the capital~/);
    expect(slackText(slackPost)).toContain('Updated 13:05');

    // Never a second post: one message in each channel, one POST / chat.postMessage each.
    expect(alertsIn.discord()).toHaveLength(1);
    expect(alertsIn.slack()).toHaveLength(1);
    expect(discord.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${discordChannel()}/messages`)).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.body.channel === slackChannel)).toHaveLength(1);
  }, 90_000);
});
