import { afterEach, describe, expect, it } from 'vitest';
import { news } from '../../commands/news.js';
import type { Invocation } from '../../src/core/command.js';
import { createDispatcher } from '../../src/core/dispatcher.js';
import type { Services } from '../../src/core/services.js';
import { parseArticleFile } from '../../src/ingest/article-file.js';
import { articleJsonSchema } from '../../src/ingest/article-schema.js';
import { parseFeedsConfig } from '../../src/ingest/feeds/config.js';
import { applyRules } from '../../src/ingest/feeds/rules.js';
import { createDerivedCache } from '../../src/store/cache.js';
import { harness, quietLogger, TestClock, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

/** The verification label (issue 26): a word on alerts and in /news; a change edits the posted alerts, never a version. */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const STORY = { id: 'flood-9', title: 'River breaches flood wall in the old town', dek: 'Streets under water.', priority: 'breaking' as const, section: 'local' };

describe('verification on the way in', () => {
  it('push and files accept the three words; anything else names the field', () => {
    expect(articleJsonSchema.parse({ title: 'x', verification: 'developing' }).verification).toBe('developing');
    const bad = articleJsonSchema.safeParse({ title: 'x', verification: 'probable' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['verification', 'one of confirmed, developing, unverified']]);
    expect(() => parseArticleFile('data/inbox/flood.json', JSON.stringify({ title: 'x', verification: 'sure' })))
      .toThrow('verification: one of confirmed, developing, unverified');
    expect(parseArticleFile('data/inbox/flood.md', '---\ntitle: Flood\nverification: unverified\n---\nWater.')[0].verification).toBe('unverified');
  });

  it('feed rules set it with then.verification; an unknown word stops the config naming the rule', () => {
    const [feed] = parseFeedsConfig(JSON.stringify({ feeds: [{ name: 'Wire', url: 'https://wire.example/rss', rules: [{ if: { titleStartsWith: 'UNCONFIRMED' }, then: { verification: 'unverified', stripPrefix: true } }] }] }));
    expect(applyRules(feed.rules, { title: 'UNCONFIRMED: Blast at the port', categories: [] }, { title: 'UNCONFIRMED: Blast at the port', priority: 'urgent', section: 'world' }))
      .toEqual({ title: 'Blast at the port', priority: 'urgent', section: 'world', verification: 'unverified' });
    expect(() => parseFeedsConfig(JSON.stringify({ feeds: [{ name: 'Wire', url: 'https://wire.example/rss', rules: [{ if: { titleStartsWith: 'X' }, then: { verification: 'maybe' } }] }] })))
      .toThrow(`feed "Wire" (feeds[0]) → rules[0].then.verification: one of confirmed, developing, unverified`);
  });
});

describe('verification on alerts', () => {
  async function setup() {
    const port = new RecordingPort('terminal');
    h = await harness({ clock: new TestClock(), ports: [port] });
    await h.subscribe({ channel: 'terminal:desk' });
    await h.subscribe({ channel: 'terminal:wire' });
    const cache = createDerivedCache(300);
    // As the app wires it: every stored change (a metadata-only one too) clears derived data.
    h.store.articles.onChange(() => cache.clear());
    const services = { articles: h.store.articles, cache, actionState: h.store.actionState, labels: h.alerts.labels } as unknown as Services;
    const dispatcher = createDispatcher({ commands: [news], services, logger: quietLogger, now: h.now });
    const newsMeta = async () => (await dispatcher.dispatch({ platform: 'terminal', command: 'news', text: '', user: { id: 'U', name: 'u', isAdmin: false }, workspace: '', channel: 'terminal:desk' } as Invocation))
      .cards[0].items!.find((i) => i.id === STORY.id)!.meta;
    const edits = () => port.sent.filter((s) => s.op === 'edit');
    return { port, newsMeta, edits };
  }

  it('the source’s label shows; its change edits each posted alert once (two changes before the edit: one edit), no new version', async () => {
    const t = await setup();
    await h!.store.articles.upsert({ ...STORY, verification: 'developing' });
    await h!.settled(2);
    expect(t.port.posts().map((p) => p.reply.cards[0].badge)).toEqual(['BREAKING · DEVELOPING', 'BREAKING · DEVELOPING']);
    expect(await t.newsMeta()).toBe('just now · Local · Newsdesk · developing');

    // Two changes in one transaction (before any edit can go out): one edit per alert, showing the last.
    await h!.store.transaction(async () => {
      await h!.store.articles.upsert({ ...STORY, verification: 'unverified' });
      await h!.store.articles.upsert({ ...STORY, verification: 'confirmed' });
    });
    await h!.settled(2);
    await new Promise((r) => setTimeout(r, 150));
    expect(t.edits().map((e) => e.reply.cards[0].badge)).toEqual(['BREAKING · CONFIRMED', 'BREAKING · CONFIRMED']);
    expect((await h!.store.articles.get(STORY.id))?.version).toBe(1);
    expect(await t.newsMeta()).toBe('just now · Local · Newsdesk · confirmed');
  });

  it('an editor’s label wins over the source’s, in /news too, and a later source change does not undo it', async () => {
    const t = await setup();
    await h!.store.articles.upsert({ ...STORY, verification: 'confirmed' });
    await h!.settled(2);
    await h!.store.stories.setLabel({ storyId: STORY.id, label: 'unverified', by: { id: 'U1', name: 'Ada' }, at: h!.clock.ms });
    await h!.store.outbox.relabel(STORY.id, h!.clock.ms);
    await h!.settled(2);
    expect(t.edits().map((e) => e.reply.cards[0].badge)).toEqual(['BREAKING · UNVERIFIED', 'BREAKING · UNVERIFIED']);
    expect(await t.newsMeta()).toBe('just now · Local · Newsdesk · unverified');
    await h!.store.articles.upsert({ ...STORY, verification: 'developing' });
    await new Promise((r) => setTimeout(r, 200));
    expect(t.edits()).toHaveLength(2);
    expect(await t.newsMeta()).toBe('just now · Local · Newsdesk · unverified');
  });
});
