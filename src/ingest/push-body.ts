import { TextDecoder } from 'node:util';

/**
 * The push API's body bytes → JSON text. A declared charset is decoded (WHATWG labels, as browsers read them:
 * iso-8859-1 is windows-1252); one we cannot decode is refused with 415; bytes that are not valid in it are refused
 * with 400, naming the fields that hold them. Nothing is ever stored as U+FFFD in place of what was sent.
 */
export class PushBodyError extends Error {
  constructor(
    readonly status: 400 | 415,
    message: string,
    /** Where the bad bytes are: the article (its index in an array) and the field. */
    readonly issues: Array<{ item?: number; field: string; message: string }> = [],
  ) {
    super(message);
  }
}

const REPLACEMENT = '\uFFFD';

export function decodePushBody(raw: Buffer, contentType: string | undefined): string {
  const charset = charsetOf(contentType);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new PushBodyError(415, `unsupported charset "${charset.slice(0, 40)}"; send UTF-8 (charset=utf-8)`);
  }
  try {
    return decoder.decode(raw);
  } catch {
    const isUtf8 = decoder.encoding === 'utf-8';
    const issues = isUtf8 ? fieldsWithInvalidUtf8(raw) : [];
    throw new PushBodyError(400, `the body is not valid ${isUtf8 ? 'UTF-8' : charset}`, issues);
  }
}

/** `application/json; charset="ISO-8859-1"` → `iso-8859-1`; none declared is UTF-8 (JSON's own encoding). */
function charsetOf(contentType: string | undefined): string {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  return (match?.[1] ?? match?.[2] ?? '').trim().toLowerCase() || 'utf-8';
}

/**
 * Lossy decoding marks each invalid sequence with U+FFFD; a U+FFFD the sender wrote as bytes is masked first, so
 * only the fields holding invalid bytes are named. A body that is no JSON even then names no field.
 */
function fieldsWithInvalidUtf8(raw: Buffer): PushBodyError['issues'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(maskReplacementChars(raw).toString('utf8'));
  } catch {
    return [];
  }
  const message = 'not valid UTF-8';
  if (Array.isArray(parsed)) {
    return parsed.flatMap((item, i) => pathsHolding(item).map((field) => ({ item: i, field, message }))).slice(0, 20);
  }
  return pathsHolding(parsed).map((field) => ({ item: 0, field, message })).slice(0, 20);
}

function maskReplacementChars(raw: Buffer): Buffer {
  const encoded = Buffer.from(REPLACEMENT, 'utf8');
  let at = raw.indexOf(encoded);
  if (at === -1) return raw;
  const copy = Buffer.from(raw);
  for (; at !== -1; at = copy.indexOf(encoded, at + encoded.length)) copy.fill('?', at, at + encoded.length);
  return copy;
}

/** Deeper than any field of an article (`related.0.title`): a hostile nesting is not walked. */
const MAX_DEPTH = 4;

/** Dotted paths (`related.0.title`) of the strings, and keys, holding U+FFFD. */
function pathsHolding(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') return value.includes(REPLACEMENT) ? [path.join('.') || 'body'] : [];
  if (value === null || typeof value !== 'object' || path.length >= MAX_DEPTH) return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key.includes(REPLACEMENT) ? [[...path, key].join('.')] : pathsHolding(v, [...path, key]),
  );
}
