import type { Card, Reply } from '../../core/reply.js';
import type { Priority } from '../../domain/article.js';

/**
 * Reply → terminal text. Colour only when writing to a TTY; plain text when piped, so scripts and tests
 * read stable output. Button N is shown as `[N] label` and clicked with `:click N`.
 */
export interface TerminalStyle {
  color: boolean;
  width: number;
}

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', strike: '\x1b[9m', reset: '\x1b[0m' };
const PRIORITY_COLOR: Record<Priority, string> = { breaking: ANSI.red, urgent: ANSI.yellow, routine: ANSI.cyan };

/** Control characters from article text must not drive the user's terminal. */
export function sanitize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

export function wrap(text: string, width: number, indent = ''): string {
  const out: string[] = [];
  for (const paragraph of sanitize(text).split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && (indent + line + ' ' + word).length > width) {
        out.push(indent + line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(indent + line);
  }
  return out.join('\n');
}

export function renderReply(reply: Reply, style: TerminalStyle): string {
  const paint = (code: string, s: string) => (style.color ? `${code}${s}${ANSI.reset}` : s);
  const lines: string[] = [];
  if (reply.text) lines.push(reply.kind === 'error' ? paint(ANSI.red, `✖ ${sanitize(reply.text)}`) : wrap(reply.text, style.width));
  for (const card of reply.cards) lines.push(renderCard(card, style, paint));
  if (reply.buttons?.length) {
    lines.push(reply.buttons.map((b, i) => paint(ANSI.dim, `[${i + 1}] ${sanitize(b.label)}`)).join('  ') +
      paint(ANSI.dim, '   (:click N)'));
  }
  return lines.join('\n\n');
}

function renderCard(card: Card, style: TerminalStyle, paint: (code: string, s: string) => string): string {
  const lines: string[] = [];
  if (card.title || card.badge) {
    const badge = card.badge ? `[${card.badge}] ` : '';
    const title = sanitize(card.title ?? '');
    const color = card.priority ? PRIORITY_COLOR[card.priority] : '';
    const titleText = card.struck && style.color ? `${ANSI.strike}${title}${ANSI.reset}` : card.struck ? `~~${title}~~` : title;
    lines.push(paint(ANSI.bold + color, badge) + paint(ANSI.bold, titleText));
  }
  if (card.url) lines.push(paint(ANSI.dim, sanitize(card.url)));
  if (card.text) lines.push(wrap(card.text, style.width));
  card.items?.forEach((item, i) => {
    const mark = item.priority === 'breaking' ? paint(ANSI.red, ' [BREAKING]') : item.priority === 'urgent' ? paint(ANSI.yellow, ' [URGENT]') : '';
    lines.push(`${i + 1}. ${paint(ANSI.bold, sanitize(item.title))}${mark}`);
    const meta = [item.meta, item.id ? `id ${item.id}` : ''].filter(Boolean).map((s) => sanitize(s!)).join(' · ');
    if (meta) lines.push(paint(ANSI.dim, `   ${meta}`));
    if (item.text) lines.push(wrap(item.text, style.width, '   '));
    if (item.url) lines.push(paint(ANSI.dim, `   ${sanitize(item.url)}`));
  });
  for (const field of card.fields ?? []) {
    lines.push(paint(ANSI.bold, sanitize(field.name)));
    lines.push(wrap(field.value, style.width, '  '));
  }
  const footer = [card.footer, card.timestamp ? new Date(card.timestamp).toUTCString() : ''].filter(Boolean).join(' · ');
  if (footer) lines.push(paint(ANSI.dim, sanitize(footer)));
  return lines.join('\n');
}
