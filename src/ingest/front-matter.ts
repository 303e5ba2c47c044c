/**
 * A small, strict front-matter reader for `.md` (and optionally `.txt`) articles: a block between two `---`
 * lines at the very top, one `key: value` per line. Values are strings, quoted strings, or `[a, b, "c, d"]`
 * lists. Anything else (nesting, multi-line values, a repeated key) is an error naming the line, because a
 * silently misread date or priority is worse than a warning.
 */
export type FrontMatterValue = string | string[];

export class FrontMatterError extends Error {}

export interface SplitFrontMatter {
  data: Record<string, FrontMatterValue>;
  content: string;
  /** False when the text has no front matter block at all. */
  present: boolean;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function splitFrontMatter(text: string): SplitFrontMatter {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== '---') return { data: {}, content: text, present: false };
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end === -1) throw new FrontMatterError('front matter opened with --- on line 1 is never closed');
  const data: Record<string, FrontMatterValue> = {};
  for (let i = 1; i < end; i++) {
    const line = lines[i];
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon === -1) throw new FrontMatterError(`line ${i + 1}: expected "key: value", got "${clip(line)}"`);
    const key = line.slice(0, colon).trim();
    if (!KEY.test(key)) throw new FrontMatterError(`line ${i + 1}: "${clip(key)}" is not a valid key`);
    if (key in data) throw new FrontMatterError(`line ${i + 1}: "${key}" is given twice`);
    data[key] = parseValue(line.slice(colon + 1).trim(), i + 1);
  }
  return { data, content: lines.slice(end + 1).join('\n'), present: true };
}

function parseValue(raw: string, lineNo: number): FrontMatterValue {
  if (raw.startsWith('[')) {
    if (!raw.endsWith(']')) throw new FrontMatterError(`line ${lineNo}: a list must end with ] on the same line`);
    return splitList(raw.slice(1, -1), lineNo);
  }
  if (raw.startsWith('"') || raw.startsWith("'")) return unquote(raw, lineNo);
  if (raw.startsWith('{') || raw === '|' || raw === '>') {
    throw new FrontMatterError(`line ${lineNo}: nested or multi-line values are not supported`);
  }
  return raw;
}

function unquote(raw: string, lineNo: number): string {
  const q = raw[0];
  if (raw.length < 2 || !raw.endsWith(q)) throw new FrontMatterError(`line ${lineNo}: unbalanced ${q} quote`);
  const inner = raw.slice(1, -1);
  // Inside double quotes \" and \\ escape; inside single quotes '' is a quote (as in YAML).
  return q === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner.replace(/''/g, "'");
}

function splitList(inner: string, lineNo: number): string[] {
  const items: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === '\\' && quote === '"' && i + 1 < inner.length) current += inner[++i];
      else if (c === quote) quote = null;
      else current += c;
    } else if (c === '"' || c === "'") {
      if (current.trim()) throw new FrontMatterError(`line ${lineNo}: a quote inside a list item`);
      current = '';
      quote = c;
    } else if (c === ',') {
      items.push(current.trim());
      current = '';
    } else if (c === '[' || c === ']') {
      throw new FrontMatterError(`line ${lineNo}: nested lists are not supported`);
    } else current += c;
  }
  if (quote) throw new FrontMatterError(`line ${lineNo}: unbalanced ${quote} quote in a list`);
  if (current.trim() || items.length) items.push(current.trim());
  if (items.some((s) => s === '')) throw new FrontMatterError(`line ${lineNo}: an empty item in a list`);
  return items;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
