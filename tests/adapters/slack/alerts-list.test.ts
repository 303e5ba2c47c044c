import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { allText, buttons, manifestScopes, NOW, startTestBot, type TestBot } from './helpers.js';

/**
 * /alerts list with more subscriptions than one Slack message holds (50 blocks): the real Bolt app over HTTP against
 * the stand-in, which refuses a message over Slack's limits. 25 alert subscriptions and 2 briefings: every id is
 * reached through the More button, each page a valid message.
 */
describe('Slack: /alerts list over 27 subscriptions', () => {
  let standIn: SlackStandIn;
  let bot: TestBot;
  const ids: string[] = [];

  beforeAll(async () => {
    standIn = await startSlackStandIn({ scopes: manifestScopes() });
    bot = await startTestBot(standIn);
    const team = standIn.teams[0].id;
    const by = { id: 'U0ADMIN', name: 'Ada' };
    for (let i = 1; i <= 25; i++) {
      const sub = await bot.store.subscriptions.create({
        platform: 'slack', workspace: team, channel: `slack:${team}/C0DESK${String(i).padStart(4, '0')}`, channelName: `desk-${i}`,
        minPriority: 'urgent', sections: ['world', 'politics', 'business'], keywords: ['flood', 'election', 'strike'],
      }, by, NOW);
      ids.push(sub.id);
    }
    for (const at of ['07:30', '18:00']) {
      const sub = await bot.store.subscriptions.create({
        platform: 'slack', workspace: team, channel: `slack:${team}/C0MORNING`, channelName: 'morning', minPriority: 'routine',
        briefing: { at, tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      }, by, NOW);
      ids.push(sub.id);
    }
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  it('pages with More and Previous: every subscription and briefing appears once, each page within Slack\'s limits', async () => {
    const r = await standIn.slashCommand({ command: '/alerts', text: 'list', user: 'U0ADMIN' });
    let [page] = await r.waitForResponses(1);
    const seen: string[] = [];
    for (let n = 0; n < 10; n++) {
      expect(page.problem).toBeUndefined();
      expect((page.body.blocks as unknown[]).length).toBeLessThanOrEqual(50);
      const text = allText(page.body);
      expect(text).not.toMatch(/more not shown/);
      seen.push(...ids.filter((id) => text.includes(`${id} → #`)));
      if (n > 0) expect(buttons(page.body).map((b) => b.label)).toContain('Previous');
      if (!buttons(page.body).some((b) => b.label === 'More')) break;
      const click = await standIn.clickButton({ label: 'More', blocks: page.body.blocks, user: 'U0ADMIN' });
      [page] = await click.waitForResponses(1);
      expect(page.body.replace_original).toBe(true);
    }
    expect(seen).toHaveLength(27);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(allText(page.body)).toMatch(/25 alert subscriptions and 2 briefings, \d+–27 here \(page \d of \d\)/);
  });
});
