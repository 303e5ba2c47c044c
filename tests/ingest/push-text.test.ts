import { afterAll, beforeAll, expect, it } from 'vitest';
import { mountIngestApi } from '../../src/ingest/push.js';
import { logger } from '../../src/log.js';
import { HttpServer } from '../../src/server/http.js';
import type { Store } from '../../src/store/types.js';
import { TEST_CLOCK } from '../helpers/clock.js';
import { eachBackend } from '../store/contract/backends.js';

/**
 * Issue 22, item 4: text at the push API's door. What is stored is what was sent, or the push is refused naming
 * the field: never U+FFFD in place of a character, never an id that reads as another article's.
 */
const TOKEN = 'test-ingest-token-0123456789';
const quiet = logger.child({}, { level: 'silent' });
/** Answers are checked field by field. */
const json = (res: Response): Promise<any> => res.json();

eachBackend(import.meta.filename, 'POST /v1/articles: text at the door', (backend) => {
  let store: Store;
  let http: HttpServer;
  let base: string;

  beforeAll(async () => {
    store = await backend.open({ now: TEST_CLOCK });
    http = new HttpServer();
    mountIngestApi(http, { token: TOKEN, store: store.articles, logger: quiet });
    const { port } = await http.start(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await http.stop();
    await backend.cleanup();
  });

  function push(body: unknown, contentType = 'application/json') {
    return fetch(`${base}/v1/articles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
      body: Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('a Latin-1 body declared charset=iso-8859-1 is decoded, not stored as U+FFFD', async () => {
    const body = Buffer.from('{"id":"cms-latin1","title":"Caf\xe9 in Z\xfcrich reopens","section":"Soci\xe9t\xe9"}', 'latin1');
    const res = await push(body, 'application/json; charset="ISO-8859-1"');
    expect(res.status).toBe(201);
    expect(await store.articles.get('cms-latin1')).toMatchObject({ title: 'Café in Zürich reopens', section: 'société' });
  });

  it('a charset it cannot decode is refused with 415, and nothing is stored', async () => {
    const before = await store.articles.count();
    const res = await push({ id: 'cms-klingon', title: 'Qapla' }, 'application/json; charset=klingon');
    expect(res.status).toBe(415);
    expect((await json(res)).error).toBe('unsupported charset "klingon"; send UTF-8 (charset=utf-8)');
    expect(await store.articles.count()).toBe(before);
  });

  it('invalid UTF-8 is refused with 400 naming the article and field; a U+FFFD the sender wrote is not blamed', async () => {
    const before = await store.articles.count();
    const body = Buffer.concat([
      Buffer.from('[{"id":"cms-ok","title":"Fine","dek":"A real \u{FFFD} mark"},{"id":"cms-bad","title":"Caf', 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from(' closes","section":"a', 'utf8'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}]', 'utf8'),
    ]);
    const res = await push(body);
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      error: 'the body is not valid UTF-8',
      issues: [
        { item: 1, field: 'title', message: 'not valid UTF-8' },
        { item: 1, field: 'section', message: 'not valid UTF-8' },
      ],
    });
    expect(await store.articles.count()).toBe(before);
  });

  it('an unpaired surrogate (half an emoji) is refused with 400 naming the field, in any text field', async () => {
    const before = await store.articles.count();
    const cut = '\\ud83d';
    const res = await push(
      `[{"id":"cms-s1","title":"Storm ${cut}"},{"id":"cms-s2","title":"Fine","topics":["weather","x${cut}"]},{"id":"cms-s3","title":"Fine","related":[{"title":"${cut}y"}]},{"id":"cms-s4${cut}","title":"Fine"}]`,
    );
    expect(res.status).toBe(400);
    const message = 'not valid Unicode: an unpaired surrogate (half of an emoji?)';
    expect((await json(res)).issues).toEqual([
      { item: 0, field: 'title', message },
      { item: 1, field: 'topics.1', message },
      { item: 2, field: 'related.0.title', message },
      { item: 3, field: 'id', message },
    ]);
    expect(await store.articles.count()).toBe(before);
    // A whole emoji is fine.
    expect((await push({ id: 'cms-emoji', title: 'Storm \u{1F32A} ahead' })).status).toBe(201);
    expect((await store.articles.get('cms-emoji'))?.title).toBe('Storm \u{1F32A} ahead');
  });

  it('an id with NUL, a bidi control, an invisible character or a feed item\'s form is refused before anything is written', async () => {
    expect((await push({ id: 'tx-same', title: 'The first story' })).status).toBe(201);
    const before = await store.articles.count();
    const cases: Array<[string, string]> = [
      ['tx-sam\u0000e', 'printable characters only: no control, bidirectional or invisible characters'],
      ['tx-\u202Eemas', 'printable characters only: no control, bidirectional or invisible characters'],
      ['tx-sa\u200Bme', 'printable characters only: no control, bidirectional or invisible characters'],
      ['tx same', 'no spaces or #'],
      ['dup:s-squat', 'takes the form of a feed item\'s id ("<feed id>:…", reserved for feeds); use another separator, such as "-"'],
    ];
    for (const [id, message] of cases) {
      // In an array with a good article: nothing of the request is written.
      const res = await push([{ id: 'tx-innocent', title: 'Innocent' }, { id, title: 'Same id, another story' }]);
      expect(res.status, JSON.stringify(id)).toBe(400);
      expect((await json(res)).issues).toEqual([{ item: 1, field: 'id', message }]);
    }
    const long = await push({ id: 'x'.repeat(101), title: 'Long id' });
    expect(long.status).toBe(400);
    expect((await json(long)).issues).toEqual([{ item: 0, field: 'id', message: expect.stringMatching(/100/) }]);
    expect(await store.articles.count()).toBe(before);
    expect(await store.articles.get('tx-same')).toMatchObject({ title: 'The first story', version: 1 });
  });

  it('NUL and bidi controls are stripped from every text field; a link holding them is refused', async () => {
    const res = await push({
      id: 'cms-every-field',
      title: 'Dam\u0000 breach',
      dek: 'Up\u2067stream',
      body: 'Move\u0000 now.',
      author: 'Asha\u202E Rao',
      section: 'wor\u0000ld\u202E',
      source: 'Harbor\u2066 Times\u0000',
      topics: ['flo\u0000ods', '\u202Edams'],
      related: [{ title: 'Earlier\u0000 warning\u202C', url: 'https://news.example/earlier' }],
    });
    expect(res.status).toBe(201);
    expect(await store.articles.get('cms-every-field')).toMatchObject({
      title: 'Dam breach',
      dek: 'Upstream',
      body: 'Move now.',
      author: 'Asha Rao',
      section: 'world',
      source: 'Harbor Times',
      topics: ['floods', 'dams'],
      related: [{ title: 'Earlier warning', url: 'https://news.example/earlier' }],
    });
    expect(await store.articles.sections()).not.toContain('wor\u0000ld\u202E');

    const link = await push({ id: 'cms-bad-link', title: 'Link', url: 'https://news.example/a\u0000b', image_url: 'https://news.example/\u202Egnp.jpg' });
    expect(link.status).toBe(400);
    const message = 'no control or bidirectional characters';
    expect((await json(link)).issues).toEqual([
      { item: 0, field: 'url', message },
      { item: 0, field: 'image_url', message },
    ]);
    expect(await store.articles.get('cms-bad-link')).toBeNull();
  });
});
