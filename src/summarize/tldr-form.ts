/**
 * The form every TL;DR must have, wherever it is shown (alerts, briefings, `/summary length:short`): one whole
 * sentence that stands alone. The summarizer picks only candidates that pass, the eval counts what fails, and
 * a CI test checks it on texts written for the project.
 */

export const TLDR_MAX_WORDS = 30;

export type TldrFault =
  | 'empty'
  | 'no-capital'
  | 'no-terminator'
  | 'leading-conjunction'
  | 'unbalanced-quotes'
  | 'unbalanced-brackets'
  | 'too-long';

/** Words as a reader counts them on screen (a dash between spaces counts too, to stay on the safe side). */
export const spacedWords = (text: string): number => text.split(/\s+/).filter(Boolean).length;

const OPENING_QUOTE = /^["“‘']/;
const LEADING_CONJUNCTION = /^["“‘']?(?:and|but|or|so)\b/i;
/** Ends in . ! ? (optionally inside closing quotes or a bracket), or in a closing quote after a full sentence. */
const TERMINATED = /(?:[.!?]["”’')\]]*|["”])$/;

function quotesBalanced(text: string): boolean {
  const straight = (text.match(/"/g) ?? []).length;
  if (straight % 2) return false;
  let depth = 0;
  for (const ch of text) {
    if (ch === '“') depth++;
    else if (ch === '”') {
      if (--depth < 0) return false;
    }
  }
  return depth === 0;
}

function bracketsBalanced(text: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const ch of text) {
    if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
    else if (ch in pairs) {
      if (stack.pop() !== pairs[ch]) return false;
    }
  }
  return stack.length === 0;
}

/** What is wrong with a one-line summary; empty when it is a whole sentence that stands alone. */
export function tldrFaults(text: string): TldrFault[] {
  const t = text.trim();
  if (!t) return ['empty'];
  const faults: TldrFault[] = [];
  const first = t.replace(OPENING_QUOTE, '')[0] ?? '';
  if (!/\p{Lu}|\p{N}/u.test(first)) faults.push('no-capital');
  if (!TERMINATED.test(t) || t.endsWith('…') || /\.\.\.["”’]?$/.test(t)) faults.push('no-terminator');
  if (LEADING_CONJUNCTION.test(t)) faults.push('leading-conjunction');
  if (!quotesBalanced(t)) faults.push('unbalanced-quotes');
  if (!bracketsBalanced(t)) faults.push('unbalanced-brackets');
  if (spacedWords(t) > TLDR_MAX_WORDS) faults.push('too-long');
  return faults;
}

export const isWholeSentence = (text: string): boolean => tldrFaults(text).length === 0;
