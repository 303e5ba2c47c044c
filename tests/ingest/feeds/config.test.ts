import { describe, expect, it } from 'vitest';
import { loadFeedsConfig, parseFeedsConfig, slugify, type FeedConfig } from '../../../src/ingest/feeds/config.js';
import { applyRules } from '../../../src/ingest/feeds/rules.js';
import { articleIdFor, feedItemsToArticles } from '../../../src/ingest/feeds/to-article.js';
import type { FeedItem } from '../../../src/ingest/feeds/types.js';

const feedsJson = (feeds: unknown[]) => JSON.stringify({ feeds });

describe('feeds.json', () => {
  it('the shipped data/feeds.json is valid and polls nothing until an editor enables a feed', () => {
    const feeds = loadFeedsConfig('data/feeds.json');
    expect(feeds.length).toBeGreaterThan(0);
    expect(feeds.every((f) => !f.enabled)).toBe(true);
  });

  it('a missing file means no feeds', () => {
    expect(loadFeedsConfig('data/no-such-feeds.json')).toEqual([]);
  });

  it('fills defaults: id from the name, source = name, routine, 10 minutes, enabled', () => {
    const [feed] = parseFeedsConfig(feedsJson([{ name: 'Ação Wire!', url: 'https://x.example/rss' }]));
    expect(feed).toMatchObject({ id: 'acao-wire', source: 'Ação Wire!', priority: 'routine', intervalMinutes: 10, enabled: true, section: 'news', rules: [] });
  });

  it('names the feed and the field of each problem', () => {
    const text = feedsJson([
      { name: 'Good', url: 'https://ok.example/rss' },
      { name: 'Wire', url: 'ftp://x', intervalMinutes: 0.5, rules: [{ if: { titleMatches: '(unclosed' }, then: { priority: 'huge' } }] },
    ]);
    let message = '';
    try {
      parseFeedsConfig(text, 'data/feeds.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('data/feeds.json is invalid');
    expect(message).toContain('feed "Wire" (feeds[1]) → url: an http(s) URL');
    expect(message).toContain('feed "Wire" (feeds[1]) → intervalMinutes: at least 2 minutes');
    expect(message).toMatch(/feed "Wire" \(feeds\[1\]\) → rules\[0\]\.if\.titleMatches: not a valid regular expression/);
    expect(message).toContain('feed "Wire" (feeds[1]) → rules[0].then.priority');
    expect(message).not.toContain('"Good"');
  });

  it('refuses unknown fields, stripPrefix without titleStartsWith, empty rules, duplicate names and ids', () => {
    expect(() => parseFeedsConfig(feedsJson([{ name: 'A', url: 'https://a.example/', interval: 5 }]))).toThrow(/feed "A" \(feeds\[0\]\).*interval/);
    expect(() =>
      parseFeedsConfig(feedsJson([{ name: 'A', url: 'https://a.example/', rules: [{ if: { category: 'x' }, then: { stripPrefix: true } }] }])),
    ).toThrow(/rules\[0\]\.then\.stripPrefix: stripPrefix needs a titleStartsWith condition/);
    expect(() => parseFeedsConfig(feedsJson([{ name: 'A', url: 'https://a.example/', rules: [{ if: {}, then: { priority: 'urgent' } }] }]))).toThrow(
      /at least one condition/,
    );
    expect(() => parseFeedsConfig(feedsJson([{ name: 'A b', url: 'https://a.example/' }, { name: 'A-B', url: 'https://b.example/' }]))).toThrow(
      /"a-b" is also the id of "A b"/,
    );
    expect(() => parseFeedsConfig('{ feeds: [] }')).toThrow(/not valid JSON/);
  });

  it('slugs are short and plain', () => {
    expect(slugify('  BBC News — World (UK)  ')).toBe('bbc-news-world-uk');
    expect(slugify('!!!')).toBe('feed');
  });
});

const feed: FeedConfig = parseFeedsConfig(
  feedsJson([
    {
      name: 'Wire',
      url: 'https://wire.example.com/rss',
      section: 'world',
      rules: [
        { if: { titleStartsWith: 'BREAKING' }, then: { priority: 'breaking', stripPrefix: true } },
        { if: { titleMatches: '\\belection(s)?\\b' }, then: { section: 'politics' } },
        { if: { category: ['Sport', 'Football'] }, then: { section: 'sport', priority: 'urgent' } },
      ],
    },
  ]),
)[0];

describe('rules', () => {
  const defaults = { title: '', priority: 'routine' as const, section: 'world' };
  it('titleStartsWith is case-insensitive and stripPrefix removes the flag and its separator', () => {
    expect(applyRules(feed.rules, { title: 'Breaking — Quake hits', categories: [] }, { ...defaults, title: 'Breaking — Quake hits' })).toEqual({
      title: 'Quake hits', priority: 'breaking', section: 'world',
    });
    expect(applyRules(feed.rules, { title: 'BREAKING', categories: [] }, { ...defaults, title: 'BREAKING' }).title).toBe('BREAKING');
  });

  it('titleMatches and category apply; later rules win; non-matching items keep the defaults', () => {
    expect(applyRules(feed.rules, { title: 'BREAKING: Elections called', categories: ['football'] }, { ...defaults, title: 'x' })).toMatchObject({
      priority: 'urgent', section: 'sport',
    });
    expect(applyRules(feed.rules, { title: 'Selection day', categories: [] }, { ...defaults, title: 'Selection day' })).toEqual({
      ...defaults, title: 'Selection day',
    });
  });
});

describe('items → articles', () => {
  const item = (over: Partial<FeedItem>): FeedItem => ({
    guid: null, link: null, title: 'T', summary: '', content: 'Body', publishedAt: null, updatedAt: null, categories: [], author: '', imageUrl: null,
    ...over,
  });
  const none = () => undefined;

  it('ids: feed-namespaced guid when plain and short, a hash otherwise (URLs, long guids)', () => {
    expect(articleIdFor('wire', 'wire-123')).toBe('wire:wire-123');
    expect(articleIdFor('other', 'wire-123')).not.toBe(articleIdFor('wire', 'wire-123'));
    expect(articleIdFor('wire', 'https://x.example/a b')).toMatch(/^wire:[0-9a-f]{16}$/);
    expect(articleIdFor('wire', 'g'.repeat(200))).toMatch(/^wire:[0-9a-f]{16}$/);
  });

  it('strips control characters and bidirectional overrides from titles, teasers, bodies and authors', () => {
    const [a] = feedItemsToArticles(feed, [item({
      guid: 'c1', title: 'Invoice\u0000 \u202Efdp.exe', summary: 'Tea\u2066ser\u2069', content: 'Bo\u0007dy\u202A text\u202C', author: 'A\u0000nne',
    })], none, '2026-01-01T00:00:00.000Z');
    expect(a.input).toMatchObject({ title: 'Invoice fdp.exe', dek: 'Teaser', body: 'Body text', author: 'Anne' });
  });

  it('the same page by link keeps one id whatever the scheme, fragment, utm_* or trailing slash', () => {
    const a = feedItemsToArticles(feed, [item({ link: 'http://wire.example.com/a/?utm_source=x#top' })], none, '2026-01-01T00:00:00.000Z');
    const b = feedItemsToArticles(feed, [item({ link: 'https://wire.example.com/a' })], none, '2026-01-01T00:00:00.000Z');
    expect(a[0].id).toBe(b[0].id);
  });

  it('collapses duplicate guids, keeps the first; applies rules; undated items take the first-seen time', () => {
    const out = feedItemsToArticles(
      feed,
      [item({ guid: 'g1', title: 'BREAKING: First' }), item({ guid: 'g1', title: 'Older copy' }), item({ guid: 'g2', title: 'Undated' })],
      (id) => (id === 'wire:g2' ? '2026-01-01T00:00:00.000Z' : undefined),
      '2026-02-02T00:00:00.000Z',
    );
    expect(out.map((a) => a.input.title)).toEqual(['First', 'Undated']);
    expect(out[0].input).toMatchObject({ id: 'wire:g1', priority: 'breaking', section: 'world', source: 'Wire', publishedAt: '2026-02-02T00:00:00.000Z' });
    expect(out[1].input.publishedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('a title-less item is headed by its opening words; an item with neither title nor text is skipped', () => {
    const out = feedItemsToArticles(feed, [item({ guid: 'n', title: '', content: 'Bins collected Friday.\nMore.' }), item({ guid: 'e', title: '', content: '' })], none, 'x');
    expect(out.map((a) => a.input.title)).toEqual(['Bins collected Friday.']);
  });
});
