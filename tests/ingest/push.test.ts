import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountIngestApi } from '../../src/ingest/push.js';
import { logger } from '../../src/log.js';
import { HttpServer } from '../../src/server/http.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { TEST_CLOCK } from '../helpers/clock.js';

const TOKEN = 'test-ingest-token-0123456789';
const quiet = logger.child({}, { level: 'silent' });

let http: HttpServer;
let base: string;
const sqlite = openSqliteStore(':memory:', { now: TEST_CLOCK });
const store = sqlite.articles;
/** Answers are checked field by field. */
const json = (res: Response): Promise<any> => res.json();

beforeAll(async () => {
  http = new HttpServer();
  expect(mountIngestApi(http, { token: TOKEN, store, logger: quiet })).toBe(true);
  const address = await http.start(0, '127.0.0.1');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await http.stop();
  await sqlite.close();
});

function push(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}/v1/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const article = { id: 'cms-1001', title: 'BREAKING: Dam breach upstream', body: 'Residents are told to move to higher ground.', priority: 'breaking', section: 'local' };

describe('POST /v1/articles: authentication', () => {
  it.each([
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token-at-all' }],
    ['a token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the wrong scheme', { authorization: `Basic ${TOKEN}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('refuses %s with 401 and stores nothing', async (_name, headers) => {
    const before = await store.count();
    const res = await fetch(`${base}/v1/articles`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(article) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await json(res)).error).toMatch(/bearer token/);
    expect(await store.count()).toBe(before);
  });

  it('is not mounted at all without a token', async () => {
    const other = new HttpServer();
    expect(mountIngestApi(other, { token: undefined, store, logger: quiet })).toBe(false);
    const { port } = await other.start(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/articles`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
    } finally {
      await other.stop();
    }
  });
});

describe('POST /v1/articles: validation', () => {
  it('415 for a body that is not declared JSON', async () => {
    const res = await push(JSON.stringify(article), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('400 for malformed JSON', async () => {
    const res = await push('{"title": ');
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatch(/^invalid JSON/);
  });

  it('400 naming the field for a single article, and the index and field inside an array', async () => {
    const single = await push({ ...article, title: '' });
    expect(single.status).toBe(400);
    expect(await json(single)).toEqual({ error: 'validation failed', issues: [{ item: 0, field: 'title', message: 'a headline is required' }] });

    const many = await push([article, { title: 'ok', priority: 'huge' }, { title: 'x', colour: 'red' }]);
    expect(many.status).toBe(400);
    const { issues } = await json(many);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ item: 1, field: 'priority' }),
        { item: 2, field: 'colour', message: 'unknown field' },
      ]),
    );
    expect(await store.get('cms-1001')).toBeNull();
  });

  it('400 for an empty array', async () => {
    const res = await push([]);
    expect(res.status).toBe(400);
    expect((await json(res)).issues[0]).toMatchObject({ field: 'body', message: expect.stringMatching(/empty/) });
  });

  it('413 past 1 MB, before anything is parsed', async () => {
    const res = await push({ ...article, body: 'x'.repeat(1024 * 1024) });
    expect(res.status).toBe(413);
  });
});

describe('POST /v1/articles: storing', () => {
  it('201 with id, version and outcome; an identical re-post is 200 unchanged', async () => {
    const created = await push(article);
    expect(created.status).toBe(201);
    expect(await json(created)).toEqual({ results: [{ id: 'cms-1001', version: 1, outcome: 'created' }] });

    const again = await push(article);
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual({ results: [{ id: 'cms-1001', version: 1, outcome: 'unchanged' }] });
  });

  it('a changed article becomes a new version; corrected and retracted statuses are stored', async () => {
    const corrected = await push({ ...article, body: 'Residents upstream are told to move to higher ground.', status: 'corrected' });
    expect(corrected.status).toBe(201);
    expect((await json(corrected)).results[0]).toEqual({ id: 'cms-1001', version: 2, outcome: 'updated' });
    expect((await store.get('cms-1001'))?.status).toBe('corrected');

    const retracted = await push({ ...article, body: 'Residents upstream are told to move to higher ground.', status: 'retracted' });
    expect((await json(retracted)).results[0]).toMatchObject({ version: 3, outcome: 'updated' });
    expect((await store.get('cms-1001'))?.status).toBe('retracted');
  });

  it('an array is stored in one request: 201 when anything changed, results in order', async () => {
    const batch = Array.from({ length: 300 }, (_, i) => ({ id: `batch-${i}`, title: `Story ${i}`, published_at: '2026-11-25T09:30:00Z' }));
    const res = await push(batch);
    expect(res.status).toBe(201);
    const { results } = await json(res);
    expect(results).toHaveLength(300);
    expect(results[299]).toEqual({ id: 'batch-299', version: 1, outcome: 'created' });
    expect((await store.get('batch-7'))?.publishedAt).toBe('2026-11-25T09:30:00.000Z');

    const again = await push(batch);
    expect(again.status).toBe(200);
  });
});

describe('POST /v1/articles: origins', () => {
  it('a feed storing the link first does not capture the push: the CMS id is created; a feed\'s id is refused with 400, a file\'s with 409', async () => {
    await store.upsert({ id: 'wire:5', origin: 'feed:wire', url: 'https://news.example/fire', title: 'Fire at the docks (wire)' });
    const res = await push({ id: 'cms-fire', url: 'https://news.example/fire?utm_source=cms', title: 'Fire at the docks', priority: 'breaking' });
    expect(res.status).toBe(201);
    expect((await json(res)).results).toEqual([{ id: 'cms-fire', version: 1, outcome: 'created' }]);
    expect((await store.get('wire:5'))?.title).toBe('Fire at the docks (wire)');

    const taken = await push({ id: 'wire:5', title: 'Overwrite the wire item' });
    expect(taken.status).toBe(400);
    expect((await json(taken)).issues).toEqual([{ item: 0, field: 'id', message: expect.stringMatching(/feed item's id/) }]);
    expect((await store.get('wire:5'))?.title).toBe('Fire at the docks (wire)');

    await store.upsert({ id: 'desk-5', origin: 'files', title: 'Fire at the docks (desk file)' });
    const filed = await push({ id: 'desk-5', title: 'Overwrite the desk file' });
    expect(filed.status).toBe(409);
    expect((await json(filed)).error).toMatch(/desk-5 \(data\/ files\)/);
    expect((await store.get('desk-5'))?.title).toBe('Fire at the docks (desk file)');
  });
});

describe('POST /v1/articles: text cleaning', () => {
  it('strips NUL, other controls and bidirectional overrides from title, dek and body; a title of only those is refused', async () => {
    const res = await push({ id: 'cms-clean', title: 'Dam\u0000 breach \u202Eexe.gnp', dek: 'Up\u2067stream', body: 'Move\u0008 to high ground.\u202C' });
    expect(res.status).toBe(201);
    const stored = await store.get('cms-clean');
    expect(stored).toMatchObject({ title: 'Dam breach exe.gnp', dek: 'Upstream', body: 'Move to high ground.' });
    expect((await push({ id: 'cms-empty', title: '\u0000\u202E' })).status).toBe(400);
  });
});

describe('POST /v1/articles: embargo_until', () => {
  it('stores an embargo (hidden until then) and refuses bad ones with 400 naming the item and the field, writing nothing', async () => {
    const held = { id: 'cms-emb-1', title: 'Report on the spillway due at nine', priority: 'breaking', embargo_until: '2026-11-25T14:00:00+01:00' };
    const ok = await push(held);
    expect(ok.status).toBe(201);
    expect(await store.get('cms-emb-1')).toBeNull();
    expect(await store.get('cms-emb-1', { includeHidden: true })).toMatchObject({ embargoUntil: '2026-11-25T13:00:00.000Z' });
  });

  it.each([
    ['no zone', '2026-11-25T13:00:00', /Z or an offset/],
    ['not a date', 'tomorrow at nine', /Z or an offset/],
    ['more than 365 days ahead', '2027-11-26T12:00:00Z', /more than 365 days ahead/],
  ])('400 for %s', async (_name, value, message) => {
    const before = await store.count();
    const res = await push([{ id: 'cms-emb-ok', title: 'A fine story' }, { id: 'cms-emb-bad', title: 'Held story', embargo_until: value }]);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.issues[0]).toMatchObject({ item: 1, field: 'embargo_until', message: expect.stringMatching(message) });
    expect(await store.count()).toBe(before);
  });

  it('400 "already published; recall it instead" for an embargo on a story readers can already see', async () => {
    expect((await push({ id: 'cms-emb-live', title: 'Already out' })).status).toBe(201);
    const res = await push({ id: 'cms-emb-live', title: 'Already out', embargo_until: '2026-11-25T18:00:00Z' });
    expect(res.status).toBe(400);
    expect((await json(res)).issues).toEqual([{ item: 0, field: 'embargo_until', message: 'already published; recall it instead' }]);
    expect((await store.get('cms-emb-live'))?.embargoUntil).toBeNull();
  });
});
