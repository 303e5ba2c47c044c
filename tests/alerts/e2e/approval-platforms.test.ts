import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreCommands } from '../../../commands/index.js';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { startSlack, type SlackAdapter } from '../../../src/adapters/slack/index.js';
import { startAlerts, type Alerts } from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config.js';
import { createDispatcher } from '../../../src/core/dispatcher.js';
import type { Services } from '../../../src/core/services.js';
import { PortRegistry } from '../../../src/outbound/registry.js';
import { HttpServer } from '../../../src/server/http.js';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/index.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import type { InteractionRecord } from '../../standins/discord/rest.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { quietLogger } from '../harness.js';

/**
 * Editor approval through the real platform libraries (discord.js, Bolt) against the stand-ins: an admin subscribes
 * with approval:, the preview lands in the editors' channel with its buttons, a reader's press is refused privately,
 * an editor's press sends the alert and the preview loses its buttons; a second press is told who decided.
 */
const START = Date.parse('2026-11-25T12:00:00Z');

/** The application clock: a fixed start, moving with real time (pacing needs time to pass). */
function movingClock(): () => Date {
  const offset = START - Date.now();
  return () => new Date(Date.now() + offset);
}

interface Bot {
  store: SqliteStore;
  alerts: Alerts;
  ports: PortRegistry;
  dispatcher: ReturnType<typeof createDispatcher>;
  close(): Promise<void>;
}

function bot(): Bot {
  const now = movingClock();
  const store = openSqliteStore(':memory:', { now });
  const ports = new PortRegistry();
  const alerts = startAlerts({ store, ports, logger: quietLogger, config: { TIMEZONE: 'UTC' }, now });
  const services = { articles: store.articles, alerts: alerts.service, actionState: store.actionState } as unknown as Services;
  const dispatcher = createDispatcher({ commands: coreCommands(), services, logger: quietLogger, now, autocompleteSources: alerts.autocompleteSources });
  return {
    store, alerts, ports, dispatcher,
    async close() {
      await alerts.stop();
      await store.close();
    },
  };
}

const STORY = { id: 'dam-1', title: 'Dam fails upstream of the capital', dek: 'Thousands evacuated.', priority: 'breaking' as const, section: 'world' };

describe('approval through Discord (discord.js against the stand-in)', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let b: Bot;

  beforeAll(async () => {
    standIn = await startDiscordStandIn({ guilds: [{ channels: [{ name: 'public' }, { name: 'editors' }] }] });
    b = bot();
    const config = loadConfig({
      DISCORD_TOKEN: standIn.token, DISCORD_APPLICATION_ID: standIn.appId, DISCORD_API_URL: standIn.apiUrl,
      DISCORD_GUILD_ID: standIn.guilds[0].id, DISCORD_EDITOR_ROLE_IDS: standIn.guilds[0].editorRoleId,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-approval-')), LOG_LEVEL: 'silent',
    });
    adapter = await startDiscord({ config, dispatcher: b.dispatcher, logger: quietLogger });
    b.ports.attach(adapter.port);
  });

  afterAll(async () => {
    await b?.close();
    await adapter?.stop();
    await standIn?.close();
  });

  /** Alerts in a channel (not the ephemeral answers to commands typed there). */
  const posted = (channelId: string) => standIn.messages.filter((m) => m.channelId === channelId && (m.flags & 64) === 0);
  const answer = (rec: InteractionRecord) => standIn.waitFor(() => rec.responseType !== undefined && standIn.messages.find((m) => m.id === rec.originalMessageId));

  it('an editor approves on the preview; a reader is refused privately; a second press is told who decided', async () => {
    const guild = standIn.guilds[0];
    const publicId = guild.channel('public').id;
    const editorsId = guild.channel('editors').id;
    const subscribed = await answer(standIn.sendCommand({ name: 'alerts', subcommand: 'subscribe', options: { channel: publicId, approval: editorsId }, user: { admin: true } }));
    expect(subscribed.content).toMatch(/^Subscribed/);
    const [sub] = await b.alerts.service.list({ platform: 'discord', workspace: guild.id });
    expect(sub).toMatchObject({ approvalChannel: `discord:${guild.id}/${editorsId}`, approvalChannelName: 'editors' });

    await b.store.articles.upsert(STORY);
    const preview = await standIn.waitFor(() => standIn.messages.find((m) => m.channelId === editorsId && m.components.length > 0));
    expect(preview.content).toContain('Approval needed before this alert goes to #public');
    const ids = preview.components.flatMap((r) => r.components.map((c: { custom_id: string; label: string }) => [c.label, c.custom_id]));
    expect(ids.map(([label]) => label)).toEqual(['Approve', 'Hold', 'Reject', 'Confirmed', 'Developing', 'Unverified']);
    const approve = ids[0][1];
    expect(approve).toMatch(/^alerts:approve:[A-Za-z0-9_-]{12}$/);

    const refused = standIn.clickButton({ messageId: preview.id, customId: approve, user: { name: 'reader' } });
    const refusal = await answer(refused);
    expect(refused.responseType).toBe(4);
    expect(refusal.flags & 64).toBe(64);
    expect(refusal.content).toContain('Only editors can decide on alerts');
    await new Promise((r) => setTimeout(r, 200));
    expect(posted(publicId)).toEqual([]);

    const pressed = standIn.clickButton({ messageId: preview.id, customId: approve, user: { name: 'ed', roles: [guild.editorRoleId] } });
    const approved = await answer(pressed);
    expect(approved.flags & 64).toBe(64);
    expect(approved.content).toContain('Approved: “Dam fails upstream of the capital” goes out to #public');
    const alert = await standIn.waitFor(() => posted(publicId)[0]);
    expect(JSON.stringify(alert.embeds)).toContain('Dam fails upstream of the capital');
    await standIn.waitFor(() => preview.components.length === 0 && preview.history.length > 1);
    expect(preview.content).toMatch(/^Approved by \S+ at 12:\d\d: sent to #public\./);

    const again = await answer(standIn.clickButton({ messageId: preview.id, customId: approve, user: { admin: true, name: 'boss' }, unchecked: true }));
    expect(again.flags & 64).toBe(64);
    expect(again.content).toMatch(/^Already approved by \S+ at 12:\d\d\. Nothing changed\.$/);
    await new Promise((r) => setTimeout(r, 200));
    expect(posted(publicId)).toHaveLength(1);
  });
});

describe('approval through Slack (Bolt against the stand-in)', () => {
  let standIn: SlackStandIn;
  let adapter: SlackAdapter;
  let http: HttpServer;
  let b: Bot;

  beforeAll(async () => {
    standIn = await startSlackStandIn({
      teams: [{ channels: [{ id: 'C0PUBLIC', name: 'public' }, { id: 'C0EDITORS', name: 'editors' }, { id: 'C0LOCKED', name: 'locked', isPrivate: true, isMember: false }] }],
    });
    b = bot();
    const config = loadConfig({ SLACK_BOT_TOKEN: standIn.botToken, SLACK_API_URL: standIn.apiUrl, SLACK_SIGNING_SECRET: standIn.signingSecret, LOG_LEVEL: 'silent' });
    http = new HttpServer();
    adapter = await startSlack({ config, dispatcher: b.dispatcher, logger: quietLogger, http, retryConfig: { retries: 0 } });
    b.ports.attach(adapter.port);
    const address = await http.start(0, '127.0.0.1');
    standIn.appUrl = `http://127.0.0.1:${address.port}/slack/events`;
  });

  afterAll(async () => {
    await adapter?.stop();
    await b?.close();
    await http?.stop();
    await standIn?.close();
  });

  it('refuses an approval channel the bot cannot post in, saying what is missing, and writes nothing', async () => {
    const r = await standIn.slashCommand({ command: '/alerts', text: 'subscribe <#C0PUBLIC|public> approval:<#C0LOCKED|locked>', user: 'U0ADMIN', channel: 'C0PUBLIC' });
    const [reply] = await r.waitForResponses(1);
    expect(reply.body.text).toBe('approval: I cannot post in that channel: missing access (the channel is unknown, or private without Newsdesk in it: /invite @Newsdesk). Fix that and run /alerts subscribe again.');
    expect(await b.alerts.service.list({ platform: 'slack', workspace: standIn.teams[0].id })).toEqual([]);
  });

  it('an admin approves with a block_actions press; a reader is refused privately; the preview is updated without buttons', async () => {
    const team = standIn.teams[0].id;
    const r = await standIn.slashCommand({ command: '/alerts', text: 'subscribe <#C0PUBLIC|public> approval:<#C0EDITORS|editors>', user: 'U0ADMIN', channel: 'C0PUBLIC' });
    const [ok] = await r.waitForResponses(1);
    expect(String(ok.body.text)).toMatch(/^Subscribed/);
    expect((await b.alerts.service.list({ platform: 'slack', workspace: team }))[0]).toMatchObject({ approvalChannel: `slack:${team}/C0EDITORS` });

    await b.store.articles.upsert(STORY);
    const preview = await standIn.waitFor(() => standIn.messages.find((m) => m.channel === 'C0EDITORS'));
    expect(preview.text).toContain('Approval needed before this alert goes to #public');

    const refused = await standIn.clickButton({ label: 'Approve', blocks: preview.blocks, user: 'U0READER', channel: 'C0EDITORS', isEphemeral: false });
    const [no] = await refused.waitForResponses(1);
    expect(no.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(no.body.text)).toContain('Only editors can decide on alerts');
    await new Promise((res) => setTimeout(res, 200));
    expect(standIn.messages.filter((m) => m.channel === 'C0PUBLIC')).toEqual([]);

    const pressed = await standIn.clickButton({ label: 'Approve', blocks: preview.blocks, user: 'U0ADMIN', channel: 'C0EDITORS', isEphemeral: false });
    const [yes] = await pressed.waitForResponses(1);
    expect(yes.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(yes.body.text)).toContain('Approved: “Dam fails upstream of the capital” goes out to #public');
    const alert = await standIn.waitFor(() => standIn.messages.find((m) => m.channel === 'C0PUBLIC'));
    expect(JSON.stringify(alert.blocks)).toContain('Dam fails upstream of the capital');
    await standIn.waitFor(() => preview.edits.length > 0 && !JSON.stringify(preview.blocks).includes('"actions"'));
    expect(preview.text).toMatch(/^Approved by \S+ at 12:\d\d: sent to #public\./);
  });
});
