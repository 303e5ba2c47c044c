import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlack } from '../../../src/adapters/slack/index.js';
import { loadConfig } from '../../../src/config.js';
import { HttpServer } from '../../../src/server/http.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { quiet, startTestBot } from './helpers.js';

describe('Slack adapter start-up', () => {
  let standIn: SlackStandIn;

  beforeAll(async () => {
    standIn = await startSlackStandIn();
  });

  afterAll(async () => {
    await standIn?.close();
  });

  it('refuses to start with a token Slack rejects, naming Slack’s error and not the token', async () => {
    const bot = await startTestBot(standIn);
    try {
      const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-revoked-token', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: standIn.apiUrl });
      const err = await startSlack({ config, dispatcher: bot.dispatcher, logger: quiet, http: new HttpServer(), retryConfig: { retries: 0 } })
        .then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(/invalid_auth/);
      expect(err?.message).not.toContain('xoxb-revoked-token');
    } finally {
      await bot.close();
    }
  });

  it('stop() finishes an answer in flight, then refuses new requests with 503', async () => {
    const bot = await startTestBot(standIn);
    const articles = bot.store.articles;
    const search = articles.search.bind(articles);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    articles.search = async (q) => { await gate; return search(q); };
    try {
      const r = await standIn.slashCommand({ command: '/news', text: 'mayor' });
      expect(r.status).toBe(200);
      const stopping = bot.adapter.stop();
      expect(bot.adapter.isReady()).toBe(false);
      const late = await standIn.slashCommand({ command: '/news' });
      expect(late.status).toBe(503);
      release();
      await stopping;
      const [answer] = await r.waitForResponses(1);
      expect(answer.body.response_type).toBe('ephemeral');
    } finally {
      release();
      await bot.close();
    }
  });

  it('answers a slash command it was not configured for with a private hint instead of silence', async () => {
    const bot = await startTestBot(standIn);
    try {
      const r = await standIn.slashCommand({ command: '/weather' });
      expect(r.status).toBe(200);
      expect(r.ack).toMatchObject({ response_type: 'ephemeral' });
      expect(String(r.ack!.text)).toBe('Newsdesk does not know /weather. Try /newshelp.');
    } finally {
      await bot.close();
    }
  });
});
