/**
 * One polite conditional GET: validators from the last answer, gzip, a timeout and a size cap counted on
 * the decompressed bytes (so a small gzip bomb cannot fill memory).
 */
export interface FetchFeedRequest {
  url: string;
  etag: string | null;
  lastModified: string | null;
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
  /** Aborted when the poller stops. */
  signal: AbortSignal;
  fetch: typeof fetch;
}

interface Validators {
  etag: string | null;
  lastModified: string | null;
  /** Cache-Control max-age, a floor on the poll interval. */
  maxAgeSeconds: number | null;
}

export type FetchFeedResult = ({ status: 'not-modified' } | { status: 'ok'; body: string }) & Validators;

export class FeedFetchError extends Error {
  constructor(
    message: string,
    /** Retry-After on 429/503, honoured as a floor on the backoff. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

export async function fetchFeed(req: FetchFeedRequest): Promise<FetchFeedResult> {
  const controller = new AbortController();
  let reason: string | null = null;
  const abort = (why: string) => {
    reason ??= why;
    controller.abort();
  };
  const after = req.timeoutMs >= 1000 ? `${Math.round(req.timeoutMs / 1000)} s` : `${req.timeoutMs} ms`;
  const timer = setTimeout(() => abort(`timed out after ${after}`), req.timeoutMs);
  // Tied to the poller's stop signal without a listener on it: every feed in flight adding one would pass Node's
  // limit of 10 and print a MaxListenersExceededWarning outside the log.
  const signal = AbortSignal.any([controller.signal, req.signal]);
  try {
    const headers: Record<string, string> = {
      'user-agent': req.userAgent,
      accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5',
      'accept-encoding': 'gzip, deflate',
    };
    if (req.etag) headers['if-none-match'] = req.etag;
    if (req.lastModified) headers['if-modified-since'] = req.lastModified;
    const res = await req.fetch(req.url, { headers, signal, redirect: 'follow' });
    const validators: Validators = {
      etag: res.headers.get('etag') ?? req.etag,
      lastModified: res.headers.get('last-modified') ?? req.lastModified,
      maxAgeSeconds: maxAge(res.headers.get('cache-control')),
    };
    if (res.status === 304) {
      await res.body?.cancel();
      return { status: 'not-modified', ...validators };
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new FeedFetchError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, retryAfter(res.headers.get('retry-after'), res.headers.get('date')));
    }
    const bytes = await readCapped(res, req.maxBytes, () => abort(`response larger than ${formatBytes(req.maxBytes)}`));
    return { status: 'ok', body: decodeFeedBytes(bytes, res.headers.get('content-type')), ...validators };
  } catch (err) {
    if (err instanceof FeedFetchError) throw err;
    if (reason) throw new FeedFetchError(reason);
    if (req.signal.aborted) throw new FeedFetchError('poller stopped');
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new FeedFetchError(cause?.code ?? cause?.message ?? (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

async function readCapped(res: Response, maxBytes: number, onTooLarge: () => void): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  // Content-Length counts compressed bytes; it can only prove a response too large when not compressed.
  if (!res.headers.get('content-encoding') && declared > maxBytes) {
    onTooLarge();
    throw new FeedFetchError(`response larger than ${formatBytes(maxBytes)}`);
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      onTooLarge();
      await reader.cancel().catch(() => undefined);
      throw new FeedFetchError(`response larger than ${formatBytes(maxBytes)}`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Charset from the Content-Type, else from the XML declaration; with neither, strict UTF-8 if the bytes are
 * valid UTF-8, else windows-1252 (what servers that name no charset almost always send, and what browsers assume).
 */
export function decodeFeedBytes(bytes: Uint8Array, contentType: string | null): string {
  const fromHeader = /charset="?([\w-]+)"?/i.exec(contentType ?? '')?.[1];
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const fromDeclaration = /^\s*<\?xml[^>]*encoding=["']([\w-]+)["']/i.exec(head)?.[1];
  const named = fromHeader ?? fromDeclaration;
  if (named) {
    // WHATWG reads latin1 / iso-8859-1 / us-ascii labels as windows-1252 too.
    if (/^(windows-1252|cp1252|x-cp1252|latin1|iso-8859-1|iso8859-1|l1|us-ascii|ascii)$/i.test(named)) return windows1252(bytes);
    try {
      return new TextDecoder(named).decode(bytes);
    } catch {
      // An unknown label: fall through to the guess.
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return windows1252(bytes);
  }
}

/** windows-1252's 0x80–0x9F (Node 20's TextDecoder reads them as C1 controls, like ISO-8859-1). */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function windows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1').replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

function maxAge(cacheControl: string | null): number | null {
  const m = /(?:^|,)\s*(?:s-)?max-age=(\d+)/i.exec(cacheControl ?? '');
  return m ? Number(m[1]) : null;
}

/**
 * Retry-After in seconds, or as an HTTP date measured against the response's own Date header: the server's clock
 * against itself, so neither our clock nor the skew between the two matters. A date without a Date header to
 * measure it by is left to the poller's backoff.
 */
function retryAfter(value: string | null, serverDate: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  const sent = serverDate ? Date.parse(serverDate) : Number.NaN;
  return Number.isNaN(at) || Number.isNaN(sent) ? null : Math.max(0, at - sent);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`;
}
