/**
 * Characters that never belong in a headline or a story, removed at ingest from every source (files, push, feeds):
 * control characters (NUL and the rest of C0 but tab and newline, DEL, C1) and the bidirectional embeddings,
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069) that can make text read differently from what it says
 * ("‮gnp.exe") in a chat client.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function stripUnsafeText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(UNSAFE, '');
}

/** For zod: strings are cleaned before they are checked; anything else passes through to fail the check. */
export function cleanedString(value: unknown): unknown {
  return typeof value === 'string' ? stripUnsafeText(value) : value;
}

/** True when the text holds a character stripUnsafeText removes (for fields that are refused, not cleaned: URLs). */
export function hasUnsafeText(text: string): boolean {
  return text.search(UNSAFE) !== -1;
}

/**
 * An unpaired UTF-16 surrogate (half of an emoji, cut): JSON can carry one as `\ud83d`, but it is no character,
 * and it would be stored as U+FFFD or not at all depending on the driver. Refused wherever text comes in.
 */
export function hasLoneSurrogate(text: string): boolean {
  return /\p{Cs}/u.test(text);
}
