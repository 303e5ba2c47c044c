import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/sqlite/migrations.js';
import { openDatabase, openSqliteStore } from '../../src/store/sqlite/index.js';
import { feedItemsToArticles } from '../../src/ingest/feeds/to-article.js';
import { harness, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DAM = { url: 'https://news.example/dam-breach', section: 'world' };

describe('one source never rewrites another\'s story', () => {
  it('push first, then a feed carrying the same link: the alert keeps the newsroom\'s text and priority, no edit', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert({ ...DAM, id: 'cms-991', origin: 'push', title: 'Dam breached: evacuate the valley now', priority: 'breaking' });
    await h.settled(1);
    const fed = await h.store.articles.upsert({ ...DAM, id: 'hoaxfeed:1', origin: 'feed:hoaxfeed', url: `${DAM.url}?utm_source=rss`, title: 'HOAX: all clear, return home', priority: 'routine' });
    expect(fed).toMatchObject({ outcome: 'created', article: { id: 'hoaxfeed:1' } });
    // Give a wrongly queued edit every chance to go out before looking.
    await new Promise((r) => setTimeout(r, 200));
    expect(port.posts().map((p) => p.reply.cards[0].title)).toEqual(['Dam breached: evacuate the valley now']);
    expect(port.sent.filter((s) => s.op === 'edit')).toEqual([]);
    expect(await h.store.articles.get('cms-991')).toMatchObject({ title: 'Dam breached: evacuate the valley now', priority: 'breaking', version: 1 });
    const story = await h.store.stories.story('hoaxfeed:1');
    expect(story).toMatchObject({ storyId: 'cms-991', duplicateReason: 'same URL' });
    expect(await h.store.stories.shown('cms-991')).toBe('cms-991');
    expect((await h.store.stories.members('cms-991')).map((m) => [m.articleId, m.origin])).toEqual([['cms-991', 'push'], ['hoaxfeed:1', 'feed:hoaxfeed']]);
  });

  it('a second feed with the same link neither takes the text over nor edits: among feeds the first keeps it', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert({ ...DAM, id: 'a:1', origin: 'feed:a', title: 'Dam breach reported upstream', priority: 'breaking' });
    await h.settled(1);
    for (let poll = 0; poll < 3; poll++) {
      await h.store.articles.upsert({ ...DAM, id: 'b:1', origin: 'feed:b', title: `Dam breach: update ${poll}`, priority: 'breaking' });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(port.posts()).toHaveLength(1);
    expect(port.sent.filter((s) => s.op === 'edit')).toEqual([]);
    expect(await h.store.stories.shown('a:1')).toBe('a:1');
  });

  it('within one feed, items sharing a link are distinct articles and distinct stories (130 episodes stay 130)', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const feed = { id: 'pod', name: 'Pod', url: 'https://pod.example/rss', source: 'Pod', section: 'culture', priority: 'routine', intervalMinutes: 15, enabled: true, rules: [] } as unknown as Parameters<typeof feedItemsToArticles>[0];
    const items = Array.from({ length: 130 }, (_, i) => ({
      guid: `episode-${i + 1}`, link: 'https://pod.example/show', title: `Episode ${i + 1}: the week in review`, summary: '', content: `Show notes ${i + 1}.`,
      author: '', categories: [], publishedAt: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 3_600_000).toISOString(), updatedAt: null, imageUrl: null,
    })) as unknown as Parameters<typeof feedItemsToArticles>[1];
    const inputs = feedItemsToArticles(feed, items, () => undefined, '2026-11-25T12:00:00.000Z').map((a) => a.input);
    const first = await h.store.articles.upsertMany(inputs);
    expect(first.map((r) => r.outcome).filter((o) => o === 'created')).toHaveLength(130);
    expect(await h.store.articles.count()).toBe(130);
    const stories = new Set(await Promise.all(first.map(async (r) => (await h!.store.stories.story(r.article.id))!.storyId)));
    expect(stories.size).toBe(130);
    // The next poll (no ETag) changes nothing: no new versions.
    const again = await h.store.articles.upsertMany(inputs);
    expect(again.every((r) => r.outcome === 'unchanged')).toBe(true);
    expect(first.every((r) => r.article.version === 1)).toBe(true);
  });
});

describe('migration 140 on a store made before origins existed', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('backfills feed rows from the id prefix, leaves the others for the newsroom to adopt, keeps every row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-origin-'));
    dirs.push(dir);
    const file = join(dir, 'old.db');
    const now = () => new Date('2026-11-25T12:00:00Z');
    const before = migrations.slice(0, migrations.findIndex((m) => m.id === '140-article-origin'));
    expect(before.length).toBeGreaterThan(5);
    // The schema as the code before this change left it, with rows written the way it wrote them.
    const old = openDatabase(file, { migrations: before });
    old.prepare("INSERT INTO feed_state (feed_id, url) VALUES ('wire', 'https://wire.example/rss')").run();
    const insert = old.prepare(`INSERT INTO articles (id, title, section, source, published_at, published_ms, updated_at, priority, status,
      version, content_hash, ingested_at, version_stored_at, pub_key) VALUES (?, ?, 'world', 'Desk', ?, ?, ?, 'routine', 'published', 1, ?, ?, ?, ?)`);
    const at = '2026-11-20T10:00:00.000Z';
    ['wire:42', 'cms-7', '000_seed'].forEach((id, i) => insert.run(id, `Story ${id}`, at, Date.parse(at), at, `hash-${id}`, at, at, Date.parse(at) * 1024 + i));
    old.close();

    const migrated = openSqliteStore(file, { now });
    try {
      const origins = migrated.db.prepare('SELECT id, origin FROM articles ORDER BY id').all();
      expect(origins).toEqual([
        { id: '000_seed', origin: null },
        { id: 'cms-7', origin: null },
        { id: 'wire:42', origin: 'feed:wire' },
      ]);
      // The newsroom adopts its own rows; a feed cannot take one.
      await expect(migrated.articles.upsert({ id: 'cms-7', origin: 'push', title: 'From the desk, corrected' })).resolves.toMatchObject({ outcome: 'updated' });
      expect((await migrated.articles.get('cms-7'))?.origin).toBe('push');
      await expect(migrated.articles.upsert({ id: '000_seed', origin: 'feed:wire', title: 'Taken' })).rejects.toThrow(/belongs to/);
      await expect(migrated.articles.upsert({ id: 'wire:42', origin: 'push', title: 'Taken' })).rejects.toThrow('belongs to feed wire');
    } finally {
      await migrated.close();
    }
  });
});
