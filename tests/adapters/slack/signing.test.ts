import { verifySlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSignature, signedHeaders } from '../../standins/slack/signing.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { rawClient } from '../../helpers/raw-http.js';
import { startTestBot, type TestBot } from './helpers.js';

/** Slack's documented example (PLATFORMS.md, from Slack's "Verifying requests from Slack"). */
const EXAMPLE = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

describe('Slack request signatures', () => {
  let standIn: SlackStandIn;
  let bot: TestBot;

  beforeAll(async () => {
    standIn = await startSlackStandIn();
    bot = await startTestBot(standIn);
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const body = () => new URLSearchParams({ command: '/news', text: '', user_id: 'U0READER', user_name: 'reader', team_id: standIn.teams[0].id, channel_id: 'C0NEWSROOM', response_url: `${standIn.baseUrl}/respond/sig` }).toString();

  it('reproduces Slack’s documented signing example, and Bolt’s verifier accepts it at that moment', () => {
    expect(slackSignature(EXAMPLE.secret, EXAMPLE.timestamp, EXAMPLE.body)).toBe(EXAMPLE.signature);
    expect(() =>
      verifySlackRequest({
        signingSecret: EXAMPLE.secret, body: EXAMPLE.body, nowMilliseconds: EXAMPLE.timestamp * 1000,
        headers: { 'x-slack-signature': EXAMPLE.signature, 'x-slack-request-timestamp': EXAMPLE.timestamp },
      }),
    ).not.toThrow();
  });

  it('refuses the documented example today with 401: its timestamp is years old', async () => {
    const res = await standIn.postToApp(EXAMPLE.body, {
      'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(EXAMPLE.timestamp), 'x-slack-signature': EXAMPLE.signature,
    });
    expect(res.status).toBe(401);
  });

  it('accepts a correctly signed command', async () => {
    const raw = body();
    expect((await standIn.postToApp(raw, signedHeaders(standIn.signingSecret, raw))).status).toBe(200);
  });

  it('refuses a bad signature with 401', async () => {
    const raw = body();
    const headers = signedHeaders('not-the-secret', raw);
    expect((await standIn.postToApp(raw, headers)).status).toBe(401);
  });

  it('refuses a body changed after signing with 401', async () => {
    const raw = body();
    const headers = signedHeaders(standIn.signingSecret, raw);
    expect((await standIn.postToApp(raw.replace('U0READER', 'U0ADMIN'), headers)).status).toBe(401);
  });

  it('refuses a correctly signed but stale request (over 5 minutes old) with 401', async () => {
    const raw = body();
    expect((await standIn.postToApp(raw, signedHeaders(standIn.signingSecret, raw, now() - 6 * 60))).status).toBe(401);
  });

  it('refuses a correctly signed request dated over 5 minutes ahead with 401', async () => {
    const raw = body();
    expect((await standIn.postToApp(raw, signedHeaders(standIn.signingSecret, raw, now() + 6 * 60))).status).toBe(401);
  });

  it('refuses a request without signature headers with 401', async () => {
    expect((await standIn.postToApp(body(), { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401);
  });

  it('runs no command for a refused request', async () => {
    const raw = body();
    const before = standIn.responses.length;
    await standIn.postToApp(raw, signedHeaders('not-the-secret', raw));
    await new Promise((r) => setTimeout(r, 100));
    expect(standIn.responses.length).toBe(before);
  });

  it('answers a body over the limit with 413 at its headers and closes the connection instead of keeping a dead one', async () => {
    const url = new URL(standIn.appUrl!);
    const client = await rawClient(Number(url.port));
    const headers = signedHeaders(standIn.signingSecret, 'x');
    client.send(`POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: ${headers['content-type']}\r\n`
      + `X-Slack-Request-Timestamp: ${headers['x-slack-request-timestamp']}\r\nX-Slack-Signature: ${headers['x-slack-signature']}\r\n`
      + `Content-Length: ${20 * 1024 * 1024}\r\n\r\ncommand=%2Fnews&text=`);
    const text = await client.waitFor(/\r\n\r\n/);
    expect(text).toMatch(/^HTTP\/1\.1 413/);
    expect(text.toLowerCase()).toContain('connection: close');
    await client.closed;
  }, 15_000);

  it('refuses an unsigned request at its headers, without waiting for a body that never comes', async () => {
    const url = new URL(standIn.appUrl!);
    const client = await rawClient(Number(url.port));
    client.send(`POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\ncommand=`);
    const text = await client.waitFor(/\r\n\r\n/);
    expect(text).toMatch(/^HTTP\/1\.1 401/);
    await client.closed;
  }, 15_000);
});
