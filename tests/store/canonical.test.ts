import { describe, expect, it } from 'vitest';
import { articleId, canonicalUrl, contentHash, MAX_ID_LENGTH, normalizeWhitespace } from '../../src/store/canonical.js';
import { normalizeBody } from '../../src/store/sqlite/article-rows.js';

describe('canonicalUrl', () => {
  it('makes https, lower-cases the host, drops fragment, utm_* and the trailing slash', () => {
    expect(canonicalUrl('http://News.Example.COM/world/story/?utm_source=x&id=4&UTM_Medium=y#top')).toBe(
      'https://news.example.com/world/story?id=4',
    );
    expect(canonicalUrl('https://news.example.com/a/b/?utm_campaign=z')).toBe('https://news.example.com/a/b');
    expect(canonicalUrl('https://news.example.com/')).toBe('https://news.example.com');
  });

  it('refuses what is not an http(s) URL', () => {
    expect(canonicalUrl('ftp://x.example/a')).toBeNull();
    expect(canonicalUrl('not a url')).toBeNull();
    expect(canonicalUrl(undefined)).toBeNull();
  });
});

describe('articleId', () => {
  it("uses the source's id, else a hash of the canonical URL, else the fallback", () => {
    expect(articleId({ id: 'wire-123', url: 'https://x.example/a', title: 't' })).toBe('wire-123');
    const a = articleId({ url: 'http://X.example/a/?utm_source=feed', title: 't' });
    const b = articleId({ url: 'https://x.example/a#comments', title: 'other' });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(articleId({ fallbackId: 'my file name', title: 't' })).toBe('my-file-name');
  });

  it('keeps ids within 100 characters and unique', () => {
    const long1 = articleId({ id: 'x'.repeat(150) + '1', title: 't' });
    const long2 = articleId({ id: 'x'.repeat(150) + '2', title: 't' });
    expect(long1.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(long1).not.toBe(long2);
  });
});

describe('contentHash', () => {
  const base = { title: 'A  headline', dek: 'dek', body: 'one\n\ntwo', priority: 'routine', status: 'published' };
  it('ignores whitespace and sees every content field', () => {
    expect(contentHash(base)).toBe(contentHash({ ...base, title: ' A headline ', body: 'one two' }));
    for (const change of [{ title: 'B' }, { dek: 'x' }, { body: 'one three' }, { priority: 'breaking' }, { status: 'retracted' }]) {
      expect(contentHash({ ...base, ...change })).not.toBe(contentHash(base));
    }
  });
});

describe('whitespace normalisation (written for speed, issue 31): the same result as the plain definitions', () => {
  // The definitions as first written, kept here as the oracle.
  const plainWhitespace = (t: string) => t.replace(/\s+/g, ' ').trim();
  const plainBody = (b: string) => b.replace(/\r\n?/g, '\n').split(/\n\s*\n/).map((p) => p.replace(/[ \t]+/g, ' ').replace(/ *\n */g, '\n').trim()).filter(Boolean).join('\n\n');
  const alphabet = [' ', ' ', '\t', '\n', '\r', '\u00a0', '\u2028', '\u3000', '\ufeff', '\v', '\f', 'a', 'b', 'é', '字'];
  let seed = 31;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const strings = Array.from({ length: 20_000 }, () => Array.from({ length: Math.floor(next() * 14) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));

  it('normalizeWhitespace and normalizeBody agree with them on 20,000 whitespace-heavy strings', () => {
    for (const s of strings) {
      expect(normalizeWhitespace(s)).toBe(plainWhitespace(s));
      expect(normalizeBody(s)).toBe(plainBody(s));
    }
  });
});
