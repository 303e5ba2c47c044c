import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import { SqliteSubscriptions } from '../../../src/store/sqlite/subscriptions.js';
import { systemClock } from '../../../src/domain/clock.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { emptyDataDir, pushArticles, startNewsdeskProcess, until, type NewsdeskProcess } from './process.js';

/**
 * The approval's state lives in the store: the real process (`tsx src/main.ts`) posts the preview, stops, starts again
 * on the same SQLite file, and an editor's press on the preview posted by the first run approves through the second.
 */
const INGEST_TOKEN = 'approval-restart-ingest-token-0123456789';

describe('a restart between the preview and the press (real process, Discord stand-in)', () => {
  let discord: DiscordStandIn;
  let proc: NewsdeskProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    discord = await startDiscordStandIn({ guilds: [{ channels: [{ name: 'public' }, { name: 'editors' }] }] });
    const dataDir = emptyDataDir();
    const guild = discord.guilds[0];
    // The subscription as /alerts subscribe #public approval:#editors leaves it.
    const store = openSqliteStore(join(dataDir, 'newsdesk.db'), { now: systemClock });
    new SqliteSubscriptions(store.db).create({
      platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${guild.channel('public').id}`, channelName: 'public',
      minPriority: 'breaking', approvalChannel: `discord:${guild.id}/${guild.channel('editors').id}`, approvalChannelName: 'editors',
    }, { id: 'U1', name: 'Ada' }, new Date());
    await store.close();
    env = {
      DATA_DIR: dataDir, INGEST_TOKEN, DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl,
      DISCORD_GUILD_ID: guild.id, DISCORD_EDITOR_ROLE_IDS: guild.editorRoleId,
    };
  });

  afterAll(async () => {
    await proc?.stop();
    await discord?.close();
  });

  it('the press after the restart approves, and the alert is posted once', async () => {
    const guild = discord.guilds[0];
    const publicId = guild.channel('public').id;
    const editorsId = guild.channel('editors').id;
    proc = await startNewsdeskProcess(env);
    const pushed = await pushArticles(proc.port, INGEST_TOKEN, { id: 'cms-7', title: 'Dam fails upstream of the capital', priority: 'breaking', section: 'world' });
    expect(pushed.status).toBe(201);
    const preview = await until(() => discord.messages.find((m) => m.channelId === editorsId && m.components.length > 0), 'the preview');
    expect(preview.content).toContain('Approval needed before this alert goes to #public');
    await proc.stop();
    await until(() => discord.connectedClients === 0, 'the first run to log out');

    proc = await startNewsdeskProcess(env);
    await until(() => discord.connectedClients === 1, 'the second run to log in');
    const approve = preview.components[0].components[0].custom_id as string;
    const click = discord.clickButton({ messageId: preview.id, customId: approve, user: { name: 'ed', roles: [guild.editorRoleId] } });
    const reply = await until(() => click.responseType !== undefined && discord.messages.find((m) => m.id === click.originalMessageId), 'the answer to the press');
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toContain('Approved: “Dam fails upstream of the capital” goes out to #public');
    await until(() => discord.messages.some((m) => m.channelId === publicId && (m.flags & 64) === 0), 'the alert');
    await until(() => preview.components.length === 0, 'the preview to lose its buttons');
    await new Promise((r) => setTimeout(r, 500));
    expect(discord.messages.filter((m) => m.channelId === publicId && (m.flags & 64) === 0)).toHaveLength(1);
  }, 180_000);
});
