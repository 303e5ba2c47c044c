import webApi from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackPort } from '../../../src/adapters/slack/port.js';
import { answer } from '../../../src/core/reply.js';
import { RetryLater } from '../../../src/outbound/port.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { UNLIMITED } from '../../standins/slack/limits.js';
import { manifestScopes } from './helpers.js';

/**
 * chat.postMessage that hangs past the delivery client's timeout while Slack writes the message: the port says
 * "retry, in doubt", and history (our delivery id in the message metadata) finds the message before any re-post.
 * (Today's behaviour, shown right.)
 */
describe('Slack port: a post that hangs past the timeout', () => {
  let slack: SlackStandIn;
  let port: SlackPort;

  beforeAll(async () => {
    slack = await startSlackStandIn({ scopes: manifestScopes(), limits: UNLIMITED });
    // The delivery client as src/adapters/slack/index.ts sets it, with a short timeout.
    port = new SlackPort(new webApi.WebClient(slack.botToken, {
      slackApiUrl: slack.apiUrl.replace(/\/*$/, '/'), rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, timeout: 400,
    }));
  });
  afterAll(async () => {
    await slack?.close();
  });

  it('times out in doubt; history finds the message Slack wrote meanwhile; nothing is posted twice', async () => {
    const team = slack.teams[0].id;
    const channel = `slack:${team}/C0NEWSROOM`;
    const since = Date.now() - 60_000;
    const held = slack.hold('chat.postMessage', (b) => b.channel === 'C0NEWSROOM', 'recorded');
    const reply = answer({ visibility: 'channel', cards: [{ title: 'Breaking: bridge closed', badge: 'breaking', priority: 'breaking', text: 'Use the ferry.' }] });
    const first = await port.post(channel, reply, { deliveryId: 'd-hang-1' }).then(() => null, (err: unknown) => err);
    expect(first).toBeInstanceOf(RetryLater);
    expect(first).toMatchObject({ inDoubt: true });
    held.release('process');
    const found = await port.findPosted!(channel, 'd-hang-1', since);
    expect(found).toMatch(new RegExp(`^slack:${team}/C0NEWSROOM#\\d+\\.\\d{6}$`));
    expect(slack.messages.filter((m) => m.channel === 'C0NEWSROOM')).toHaveLength(1);
  });
});
