import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { BodyTooLarge, readBody, sendJson, type HttpServer } from '../server/http.js';
import type { ArticleInput } from '../domain/article.js';
import type { ArticleStore, UpsertResult } from '../store/types.js';
import { articleJsonSchema, articleJsonToInput } from './article-schema.js';
import { decodePushBody, PushBodyError } from './push-body.js';
import { ArticleKilled, describeOrigin, EmbargoRefused } from '../domain/article.js';
import { OriginConflict } from '../store/types.js';
import { STORE_RETRY_AFTER_S, storeUnavailableReason } from '../store/unavailable.js';

/**
 * `POST /v1/articles`: newsroom systems (the CMS, a wire bridge) push one article or an array.
 * Same JSON schema as data/*.json. Identical content is acknowledged without a new version.
 */
export const MAX_PUSH_BYTES = 1024 * 1024;
const MAX_ITEMS = 1000;
const MAX_ISSUES = 20;

const arrayPayload = z.array(articleJsonSchema).min(1, 'an empty array').max(MAX_ITEMS, `at most ${MAX_ITEMS} articles per request`);

export interface IngestApiOptions {
  /** INGEST_TOKEN; when absent the endpoint is not mounted at all (404). */
  token: string | undefined;
  store: ArticleStore;
  logger: Logger;
}

/** Returns whether the endpoint was mounted. */
export function mountIngestApi(http: HttpServer, opts: IngestApiOptions): boolean {
  if (!opts.token) return false;
  const expected = digest(opts.token);
  const log = opts.logger.child({ module: 'ingest-api' });
  http.mount('POST', '/v1/articles', async (req, res) => {
    try {
      await handlePush(req, res, expected, opts.store, log);
    } catch (err) {
      const away = storeUnavailableReason(err);
      if (away === null || res.headersSent) throw err;
      // Nothing was acknowledged: the pusher sends it again (identical content is acknowledged without a new version).
      log.warn({ reason: away }, 'push refused with 503: the store is unavailable');
      res.setHeader('retry-after', String(STORE_RETRY_AFTER_S));
      sendJson(res, 503, { error: `the article store is unavailable right now; nothing was stored. Retry in ${STORE_RETRY_AFTER_S} s` });
    }
  });
  return true;
}

/** Hashing both sides first makes the comparison constant-time and length-blind. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function authorised(req: IncomingMessage, expected: Buffer): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return timingSafeEqual(digest(match?.[1] ?? ''), expected) && Boolean(match);
}

async function handlePush(req: IncomingMessage, res: ServerResponse, expected: Buffer, store: ArticleStore, log: Logger) {
  if (!authorised(req, expected)) {
    req.resume();
    res.setHeader('www-authenticate', 'Bearer realm="newsdesk"');
    sendJson(res, 401, { error: 'missing or wrong bearer token (Authorization: Bearer <INGEST_TOKEN>)' });
    return;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    req.resume();
    sendJson(res, 415, { error: 'send JSON with Content-Type: application/json' });
    return;
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_PUSH_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      sendJson(res, 413, { error: `body larger than ${MAX_PUSH_BYTES} bytes; send fewer articles per request` });
      return;
    }
    throw err;
  }
  let text: string;
  try {
    text = decodePushBody(raw, req.headers['content-type']);
  } catch (err) {
    if (!(err instanceof PushBodyError)) throw err;
    sendJson(res, err.status, { error: err.message, ...(err.issues.length ? { issues: err.issues } : {}) });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    sendJson(res, 400, { error: `invalid JSON: ${(err as Error).message}` });
    return;
  }
  const isArray = Array.isArray(body);
  const parsed = isArray ? arrayPayload.safeParse(body) : articleJsonSchema.safeParse(body);
  if (!parsed.success) {
    sendJson(res, 400, { error: 'validation failed', issues: describePushIssues(parsed.error, isArray) });
    return;
  }
  const articles = isArray ? (parsed.data as z.infer<typeof arrayPayload>) : [parsed.data as z.infer<typeof articleJsonSchema>];
  const inputs: ArticleInput[] = articles.map((a) => ({ ...articleJsonToInput(a), origin: 'push' as const }));
  // An id another origin owns (a feed's item, a data/ file) is refused before anything is written.
  const taken: Array<{ id: string; owner: string }> = [];
  const killed: string[] = [];
  for (const input of inputs) {
    if (!input.id) continue;
    const existing = await store.get(input.id.trim(), { includeHidden: true });
    if (existing && existing.origin !== null && existing.origin !== 'push') taken.push({ id: existing.id, owner: describeOrigin(existing.origin) });
    else if (existing?.status === 'killed') killed.push(existing.id);
  }
  // A killed story stays killed: its id takes no new version (nothing is written).
  if (killed.length) {
    sendJson(res, 409, { error: `killed by the newsroom: ${killed.slice(0, 5).join(', ')}; a killed story cannot be changed or republished under its id`, killed: killed.slice(0, MAX_ISSUES) });
    return;
  }
  if (taken.length) {
    sendJson(res, 409, { error: `article id already used by another source: ${taken.slice(0, 5).map((t) => `${t.id} (${t.owner})`).join(', ')}; choose another id`, conflicts: taken.slice(0, MAX_ISSUES) });
    return;
  }
  // upsertMany commits in chunks that yield to the event loop, so one large push never stalls other requests.
  let results: UpsertResult[];
  try {
    results = inputs.length === 1 ? [await store.upsert(inputs[0])] : await store.upsertMany(inputs);
  } catch (err) {
    if (err instanceof EmbargoRefused) {
      const item = inputs.findIndex((i) => i.id?.trim() === err.id);
      sendJson(res, 400, { error: 'validation failed', issues: [{ ...(item >= 0 ? { item } : {}), field: err.field, message: err.message }] });
      return;
    }
    if (err instanceof ArticleKilled) {
      sendJson(res, 409, { error: `killed by the newsroom: ${err.id}; a killed story cannot be changed or republished under its id`, killed: [err.id] });
      return;
    }
    if (!(err instanceof OriginConflict)) throw err;
    sendJson(res, 409, { error: `article id already used by another source: ${err.id} (${describeOrigin(err.owner)}); choose another id` });
    return;
  }
  const changed = results.filter((r) => r.outcome !== 'unchanged').length;
  log.info({ articles: results.length, changed }, 'articles pushed');
  sendJson(res, changed > 0 ? 201 : 200, {
    results: results.map((r) => ({ id: r.article.id, version: r.article.version, outcome: r.outcome })),
  });
}

/** Each problem names the article (its index in an array) and the field, as the pusher wrote them. */
function describePushIssues(error: z.ZodError, isArray: boolean) {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = [...issue.path];
    const item = isArray && typeof path[0] === 'number' ? (path.shift() as number) : isArray ? null : 0;
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : null;
    return {
      ...(item === null ? {} : { item }),
      field: unknownKeys ?? (path.map(String).join('.') || 'body'),
      message: unknownKeys ? 'unknown field' : issue.message,
    };
  });
}
