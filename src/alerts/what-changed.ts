import type { ArticleStatus, Priority } from '../domain/article.js';
import { splitSentences } from '../summarize/sentences.js';

/**
 * What changed between two stored versions of a story, said the way an editor would: the status first, then the
 * headline before → after, the numbers that moved ("12 → 15 people"), and at most three sentences that are new.
 * Computed from the two texts alone (no model), so the same two versions always read the same.
 */

/** The parts of a version that make a new version (src/domain/article.ts). */
export interface VersionText {
  title: string;
  dek: string;
  body: string;
  priority: Priority;
  status: ArticleStatus;
}

export interface NumberChange {
  before: string;
  after: string;
  /** The word both numbers are followed by ("people"): what pairs them. */
  word: string;
}

export interface WhatChanged {
  status: { before: ArticleStatus; after: ArticleStatus } | null;
  headline: { before: string; after: string } | null;
  priority: { before: Priority; after: Priority } | null;
  numbers: NumberChange[];
  /** New sentences of the dek and body, shortest first, at most ADDED_SHOWN. */
  added: string[];
}

export const ADDED_SHOWN = 3;

/**
 * A number and the word after it. The number is whole (not the tail of "07:30", "3.5" or "v2"), with thousands
 * separators and decimals; the word is letters only (any script).
 */
const NUMBER_WORD = /(?<![\p{L}\p{N}.,:/])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(%?)\s+(\p{L}[\p{L}'’-]*)/gu;

const normalizeSpace = (s: string): string => s.replace(/\s+/g, ' ').trim();
const numericValue = (n: string): string => n.replace(/,/g, '').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

/** Each following word (lower-cased) with the distinct numbers before it, in the order they appear. */
function numbersByWord(text: string): Map<string, Array<{ shown: string; value: string }>> {
  const byWord = new Map<string, Array<{ shown: string; value: string }>>();
  for (const m of text.matchAll(NUMBER_WORD)) {
    const shown = m[1] + m[2];
    const value = numericValue(m[1]) + m[2];
    const word = m[3].toLowerCase();
    const list = byWord.get(word) ?? [];
    if (!list.some((n) => n.value === value)) list.push({ shown, value });
    byWord.set(word, list);
  }
  return byWord;
}

/**
 * Numbers paired by the word after them. A word is paired only when each version has exactly one number before it
 * and they differ: "12 people" → "15 people". Numbers followed by different words ("12 people" → "15 homes") are
 * never paired, and neither is a word with several numbers on either side (which one became which is a guess).
 */
export function changedNumbers(before: string, after: string): NumberChange[] {
  const was = numbersByWord(before);
  const changes: NumberChange[] = [];
  for (const [word, now] of numbersByWord(after)) {
    const then = was.get(word);
    if (!then || then.length !== 1 || now.length !== 1) continue;
    if (then[0].value === now[0].value) continue;
    changes.push({ before: then[0].shown, after: now[0].shown, word: displayWord(after, word) });
  }
  return changes;
}

/** The word as the newer text writes it (the map keys are lower-cased). */
function displayWord(text: string, lower: string): string {
  for (const m of text.matchAll(NUMBER_WORD)) if (m[3].toLowerCase() === lower) return m[3];
  return lower;
}

/** A sentence with its numbers masked: a sentence whose only change is a number is no new sentence. */
const sentenceShape = (s: string): string => normalizeSpace(s).toLowerCase().replace(/\d[\d,.]*/g, '#');

function sentencesOf(v: VersionText): string[] {
  return [v.dek, v.body].flatMap((part) => splitSentences(part)).map(normalizeSpace).filter(Boolean);
}

/** Sentences of `after` that `before` has not got (numbers aside), shortest first, then in text order. */
export function addedSentences(before: VersionText, after: VersionText, limit = ADDED_SHOWN): string[] {
  const known = new Set(sentencesOf(before).map(sentenceShape));
  known.add(sentenceShape(before.title));
  known.add(sentenceShape(after.title));
  const seen = new Set<string>();
  const added: string[] = [];
  for (const s of sentencesOf(after)) {
    const shape = sentenceShape(s);
    if (known.has(shape) || seen.has(shape)) continue;
    seen.add(shape);
    added.push(s);
  }
  return added
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.length - b.s.length || a.i - b.i)
    .slice(0, limit)
    .map(({ s }) => s);
}

export function whatChanged(before: VersionText, after: VersionText): WhatChanged {
  const title = { before: normalizeSpace(before.title), after: normalizeSpace(after.title) };
  const text = (v: VersionText) => [v.title, v.dek, v.body].join('\n');
  return {
    status: before.status !== after.status ? { before: before.status, after: after.status } : null,
    headline: title.before !== title.after ? title : null,
    priority: before.priority !== after.priority ? { before: before.priority, after: after.priority } : null,
    numbers: changedNumbers(text(before), text(after)),
    added: after.status === 'retracted' ? [] : addedSentences(before, after),
  };
}

const STATUS_LINE: Partial<Record<ArticleStatus, string>> = {
  corrected: 'Corrected by its publisher.',
  retracted: 'Retracted by its publisher.',
};

/** The changes as lines of plain text, status first; an empty list when nothing a reader sees changed. */
export function describeChanges(c: WhatChanged): string[] {
  const lines: string[] = [];
  if (c.status) lines.push(STATUS_LINE[c.status.after] ?? `Status: ${c.status.before} → ${c.status.after}.`);
  if (c.headline) lines.push(`Headline: “${c.headline.before}” → “${c.headline.after}”`);
  if (c.numbers.length) lines.push(`Numbers: ${c.numbers.map((n) => `${n.before} → ${n.after} ${n.word}`).join('; ')}`);
  if (c.priority) lines.push(`Now ${c.priority.after} (was ${c.priority.before}).`);
  for (const s of c.added) lines.push(`Added: ${s}`);
  return lines;
}
