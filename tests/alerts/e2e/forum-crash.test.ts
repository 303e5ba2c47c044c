import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import { SqliteSubscriptions } from '../../../src/store/sqlite/subscriptions.js';
import { startDiscordStandIn, type DiscordStandIn, type Hold } from '../../standins/discord/index.js';
import { emptyDataDir, outboxStates, pushArticles, startNewsdeskProcess, until, type NewsdeskProcess } from './process.js';
import { systemClock } from '../../../src/domain/clock.js';

/**
 * One forum post per story across a SIGKILL mid-fan-out, with the real process (`tsx src/main.ts`) against the Discord
 * stand-in. Discord takes no nonce when a forum post is created (POST /channels/{forum}/threads), so the outbox's
 * at-least-once cannot lean on the platform's dedupe as plain messages do.
 *
 * 20 forums, 2 breaking stories. The stand-in holds the first post into each of forums 1–16 open (16 is the
 * dispatcher's per-platform concurrency). Then the process is killed. Forums 1–8: the held request is let through
 * AFTER the kill (the post exists, the process never learnt its id); forums 9–16: dropped unprocessed. After a restart
 * on the same DATA_DIR every forum holds exactly one post per story.
 */
const FORUMS = 20;
const HELD = 16;
const INGEST_TOKEN = 'forum-crash-ingest-token-0123456789';
const STORIES = [
  { id: 'dam-breach', title: 'Dam fails upstream of the capital', url: 'https://news.example/dam-breach' },
  { id: 'port-fire', title: 'Fire closes the container port', url: 'https://news.example/port-fire' },
];

describe('one forum post per story across a SIGKILL mid-fan-out (real process, Discord stand-in)', () => {
  let discord: DiscordStandIn;
  let dataDir: string;
  let proc: NewsdeskProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    discord = await startDiscordStandIn({
      guilds: [{ channels: Array.from({ length: FORUMS }, (_, i) => ({ name: `desk-${i + 1}`, type: 15, tags: ['World'] })) }],
    });
    dataDir = emptyDataDir();
    const store = openSqliteStore(join(dataDir, 'newsdesk.db'), { now: systemClock });
    const subs = new SqliteSubscriptions(store.db);
    const guild = discord.guilds[0];
    for (const c of guild.channels) {
      subs.create({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${c.id}`, channelName: c.name, minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, new Date());
    }
    await store.close();
    env = {
      DATA_DIR: dataDir, INGEST_TOKEN,
      DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
    };
  });

  afterAll(async () => {
    await proc?.stop();
    await discord?.close();
  });

  it('resumes after the kill: the posts made while it was dead are adopted, the dropped ones made, none twice', async () => {
    const guild = discord.guilds[0];
    const forums = guild.channels.filter((c) => c.type === 15).map((c) => c.id);
    const holds = new Map<string, { hold: Hold; arrived: boolean }>();
    for (const id of forums.slice(0, HELD)) {
      const hold = discord.hold({ method: 'POST', path: `/channels/${id}/threads` });
      const entry = { hold, arrived: false };
      void hold.arrived.then(() => (entry.arrived = true));
      holds.set(id, entry);
    }

    proc = await startNewsdeskProcess(env);
    const pushed = await pushArticles(proc.port, INGEST_TOKEN, STORIES.map((s) => ({
      ...s, dek: 'Thousands are affected.', body: `${s.title}. Thousands are affected.`, priority: 'breaking', section: 'world', source: 'Wire',
    })));
    expect(pushed.status).toBe(201);

    await until(() => [...holds.values()].every((h) => h.arrived), 'every held forum post to arrive', 30_000);
    proc.kill('SIGKILL');
    await proc.exited;
    proc = undefined;
    expect(outboxStates(join(dataDir, 'newsdesk.db')).sending).toBe(HELD);

    // The posts in flight at the kill: half are made now (the platform acts, nobody hears), half never are.
    for (const [i, id] of forums.slice(0, HELD).entries()) holds.get(id)!.hold.release(i < HELD / 2 ? 'process' : 'drop');
    const threads = () => guild.channels.filter((c) => c.type === 11);
    await discord.waitFor(() => forums.slice(0, HELD / 2).every((f) => threads().some((t) => t.parentId === f)));
    const madeWhileDead = new Map(forums.slice(0, HELD / 2).map((f) => [f, threads().filter((t) => t.parentId === f).map((t) => t.id)]));

    proc = await startNewsdeskProcess(env);
    await until(() => outboxStates(join(dataDir, 'newsdesk.db')).sent === STORIES.length * FORUMS, 'every delivery to be sent after the restart', 60_000);

    // Every forum: exactly one post per story, titled with its headline.
    for (const forum of forums) {
      const posts = threads().filter((t) => t.parentId === forum).map((t) => t.name).sort();
      expect(posts, `forum ${forum}`).toEqual(STORIES.map((s) => s.title).sort());
    }
    // The posts made while the process was dead were adopted (their row holds them), not made again.
    const db = openSqliteStore(join(dataDir, 'newsdesk.db'), { now: systemClock });
    try {
      const refs = new Set((db.db.prepare('SELECT message_ref FROM alert_outbox').all() as Array<{ message_ref: string }>).map((r) => r.message_ref));
      for (const [forum, ids] of madeWhileDead) {
        for (const id of ids) expect(refs.has(`discord:${guild.id}/${id}#${id}`), `forum ${forum}, post ${id}`).toBe(true);
      }
    } finally {
      await db.close();
    }
    expect(discord.calls.some((c) => c.method === 'GET' && c.path === `/guilds/${guild.id}/threads/active`)).toBe(true);
    // Each story has one starter message per forum, none deleted.
    expect(discord.messages.filter((m) => !m.deleted && forums.some((f) => threads().find((t) => t.id === m.channelId)?.parentId === f))).toHaveLength(STORIES.length * FORUMS);
  }, 150_000);
});
