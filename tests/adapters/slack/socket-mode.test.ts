import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { allText, buttons, startTestBot, type TestBot } from './helpers.js';

/** The real Bolt app over Socket Mode: apps.connections.open with the app token, hello, envelopes, acks. */
describe('Slack adapter, Socket Mode', () => {
  let standIn: SlackStandIn;
  let bot: TestBot;

  beforeAll(async () => {
    standIn = await startSlackStandIn();
    bot = await startTestBot(standIn, { socketMode: true });
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  it('opens the connection with the app token and mounts no HTTP route', async () => {
    expect(standIn.callsTo('apps.connections.open').map((c) => c.token)).toEqual([standIn.appToken]);
    expect(standIn.socketClients).toBe(1);
    expect(bot.adapter.isReady()).toBe(true);
    expect(bot.http.hasRoutes).toBe(false);
  });

  it('answers /news end to end: envelope acked, answer through response_url', async () => {
    const r = await standIn.slashCommand({ command: '/news', text: 'flood' });
    expect(r.ack).toBeNull();
    expect(standIn.socketAcks.at(-1)).toMatchObject({ envelopeId: expect.stringMatching(/^env-/) });
    const [answer] = await r.waitForResponses(1);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(allText(answer.body)).toContain('Results for “flood”');
  });

  it('pages with More over the socket too', async () => {
    const r = await standIn.slashCommand({ command: '/news' });
    const [page1] = await r.waitForResponses(1);
    const click = await standIn.clickButton({ label: 'More', blocks: page1.body.blocks });
    const [page2] = await click.waitForResponses(1);
    expect(page2.body.replace_original).toBe(true);
    expect(buttons(page2.body).map((b) => b.label)).toContain('Share in channel');
  });

  it('carries a validation error in the envelope ack', async () => {
    const r = await standIn.slashCommand({ command: '/news', text: 'page:0' });
    expect(r.ack).toMatchObject({ response_type: 'ephemeral' });
    expect(String(r.ack!.text)).toMatch(/page/);
  });

  it('stop() waits for the socket to close', async () => {
    const other = await startTestBot(standIn, { socketMode: true });
    expect(standIn.socketClients).toBe(2);
    await other.close();
    await standIn.waitFor(() => standIn.socketClients === 1);
    expect(standIn.socketCloseCodes).toHaveLength(1);
    expect(standIn.socketCloseCodes[0]).not.toBe(1006);
    expect(other.adapter.isReady()).toBe(false);
  });
});
