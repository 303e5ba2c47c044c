import type { OptionMap } from './command.js';
import { closest } from './closest.js';

/**
 * One text-argument parser for Slack and the terminal:
 * `modi since:24h section:world key:"two words"` → { query: 'modi', since: '24h', section: 'world', key: 'two words' }.
 * Only known option names are read as `key:value`; anything else is text for the `rest` option, so URLs
 * and `22:00` survive. Curly quotes count as quotes; an unbalanced quote runs to the end of the line.
 */
const OPEN_TO_CLOSE: Record<string, string> = { '"': '"', "'": "'", '“': '”', '”': '”', '‘': '’', '„': '“', '«': '»' };

interface Token {
  text: string;
  /** True when any part of the token was quoted: never read as key:value then, unless the key was bare. */
  quotedKey: boolean;
}

export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let current = '';
  let inToken = false;
  let quotedKey = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (/\s/.test(ch)) {
      if (inToken) tokens.push({ text: current, quotedKey });
      current = '';
      inToken = false;
      quotedKey = false;
      i++;
      continue;
    }
    const close = OPEN_TO_CLOSE[ch];
    // A quote opens a quoted run at a token start or right after `key:`.
    if (close && (!inToken || current.endsWith(':'))) {
      if (!inToken) quotedKey = true;
      const end = line.indexOf(close, i + 1);
      const stop = end === -1 ? line.length : end;
      current += line.slice(i + 1, stop);
      inToken = true;
      i = stop + 1;
      continue;
    }
    current += ch;
    inToken = true;
    i++;
  }
  if (inToken) tokens.push({ text: current, quotedKey });
  return tokens;
}

export interface ParsedText {
  values: Record<string, string>;
  /** The words that were not `key:value`, joined by single spaces. */
  rest: string;
  /** `secton:world`: a word shaped like an option, one or two letters off a known one (the first such word). */
  nearMiss?: { word: string; option: string };
}

/** A word that looks like an option name: letters and _ only, so `https://…`, `22:00` and `re:` stay text. */
const OPTION_SHAPED = /^([a-z][a-z_]{2,30}):(?!\/\/)(.+)$/i;

export function parseTextArgs(line: string, options: OptionMap): ParsedText {
  const known = new Map(Object.keys(options).map((name) => [name.toLowerCase(), name]));
  const values: Record<string, string> = {};
  const rest: string[] = [];
  let nearMiss: ParsedText['nearMiss'];
  for (const token of tokenize(line)) {
    const colon = token.text.indexOf(':');
    const key = colon > 0 && !token.quotedKey ? known.get(token.text.slice(0, colon).toLowerCase()) : undefined;
    if (key && !(key in values)) {
      values[key] = token.text.slice(colon + 1);
    } else {
      rest.push(token.text);
      const shaped = !key && !token.quotedKey ? OPTION_SHAPED.exec(token.text) : null;
      const option = shaped ? closest(shaped[1], [...known.values()], 2) : undefined;
      if (option && !nearMiss) nearMiss = { word: shaped![1], option };
    }
  }
  return { values, rest: rest.join(' ').trim(), ...(nearMiss ? { nearMiss } : {}) };
}

/** Splits a leading subcommand word off a line: `subscribe #breaking` → ['subscribe', '#breaking']. */
export function splitSubcommand(line: string): [string, string] {
  const trimmed = line.trim();
  const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  return m ? [m[1].toLowerCase(), m[2]] : ['', ''];
}
