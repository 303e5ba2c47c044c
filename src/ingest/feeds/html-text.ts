/**
 * Feed HTML → clean plain text: what a reader would see, paragraphs kept as blank-line breaks.
 * Feed HTML is untrusted and often broken, so this is a tolerant scanner, not a DOM: it never throws.
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

/** Decodes named, decimal and hex character references; unknown or malformed ones are left as written. */
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

/** Elements whose contents are never reader-visible text. */
const DROPPED_ELEMENTS = ['script', 'style', 'noscript', 'template', 'iframe', 'object', 'svg', 'math', 'head', 'title'];
/** Elements that start a new paragraph. */
const BLOCK_ELEMENTS = new Set([
  'p', 'div', 'section', 'article', 'header', 'footer', 'aside', 'main', 'nav', 'blockquote', 'pre', 'figure',
  'figcaption', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'dl', 'li', 'dt', 'dd', 'table', 'tr', 'hr',
  'address', 'details', 'summary', 'form', 'fieldset',
]);
/** Elements that break a line without starting a paragraph. */
const LINE_ELEMENTS = new Set(['br']);
const CELL_ELEMENTS = new Set(['td', 'th']);

const PARAGRAPH = '\u0000P\u0000';
const LINE = '\u0000L\u0000';

export function htmlToText(html: string): string {
  if (!html) return '';
  let s = html;
  s = s.replace(/<!--[\s\S]*?(-->|$)/g, ' ');
  s = s.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  for (const tag of DROPPED_ELEMENTS) {
    s = s.replace(new RegExp(`<${tag}\\b[^>]*>[\\s\\S]*?(<\\/${tag}\\s*>|$)`, 'gi'), ' ');
    s = s.replace(new RegExp(`<${tag}\\b[^>]*\\/>`, 'gi'), ' ');
  }
  s = s.replace(/<!(?:doctype|DOCTYPE)[^>]*>|<\?[\s\S]*?\?>/g, ' ');
  // Every remaining tag becomes a paragraph break, a line break, a space or nothing.
  s = s.replace(/<\/?([A-Za-z][A-Za-z0-9:-]*)\b(?:[^>"']|"[^"]*"|'[^']*')*>/g, (_tag, rawName: string) => {
    const name = rawName.toLowerCase().replace(/^.*:/, '');
    if (BLOCK_ELEMENTS.has(name)) return PARAGRAPH;
    if (LINE_ELEMENTS.has(name)) return LINE;
    if (CELL_ELEMENTS.has(name)) return ' ';
    return '';
  });
  // A stray '<' that opened no tag stays as text; decoding comes last so '&lt;b&gt;' reads as '<b>', not a tag.
  s = decodeEntities(s);
  return normaliseWhitespace(s);
}

function normaliseWhitespace(s: string): string {
  const paragraphs = s
    .split(PARAGRAPH)
    .map((p) =>
      p
        .split(LINE)
        .map((line) => line.replace(/[\s\u00a0\u200b]+/g, ' ').trim())
        .filter(Boolean)
        .join('\n'),
    )
    .filter(Boolean);
  return paragraphs.join('\n\n');
}

/** One-line text for titles, authors and categories. */
export function htmlToLine(html: string): string {
  return htmlToText(html).replace(/\s+/g, ' ').trim();
}
