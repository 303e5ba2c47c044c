import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNewsdesk, tempDataDir } from '../helpers/process.js';
import { startDiscordStandIn, type DiscordStandIn } from '../standins/discord/index.js';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack/index.js';

/** A port nothing listens on (one just closed): connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function lastWords(env: Record<string, string>): Promise<{ code: number | null; stderr: string; lastLine: string }> {
  const app = startNewsdesk({ DATA_DIR: tempDataDir(), DATABASE_PATH: ':memory:', INBOX_WATCH: '0', ...env });
  app.child.stdin.end();
  const code = await app.exited;
  const stderr = app.stderr();
  return { code, stderr, lastLine: stderr.trimEnd().split('\n').at(-1) ?? '' };
}

/** A platform's refusal at start names the platform, the variable, what Newsdesk was doing and what to do. */
describe('platform errors at start-up', () => {
  let discord: DiscordStandIn;
  let slack: SlackStandIn;

  beforeAll(async () => {
    [discord, slack] = await Promise.all([startDiscordStandIn(), startSlackStandIn()]);
  });

  afterAll(async () => {
    await Promise.all([discord?.close(), slack?.close()]);
  });

  it('Discord refuses the token (401)', async () => {
    const token = 'cmVmdXNlZA.wrong.token-for-the-test';
    const run = await lastWords({ DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl });
    expect(run.code).toBe(1);
    expect(run.lastLine).toBe(
      'Newsdesk failed to start: Discord refused DISCORD_TOKEN (401 Unauthorized) while registering slash commands: reset the token in the Developer Portal (Bot → Reset Token), and set DISCORD_TOKEN',
    );
    expect(run.stderr).not.toContain(token);
  });

  it('Discord refuses the application id (403 Missing Access)', async () => {
    const run = await lastWords({ DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: '999', DISCORD_API_URL: discord.apiUrl });
    expect(run.code).toBe(1);
    expect(run.lastLine).toBe(
      "Newsdesk failed to start: Discord answered 403 (Missing Access) while registering slash commands: check DISCORD_APPLICATION_ID (this bot's Application ID)",
    );
  });

  it('Discord cannot be reached', async () => {
    const port = await closedPort();
    const run = await lastWords({ DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: `http://127.0.0.1:${port}/api` });
    expect(run.code).toBe(1);
    expect(run.lastLine).toBe(
      `Newsdesk failed to start: Discord could not be reached (ECONNREFUSED 127.0.0.1:${port}) while registering slash commands: check the network, or DISCORD_API_URL if set`,
    );
  }, 60_000);

  it('Slack refuses the bot token (invalid_auth)', async () => {
    const token = 'xoxb-refused-by-the-test';
    const run = await lastWords({ SLACK_BOT_TOKEN: token, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl });
    expect(run.code).toBe(1);
    expect(run.lastLine).toBe(
      'Newsdesk failed to start: Slack refused SLACK_BOT_TOKEN (invalid_auth) while checking the bot token (auth.test): copy the Bot User OAuth Token again (api.slack.com/apps → OAuth & Permissions), reinstalling the app if it was removed, and set SLACK_BOT_TOKEN',
    );
    expect(run.stderr).not.toContain(token);
  });

  it('Slack cannot be reached', async () => {
    const port = await closedPort();
    const run = await lastWords({ SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: `http://127.0.0.1:${port}/api/` });
    expect(run.code).toBe(1);
    expect(run.lastLine).toBe(
      `Newsdesk failed to start: Slack could not be reached (ECONNREFUSED 127.0.0.1:${port}) while checking the bot token (auth.test): check the network, or SLACK_API_URL if set`,
    );
    // Each retry before the end is said as one, not as a bare "fetch failed".
    expect(run.stderr).toMatch(/slack: a request to Slack failed; trying again \(check the network, or SLACK_API_URL\)/);
    expect(run.stderr).not.toMatch(/"msg":"http request failed/);
  }, 60_000);
});
