import { describe, expect, it } from 'vitest';
import { FeedFetchError, fetchFeed } from '../../../src/ingest/feeds/fetch-feed.js';

/** The body as a server sent it: bytes and a Content-Type, through fetchFeed's own decoding. */
async function bodyOf(bytes: Uint8Array, contentType: string): Promise<string> {
  const res = await fetchFeed({
    url: 'https://feeds.example/rss', etag: null, lastModified: null, timeoutMs: 5_000, maxBytes: 1_000_000,
    userAgent: 'test', signal: new AbortController().signal,
    fetch: async () => new Response(bytes, { headers: { 'content-type': contentType } }),
  });
  if (res.status !== 'ok') throw new Error(res.status);
  return res.body;
}

describe('feed charset', () => {
  // "Café – “Olá” ação" in windows-1252: é E9, – 96, “ 93, ” 94, á E1, ç E7, ã E3.
  const cp1252 = Uint8Array.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x93, 0x4f, 0x6c, 0xe1, 0x94, 0x20, 0x61, 0xe7, 0xe3, 0x6f]);
  const wrap = (title: Uint8Array) => Uint8Array.from([...Buffer.from('<rss><channel><title>'), ...title, ...Buffer.from('</title></channel></rss>')]);

  it('no charset and no XML declaration: bytes that are not UTF-8 are read as windows-1252, not replacement characters', async () => {
    const body = await bodyOf(wrap(cp1252), 'application/rss+xml');
    expect(body).toContain('Café – “Olá” ação');
    expect(body).not.toContain('\uFFFD');
  });

  it('no charset: valid UTF-8 stays UTF-8; a charset in the header or the declaration wins', async () => {
    expect(await bodyOf(wrap(Buffer.from('Café – “Olá”')), 'text/xml')).toContain('Café – “Olá”');
    expect(await bodyOf(wrap(cp1252), 'text/xml; charset=windows-1252')).toContain('Café – “Olá” ação');
    const declared = Uint8Array.from([...Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>'), ...wrap(Uint8Array.from([0x43, 0x61, 0x66, 0xe9]))]);
    expect(await bodyOf(declared, 'application/xml')).toContain('Café');
  });
});

describe('Retry-After', () => {
  async function refusal(headers: Record<string, string>): Promise<number | null> {
    const err = await fetchFeed({
      url: 'https://feeds.example/rss', etag: null, lastModified: null, timeoutMs: 5_000, maxBytes: 1_000_000,
      userAgent: 'test', signal: new AbortController().signal,
      fetch: async () => new Response('busy', { status: 503, headers }),
    }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(FeedFetchError);
    return (err as FeedFetchError).retryAfterMs;
  }

  it('seconds, or an HTTP date measured against the server\'s own Date header (whatever our clock says)', async () => {
    expect(await refusal({ 'retry-after': '120' })).toBe(120_000);
    expect(await refusal({ 'retry-after': 'Wed, 21 Oct 2015 07:30:00 GMT', date: 'Wed, 21 Oct 2015 07:28:00 GMT' })).toBe(120_000);
    expect(await refusal({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT', date: 'Wed, 21 Oct 2015 07:30:00 GMT' })).toBe(0);
    // A date with nothing to measure it by, or no header at all: the poller's own backoff decides.
    expect(await refusal({ 'retry-after': 'Wed, 21 Oct 2015 07:30:00 GMT' })).toBeNull();
    expect(await refusal({ 'retry-after': 'soon', date: 'Wed, 21 Oct 2015 07:28:00 GMT' })).toBeNull();
    expect(await refusal({})).toBeNull();
  });
});
