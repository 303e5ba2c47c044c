import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import { referencedCharacter } from './html-text.js';
import { TextBuffer } from './text-buffer.js';
import type { TimeSlice } from './time-slice.js';

/**
 * Feed XML → the plain tree xml-node.ts reads: an element with neither attributes nor child elements is its
 * trimmed text; otherwise an object with `@_name` attributes, `#text` and its children by name (an array when
 * repeated). Namespace prefixes are dropped (content:encoded → encoded, dc:date → date) because feeds pick their
 * own; xmlns declarations are dropped. Atom's `content` and `summary` stay raw, so type="xhtml" keeps its markup.
 *
 * Built on htmlparser2's tokenizer in XML mode, fed in chunks through a TimeSlice: linear, and a 5 MB feed
 * gives the event loop a turn every few milliseconds. No DTD is read, so no entity is ever expanded beyond
 * XML's five and character references (no XXE, no entity bombs). Not a validator, but a close tag that does
 * not match, or an element left open, is refused as broken XML naming the line and column.
 */
export class XmlTreeError extends Error {}

type Element = Record<string, unknown>;

/** Elements kept raw when they have a parent (fast-xml-parser's `*.content`, `*.summary`). */
const RAW_ELEMENTS = new Set(['content', 'summary']);
/** Deeper than this is no feed; kept shallow so nothing downstream recurses without bound. */
const MAX_DEPTH = 64;
const CHUNK_CHARS = 16 * 1024;

interface Open {
  qname: string;
  name: string;
  node: Element;
  text: TextBuffer;
  hasChildren: boolean;
  hasAttributes: boolean;
}

class TreeBuilder implements TokenizerCallbacks {
  readonly tokenizer = new Tokenizer({ xmlMode: true, decodeEntities: true }, this);
  readonly root: Element = {};
  private readonly stack: Open[] = [];
  private pending: Open | null = null;
  private attrName = '';
  private attrValue = '';
  /** Inside a raw element: its name, how deep the same name nests, and where its content starts. */
  private raw: { qname: string; depth: number; start: number; open: Open; lastOpenSame: boolean } | null = null;
  error: XmlTreeError | null = null;

  constructor(private readonly xml: string) {}

  private fail(index: number, message: string): void {
    if (this.error) return;
    const before = this.xml.slice(0, index);
    const line = before.split('\n').length;
    const column = index - before.lastIndexOf('\n');
    this.error = new XmlTreeError(`broken XML at line ${line}, column ${column}: ${message}`);
    this.tokenizer.pause();
  }

  private top(): Open | undefined {
    return this.stack[this.stack.length - 1];
  }

  ontext(start: number, end: number): void {
    if (this.raw) return;
    const top = this.top();
    top?.text.add(this.xml.slice(start, end));
  }
  ontextentity(codepoint: number, endIndex: number): void {
    if (this.raw) return;
    const top = this.top();
    top?.text.add(referencedCharacter(this.xml, codepoint, endIndex));
  }
  oncdata(start: number, end: number, offset: number): void {
    if (this.raw) return;
    const top = this.top();
    top?.text.add(this.xml.slice(start, end - offset));
  }
  onopentagname(start: number, end: number): void {
    const qname = this.xml.slice(start, end);
    if (this.raw) {
      this.raw.lastOpenSame = qname === this.raw.qname;
      if (this.raw.lastOpenSame) this.raw.depth += 1;
      return;
    }
    const colon = qname.indexOf(':');
    this.pending = { qname, name: colon === -1 ? qname : qname.slice(colon + 1), node: {}, text: new TextBuffer(), hasChildren: false, hasAttributes: false };
  }
  onattribname(start: number, end: number): void {
    this.attrName = this.xml.slice(start, end);
    this.attrValue = '';
  }
  onattribdata(start: number, end: number): void {
    this.attrValue += this.xml.slice(start, end);
  }
  onattribentity(codepoint: number): void {
    this.attrValue += String.fromCodePoint(codepoint);
  }
  onattribend(): void {
    const el = this.pending;
    if (!el || this.raw) return;
    const name = this.attrName;
    if (name === 'xmlns' || name.startsWith('xmlns:')) return;
    const colon = name.indexOf(':');
    el.node[`@_${colon === -1 ? name : name.slice(colon + 1)}`] = this.attrValue;
    el.hasAttributes = true;
  }
  onopentagend(endIndex: number): void {
    if (this.raw || !this.pending) return;
    const el = this.pending;
    this.pending = null;
    if (this.stack.length >= MAX_DEPTH) {
      this.fail(endIndex, `elements nested more than ${MAX_DEPTH} deep`);
      return;
    }
    this.stack.push(el);
    if (this.stack.length > 1 && RAW_ELEMENTS.has(el.name)) {
      this.raw = { qname: el.qname, depth: 1, start: endIndex + 1, open: el, lastOpenSame: false };
    }
  }
  onselfclosingtag(endIndex: number): void {
    if (this.raw) {
      if (this.raw.lastOpenSame) this.raw.depth -= 1;
      this.raw.lastOpenSame = false;
      return;
    }
    const el = this.pending;
    if (!el) return;
    this.pending = null;
    if (this.stack.length >= MAX_DEPTH) {
      this.fail(endIndex, `elements nested more than ${MAX_DEPTH} deep`);
      return;
    }
    this.stack.push(el);
    this.close();
  }
  onclosetag(start: number, end: number): void {
    const qname = this.xml.slice(start, end);
    if (this.raw) {
      if (qname !== this.raw.qname) return;
      this.raw.depth -= 1;
      if (this.raw.depth > 0) return;
      // The content is everything between the open tag's '>' and this close tag's '</'.
      this.raw.open.text.add(this.xml.slice(this.raw.start, start - 2));
      this.raw = null;
      this.close();
      return;
    }
    const top = this.top();
    if (!top) {
      this.fail(start, `</${qname}> closes nothing`);
    } else if (top.qname !== qname) {
      this.fail(start, `expected </${top.qname}>, found </${qname}>`);
    } else {
      this.close();
    }
  }

  private close(): void {
    const el = this.stack.pop();
    if (!el) return;
    const text = el.text.toString().trim();
    let value: unknown;
    if (!el.hasChildren && !el.hasAttributes) value = text;
    else {
      if (text) el.node['#text'] = text;
      value = el.node;
    }
    const parent = this.top();
    const into = parent ? parent.node : this.root;
    if (parent) parent.hasChildren = true;
    const existing = into[el.name];
    if (existing === undefined) into[el.name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else into[el.name] = [existing, value];
  }

  finish(): void {
    if (this.error) return;
    this.tokenizer.end();
    const open = this.top();
    if (open && !this.error) this.fail(this.xml.length, `<${open.qname}> is never closed`);
  }

  oncomment(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}
  onend(): void {}
}

export async function parseXmlTree(xml: string, slice: TimeSlice): Promise<Element> {
  const builder = new TreeBuilder(xml);
  for (let at = 0; at < xml.length && !builder.error; at += CHUNK_CHARS) {
    builder.tokenizer.write(xml.slice(at, at + CHUNK_CHARS));
    await slice.checkpoint();
  }
  builder.finish();
  if (builder.error) throw builder.error;
  return builder.root;
}
