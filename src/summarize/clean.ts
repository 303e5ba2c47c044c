/**
 * Clean-up before sentence selection: what a reader skips on a news page (kickers, bylines, datelines,
 * related links, photo credits, newsletter and ad prompts, a repeated headline) must never be picked as a
 * "key sentence". Rules are written for the shapes these lines take across publishers (wire services,
 * broadcasters, papers), not for one site, and each removes a whole line or a clearly delimited prefix so a
 * real sentence is never cut in half.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', eacute: 'é', egrave: 'è',
  aacute: 'á', oacute: 'ó', iacute: 'í', uacute: 'ú', ntilde: 'ñ', ccedil: 'ç', uuml: 'ü', ouml: 'ö', auml: 'ä',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Lines that are page furniture whatever follows them. */
const FURNITURE_LINE: RegExp[] = [
  // Related links: "Read more: …", "RELATED: …", "See also …", "More on this story".
  /^(?:read more|read also|also read|related(?: (?:stories|articles|coverage|content|reading))?|see also|more on this(?: story)?|more from [\w ]{1,30}|recommended(?: reading)?|watch(?: now| video)?|listen|click here|scroll down(?: for (?:video|more))?)\b\s*[:：|»>\-–—]/i,
  /^(?:READ MORE|RELATED|SEE ALSO|MORE|WATCH|LISTEN|VIDEO|PHOTOS|LIVE UPDATES)\b/,
  // Photo credits and captions.
  /^(?:photo|photograph|picture|image|graphic|video|illustration)s?(?: credit| caption| copyright)?\s*[:：]/i,
  /^(?:image|media) (?:caption|copyright|source)\b/i,
  /^\(?(?:getty images|ap photo|afp(?: via getty images)?|reuters|shutterstock|epa(?:-efe)?|pa(?: media| wire)?)\)?\.?$/i,
  // Newsletter, subscription and ad prompts.
  /^(?:advertisement|sponsored(?: content)?|skip advertisement|story continues below(?: advertisement)?|ad feedback)\.?$/i,
  /^(?:sign up|subscribe|get our|join our|follow us|share this|like us on|download our|support our journalism)\b/i,
  // Page metadata: "PUBLISHED: 12:00 EST, 1 March 2013 | UPDATED: …", "Last updated 5 Jan".
  /^(?:published|updated|last updated|posted)\s*[:：]?\s*\.?\s*\d/i,
  /^(?:published|updated)\s*[:：]/i,
];

/** "By Jane Doe", "By JANE DOE, Reuters", "By Jane Doe and John Roe, CNN": short, name-shaped. */
const BYLINE = /^(?:By|BY)\s+(?:[A-Z][\w'’.-]*\s*){1,4}(?:(?:,|and|&)\s*(?:[A-Z][\w'’.-]*\s*){1,4})*\.?$/;

const CAP_WORD = "[A-Z][A-Za-z'’.\\-]*";
const CAPS_WORD = "[A-Z][A-Z'’.\\-]{1,}";
/** Agencies that open a dateline without a dash ("London (CNN)The …"). */
const KNOWN_AGENCY =
  '\\((?:CNN|AP|AFP|UPI|EFE|DPA|ANSA|PA|BBC|PTI|IANS|ANI|TASS|RIA|CNS|RNS|CBC|NPR|AAP|KCNA|Reuters|Bloomberg|Xinhua|Kyodo|Yonhap|Interfax|The Associated Press|[A-Z][a-z]+ (?:News|Press|Wire))\\)';
/**
 * Any other bracketed acronym is an agency only with a dash after it or glued to the first word ("(WIRED)Screens"):
 * in "The Karachi Stock Exchange (KSE) has recorded…" it names the subject.
 */
const OTHER_AGENCY = '\\([A-Z]{2,}[A-Za-z.]*\\)';
const DASH = '\\s*(?:--|[—–-])\\s*';
/** What follows a dateline opens a sentence: never a lowercase word. */
const SENTENCE_FOLLOWS = '(?![\\s]*\\p{Ll})';
/**
 * Datelines open a story: "LONDON (Reuters) -", "WASHINGTON —", "PARIS, France (CNN) --", "(CNN)", "(AP) —".
 * Before a dash the place must be in capitals, so "Obama - the man" is never taken for one; before an agency
 * in brackets ("London (CNN)", "Kuala Lumpur, Malaysia (CNN)") the agency is evidence enough.
 */
const PLACE = `(?:${CAP_WORD}(?:\\s+${CAP_WORD}){0,3}(?:,\\s*${CAP_WORD}(?:\\s+${CAP_WORD}){0,2})?\\s*)?`;
const DATELINE = new RegExp(
  `^(?:` +
    `${PLACE}${KNOWN_AGENCY}(?:${DASH})?${SENTENCE_FOLLOWS}` +
    `|${PLACE}${OTHER_AGENCY}(?:${DASH}|(?=["“]?\\p{Lu}))${SENTENCE_FOLLOWS}` +
    `|${CAPS_WORD}(?:\\s+${CAPS_WORD})*(?:,\\s*${CAP_WORD}(?:\\s+${CAP_WORD}){0,2})?${DASH}` +
  `)\\s*`,
  'u',
);

/** An inline byline before a dateline: "By JANE DOE, Reuters LONDON (Reuters) - …". */
const BYLINE_PREFIX = /^(?:By|BY)\s+(?:[A-Z][\w'’.-]*,?\s+){1,5}?(?=[A-Z]{2,}[\s,(]|\()/;

/** Photo credits inside a paragraph: "(Getty Images)", "(AP Photo/Jane Doe)", "(Photo: Reuters)". */
const INLINE_CREDIT = /\s*\((?:[^()]{0,40}getty images|ap photo[^()]{0,40}|photo(?:graph)?(?: by|:)[^()]{0,40}|image(?: by|:)[^()]{0,40}|file photo)\)/gi;

/**
 * A photo caption set as a line of its own in tabloid copy: a short label, a colon, then a description with no
 * full stop ("Pictured: the harbour at dawn", "Back in court: Jane Doe leaves on Monday").
 */
const CAPTION_LINE = /^(?:[A-Z][\w'’-]*)(?: [\w'’-]+){0,3}:\s+[^.!?]*$/;

/**
 * Page copy flattened to one line marks its lost line breaks with a full stop after a space ("… on Sunday .
 * Police said …"): prose never puts a space before its full stop, so it is a line break.
 */
const FLATTENED_BREAK = /\s+\.(?=\s|$)/g;

/** Kickers publishers put above a headline. */
const KICKER = /^(?:breaking(?: news)?|exclusive|live|developing|update[d]?|just in|analysis|opinion|watch|video|news)[:!]?$/i;

export function normalizeForCompare(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** A share widget flattened into the text: "Share this withEmailFacebookMessenger…Copy this link". */
const SHARE_WIDGET =
  /^(?:share (?:this|on)(?: with)?\s*)(?:(?:email|facebook|messenger|twitter|x|pinterest|whatsapp|linkedin|reddit|copy (?:this )?link|print)\s*)+/i;

/** Longer than this, a line that opens like a prompt is prose run into it (scraped copy), not a prompt. */
const FURNITURE_MAX_CHARS = 300;

export function isFurnitureLine(line: string): boolean {
  const t = line.trim();
  if (!t) return true;
  if (t.length <= FURNITURE_MAX_CHARS && FURNITURE_LINE.some((re) => re.test(t))) return true;
  return t.length <= 80 && BYLINE.test(t);
}

/** Strip a dateline and any byline prefix at the start of a paragraph. */
export function stripLeadIn(paragraph: string): string {
  let p = paragraph;
  const byline = BYLINE_PREFIX.exec(p);
  // A byline run into the text is only recognisable by the dateline that follows it.
  if (byline && DATELINE.test(p.slice(byline[0].length))) p = p.slice(byline[0].length);
  const m = DATELINE.exec(p);
  // Only strip if a sentence follows: "WASHINGTON — " alone on a line is furniture, handled by the caller.
  if (m && m[0].length < p.length) p = p.slice(m[0].length);
  return p;
}

export interface CleanOptions {
  title?: string;
  dek?: string;
}

/**
 * The body as paragraphs of clean prose. Paragraph breaks are kept because the summarizer uses them
 * (paragraph openers matter), and sentences never run across them.
 */
export function cleanParagraphs(body: string, opts: CleanOptions = {}): string[] {
  const title = normalizeForCompare(opts.title ?? '');
  const lines = decodeEntities(body)
    .replace(/<[^>]{1,200}>/g, ' ')
    .replace(/\r\n?/g, '\n')
    .replace(/(^|\n)\s*(By|BY) \.\s+/g, '$1$2 ') // "By . Jane Doe ." is a flattened byline
    .replace(FLATTENED_BREAK, '\n')
    .split(/\n/)
    .map((l) => l.replace(/[\s\u00a0\u200b]+/g, ' ').trim());

  const out: string[] = [];
  const headings = new Set<string>(title ? [title] : []);
  let seenProse = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(SHARE_WIDGET, '');
    if (!line || isFurnitureLine(line) || CAPTION_LINE.test(line)) continue;
    const norm = normalizeForCompare(line);
    if (headings.has(norm)) continue;
    if (!seenProse) {
      if (KICKER.test(line)) continue;
      // A headline repeated by the page, with no title given to compare with: two equal heading lines.
      const next = lines.slice(i + 1).find((l) => l);
      if (next && normalizeForCompare(next) === norm && !/[.!?]["”’]?$/.test(line)) {
        headings.add(norm);
        continue;
      }
    }
    if (out.length && normalizeForCompare(out[out.length - 1]) === norm) continue;
    line = stripLeadIn(line).replace(INLINE_CREDIT, '').trim();
    if (!line) continue;
    seenProse = true;
    out.push(line);
  }
  return out;
}

export function cleanText(body: string, opts: CleanOptions = {}): string {
  return cleanParagraphs(body, opts).join('\n\n');
}
