import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import { TextBuffer } from './text-buffer.js';
import type { TimeSlice } from './time-slice.js';

/**
 * Feed HTML → clean plain text: what a reader would see, paragraphs kept as blank-line breaks.
 * Feed HTML is untrusted and often broken (or hostile), so this runs htmlparser2's tokenizer, a linear state
 * machine, and keeps no element stack (its Parser's stack operations are quadratic on deep nesting): text,
 * tag names and entities are all it needs. Work and output are bounded: the input is fed in chunks, the
 * text stops at `maxChars`, and the sliced variant gives the event loop a turn between chunks.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', shy: '',
  ndash: '–', mdash: '—', hellip: '…', lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„',
  laquo: '«', raquo: '»', lsaquo: '‹', rsaquo: '›', bull: '•', middot: '·', prime: '′', Prime: '″',
  copy: '©', reg: '®', trade: '™', deg: '°', plusmn: '±', times: '×', divide: '÷', frac12: '½', frac14: '¼',
  frac34: '¾', sup2: '²', sup3: '³', micro: 'µ', para: '¶', sect: '§', dagger: '†', Dagger: '‡', permil: '‰',
  euro: '€', pound: '£', yen: '¥', cent: '¢', curren: '¤', iexcl: '¡', iquest: '¿', ordf: 'ª', ordm: 'º',
  thinsp: ' ', ensp: ' ', emsp: ' ', zwnj: '', zwj: '', lrm: '', rlm: '', minus: '−', larr: '←', rarr: '→',
  Agrave: 'À', Aacute: 'Á', Acirc: 'Â', Atilde: 'Ã', Auml: 'Ä', Aring: 'Å', AElig: 'Æ', Ccedil: 'Ç',
  Egrave: 'È', Eacute: 'É', Ecirc: 'Ê', Euml: 'Ë', Igrave: 'Ì', Iacute: 'Í', Icirc: 'Î', Iuml: 'Ï',
  Ntilde: 'Ñ', Ograve: 'Ò', Oacute: 'Ó', Ocirc: 'Ô', Otilde: 'Õ', Ouml: 'Ö', Oslash: 'Ø', Ugrave: 'Ù',
  Uacute: 'Ú', Ucirc: 'Û', Uuml: 'Ü', Yacute: 'Ý', szlig: 'ß', agrave: 'à', aacute: 'á', acirc: 'â',
  atilde: 'ã', auml: 'ä', aring: 'å', aelig: 'æ', ccedil: 'ç', egrave: 'è', eacute: 'é', ecirc: 'ê',
  euml: 'ë', igrave: 'ì', iacute: 'í', icirc: 'î', iuml: 'ï', ntilde: 'ñ', ograve: 'ò', oacute: 'ó',
  ocirc: 'ô', otilde: 'õ', ouml: 'ö', oslash: 'ø', ugrave: 'ù', uacute: 'ú', ucirc: 'û', uuml: 'ü',
  yacute: 'ý', yuml: 'ÿ', OElig: 'Œ', oelig: 'œ', Scaron: 'Š', scaron: 'š', Yuml: 'Ÿ', Zcaron: 'Ž', zcaron: 'ž',
};

/**
 * Decodes named, decimal and hex character references in XML text (feed titles already parsed as XML);
 * unknown or malformed ones are left as written.
 */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED_ENTITIES[ref] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    // Control characters, surrogates and out-of-range values would only corrupt the text.
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || (code < 32 && code !== 9 && code !== 10)) {
      return '';
    }
    return String.fromCodePoint(code);
  });
}

/**
 * The character a reference the tokenizer decoded stands for. The tokenizer (as HTML and XML require) gives U+FFFD
 * for a reference that names no character (`&#0;`, a surrogate, past U+10FFFF): that is dropped, as decodeEntities
 * does, so no headline shows a replacement character the feed never wrote. `&#xFFFD;` itself is kept.
 * `endIndex` is where the reference ends in `source`.
 */
export function referencedCharacter(source: string, codepoint: number, endIndex: number): string {
  if (codepoint !== 0xfffd) return String.fromCodePoint(codepoint);
  const reference = source.slice(source.lastIndexOf('&', endIndex - 1), endIndex);
  return /^&#(?:[xX]0*[fF]{3}[dD]|0*65533);?$/.test(reference) ? '\ufffd' : '';
}

/**
 * Markup a headline may carry (formatting, structure): removed. Any other tag in a headline is text the headline
 * is about ("Why <script> tags block rendering") and stays, contents included.
 */
const HEADLINE_MARKUP = new Set([
  'a', 'abbr', 'b', 'bdi', 'bdo', 'big', 'cite', 'code', 'data', 'del', 'dfn', 'em', 'font', 'i', 'img', 'ins', 'kbd',
  'mark', 'nobr', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'time', 'tt', 'u', 'var', 'wbr',
]);

/** Elements whose text the HTML tokenizer passes on without decoding entities (up to their closing tag). */
const RAW_TEXT_ELEMENTS = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes']);

/** Elements whose contents are never reader-visible text. */
const DROPPED_ELEMENTS = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'svg', 'math', 'head', 'title', 'textarea', 'xmp', 'noembed', 'noframes']);
/** Elements that start a new paragraph. */
const BLOCK_ELEMENTS = new Set([
  'p', 'div', 'section', 'article', 'header', 'footer', 'aside', 'main', 'nav', 'blockquote', 'pre', 'figure',
  'figcaption', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'dl', 'li', 'dt', 'dd', 'table', 'tr', 'hr',
  'address', 'details', 'summary', 'form', 'fieldset',
]);
/** Elements that break a line without starting a paragraph. */
const LINE_ELEMENTS = new Set(['br']);
const CELL_ELEMENTS = new Set(['td', 'th']);

/** An article body's limit (the article schema's): text beyond it is never read. */
export const MAX_TEXT_CHARS = 200_000;
/** Titles, authors and categories. */
export const MAX_LINE_CHARS = 2_000;
/** Input fed to the tokenizer at a time; the sliced variant may yield between two chunks. */
const CHUNK_CHARS = 16 * 1024;
/** A longer tag name is no element we know (`<script<script<script…` is one long name). */
const MAX_TAG_NAME = 40;

/** One conversion: the tokenizer's callbacks, building paragraphs of lines with whitespace normalised. */
class Extraction implements TokenizerCallbacks {
  private readonly tokenizer = new Tokenizer({ decodeEntities: true }, this);
  private readonly paragraphs: string[] = [];
  private lines: string[] = [];
  private line = new TextBuffer();
  private read = 0;
  private size = 0;
  private openTag = '';
  /** Where the open tag being read starts ('<'), until its '>' is read. */
  private openTagStart = -1;
  /** A headline's literal <script> (or another raw-text element): the tokenizer passes what follows undecoded. */
  private rawTextOpen = '';
  /** Open dropped elements; their text is skipped while any is open. */
  private dropped = new Map<string, number>();
  private droppedTotal = 0;

  constructor(
    private readonly html: string,
    private readonly maxChars: number,
    /** A headline: only HEADLINE_MARKUP and structure are markup; other tags are kept as written. */
    private readonly headline = false,
    /** Text after the markup: a headline's end past its last '>' ("c<d"), where no tag can close. */
    private readonly tail = '',
  ) {}

  /** True when everything is read or enough text was collected. */
  get done(): boolean {
    return this.read >= this.html.length || this.size >= this.maxChars;
  }

  step(): void {
    const end = Math.min(this.html.length, this.read + CHUNK_CHARS);
    this.tokenizer.write(this.html.slice(this.read, end));
    this.read = end;
  }

  finish(): string {
    if (this.size < this.maxChars) this.tokenizer.end();
    this.append(decodeEntities(this.tail.slice(0, this.maxChars)));
    this.breakParagraph();
    const text = this.paragraphs.join('\n\n');
    return text.length > this.maxChars ? text.slice(0, this.maxChars).trimEnd() : text;
  }

  private append(text: string): void {
    if (this.droppedTotal > 0 || this.size >= this.maxChars) return;
    this.line.add(text);
    this.size += text.length;
  }

  private breakLine(): void {
    if (this.line.length === 0) return;
    const line = this.line.toString().replace(/[\s\u00a0\u200b]+/g, ' ').trim();
    if (line) this.lines.push(line);
    this.line = new TextBuffer();
  }

  private breakParagraph(): void {
    this.breakLine();
    if (this.lines.length === 0) return;
    this.paragraphs.push(this.lines.join('\n'));
    this.lines = [];
  }

  /** The open tag as the source has it, '<' to '>' (only a headline keeps it). */
  private writtenTag(endIndex: number): string {
    const start = this.openTagStart;
    this.openTagStart = -1;
    return this.headline ? this.html.slice(start, endIndex + 1) : '';
  }

  private nameAt(start: number, end: number): string {
    if (end - start > MAX_TAG_NAME) return '';
    const name = this.html.slice(start, end).toLowerCase();
    const colon = name.lastIndexOf(':');
    return colon === -1 ? name : name.slice(colon + 1);
  }

  private element(name: string, opening: boolean, selfClosing: boolean, written: string): void {
    if (this.headline && !HEADLINE_MARKUP.has(name) && !BLOCK_ELEMENTS.has(name) && !LINE_ELEMENTS.has(name) && !CELL_ELEMENTS.has(name)) {
      this.append(written);
      if (RAW_TEXT_ELEMENTS.has(name)) this.rawTextOpen = opening && !selfClosing ? name : '';
      return;
    }
    if (DROPPED_ELEMENTS.has(name)) {
      if (selfClosing) return;
      const open = this.dropped.get(name) ?? 0;
      if (opening) {
        this.dropped.set(name, open + 1);
        this.droppedTotal += 1;
      } else if (open > 0) {
        this.dropped.set(name, open - 1);
        this.droppedTotal -= 1;
      }
      return;
    }
    if (this.droppedTotal > 0) return;
    if (BLOCK_ELEMENTS.has(name)) this.breakParagraph();
    else if (LINE_ELEMENTS.has(name)) this.breakLine();
    else if (CELL_ELEMENTS.has(name)) this.append(' ');
  }

  // Tokenizer callbacks: indices are into the whole input (the tokenizer counts across chunks).
  ontext(start: number, end: number): void {
    const text = this.html.slice(start, end);
    this.append(this.rawTextOpen ? decodeEntities(text) : text);
  }
  ontextentity(codepoint: number, endIndex: number): void {
    this.append(referencedCharacter(this.html, codepoint, endIndex));
  }
  oncdata(start: number, end: number, offset: number): void {
    this.append(this.html.slice(start, end - offset));
  }
  onopentagname(start: number, end: number): void {
    this.openTag = this.nameAt(start, end);
    this.openTagStart = start - 1;
  }
  onopentagend(endIndex: number): void {
    this.element(this.openTag, true, false, this.writtenTag(endIndex));
  }
  onselfclosingtag(endIndex: number): void {
    this.element(this.openTag, true, true, this.writtenTag(endIndex));
  }
  onclosetag(start: number, end: number): void {
    this.element(this.nameAt(start, end), false, false, `</${this.html.slice(start, end)}>`);
  }
  onattribdata(): void {}
  onattribentity(): void {}
  onattribend(): void {}
  onattribname(): void {}
  oncomment(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}
  onend(): void {}
}

/** HTML → text, synchronously: linear, for inputs already bounded in size. */
export function htmlToText(html: string, maxChars = MAX_TEXT_CHARS): string {
  if (!html) return '';
  const x = new Extraction(html, maxChars);
  while (!x.done) x.step();
  return x.finish();
}

/** HTML → text, giving the event loop a turn whenever the slice is used up. */
export async function htmlToTextSliced(html: string, slice: TimeSlice, maxChars = MAX_TEXT_CHARS): Promise<string> {
  if (!html) return '';
  const x = new Extraction(html, maxChars);
  while (!x.done) {
    x.step();
    await slice.checkpoint();
  }
  return x.finish();
}

/** One-line text for authors and categories. */
export function htmlToLine(html: string): string {
  return htmlToText(html, MAX_LINE_CHARS).replace(/\s+/g, ' ').trim();
}

export async function htmlToLineSliced(html: string, slice: TimeSlice): Promise<string> {
  return (await htmlToTextSliced(html, slice, MAX_LINE_CHARS)).replace(/\s+/g, ' ').trim();
}

/**
 * A headline that may hold HTML (RSS titles, Atom type="html"): formatting markup goes, entities are decoded, and
 * a tag the headline names as text ("Why <script> tags block rendering") stays with what follows it.
 */
export async function htmlToHeadlineSliced(html: string, slice: TimeSlice): Promise<string> {
  const x = headlineExtraction(html);
  while (!x.done) {
    x.step();
    await slice.checkpoint();
  }
  return x.finish().replace(/\s+/g, ' ').trim();
}

export function htmlToHeadline(html: string): string {
  const x = headlineExtraction(html);
  while (!x.done) x.step();
  return x.finish().replace(/\s+/g, ' ').trim();
}

/** The tokenizer would take an unclosed "<d" at the end for a tag and drop it: past the last '>', all is text. */
function headlineExtraction(html: string): Extraction {
  const tailAt = html.indexOf('<', html.lastIndexOf('>') + 1);
  return tailAt === -1 ? new Extraction(html, MAX_LINE_CHARS, true) : new Extraction(html.slice(0, tailAt), MAX_LINE_CHARS, true, html.slice(tailAt));
}
