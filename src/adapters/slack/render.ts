import type { Card, Reply, ReplyButton, ReplyItem } from '../../core/reply.js';
import type { Priority } from '../../domain/article.js';
import { cutEscaped, escapeMrkdwn, fitParagraphs, fitText, link, safeUrl, strike } from './mrkdwn.js';

/**
 * Reply → Block Kit. Every Slack limit is enforced here (cut at a word boundary with an ellipsis, or counted as
 * "…and N more"), every untrusted string is escaped, mrkdwn is `verbatim` so Slack adds no mentions or links of its
 * own, and the plain `text` fallback (notifications, screen readers) is always set.
 */
export const SLACK_LIMITS = {
  blocks: 50,
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 2000,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  altText: 2000,
  /** Our own cap for the fallback; Slack refuses `text` over 40,000 (msg_too_long). */
  fallbackText: 3000,
} as const;

/** The "Share in channel" button; its value carries what to re-run (see actions.ts). */
export const SHARE_ACTION_ID = 'newsdesk_share';

export interface PlainText { type: 'plain_text'; text: string; emoji?: boolean }
export interface MrkdwnText { type: 'mrkdwn'; text: string; verbatim: true }
export interface SlackButton {
  type: 'button';
  text: PlainText;
  action_id: string;
  value?: string;
  style?: 'primary' | 'danger';
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: MrkdwnText; fields?: MrkdwnText[] }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'image'; image_url: string; alt_text: string }
  | { type: 'actions'; elements: SlackButton[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface RenderOptions {
  /** Adds the "Share in channel" button with this value (at most 2000 characters, else no button). */
  share?: string;
}

const PRIORITY_MARK: Record<Priority, string> = { breaking: '🔴 ', urgent: '🟠 ', routine: '' };
const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text, verbatim: true });
const section = (text: string): SlackBlock => ({ type: 'section', text: mrkdwn(text) });

/** A block, and whether it is one list item (so dropped items can be counted). */
interface Part { block: SlackBlock; item?: boolean }

export function renderReply(reply: Reply, opts: RenderOptions = {}): SlackMessage {
  // @here and user groups from an admin's settings only (ids checked: never text), at most 3.
  const here = [reply.mention?.slackHere ? '<!here>' : '', ...(reply.mention?.slackSubteamIds ?? []).filter((id) => /^S[A-Z0-9]{2,20}$/.test(id)).map((id) => `<!subteam^${id}>`)]
    .filter(Boolean).slice(0, 3).map((m) => `${m} `).join('');
  const parts: Part[] = [];
  if (reply.text?.trim() || here) {
    parts.push({ block: section(here + fitParagraphs(reply.text ?? '', SLACK_LIMITS.sectionText - here.length)) });
  }
  reply.cards.forEach((card, i) => {
    if (i > 0 || parts.length > 0) parts.push({ block: { type: 'divider' } });
    parts.push(...renderCard(card));
  });
  const actions = renderActions(reply.buttons ?? [], opts.share);
  const blocks = fitBlocks(parts, actions ? 1 : 0);
  if (actions) blocks.push(actions);
  const text = here + fallbackText(reply);
  if (blocks.length === 0) blocks.push(section(text));
  return { text, blocks };
}

export function renderCard(card: Card): Part[] {
  const parts: Part[] = [];
  const badge = card.badge ? cutEscaped(escapeMrkdwn(card.badge.toUpperCase()), 40) : '';
  if (card.title?.trim() && card.struck) {
    // header blocks are plain text and cannot strike through, so a retracted title is a mrkdwn section.
    const title = strike(fitText(card.title, SLACK_LIMITS.sectionText - badge.length - 10));
    parts.push({ block: section(badge ? `*${badge}* · ${title}` : title) });
  } else if (card.title?.trim()) {
    const prefix = badge ? `${badge} · ` : '';
    parts.push({ block: { type: 'header', text: { type: 'plain_text', text: prefix + fitText(card.title, SLACK_LIMITS.header - prefix.length), emoji: true } } });
  } else if (badge) {
    parts.push({ block: { type: 'header', text: { type: 'plain_text', text: badge, emoji: true } } });
  }
  const mark = card.priority ? PRIORITY_MARK[card.priority] : '';
  if (card.text?.trim()) parts.push({ block: section(mark + fitParagraphs(card.text, SLACK_LIMITS.sectionText - mark.length)) });
  for (const item of card.items ?? []) parts.push({ block: section(renderItem(item)), item: true });
  const fields = (card.fields ?? []).filter((f) => f.name.trim() || f.value.trim());
  for (let i = 0; i < fields.length; i += SLACK_LIMITS.fields) {
    parts.push({
      block: {
        type: 'section',
        fields: fields.slice(i, i + SLACK_LIMITS.fields).map((f) => {
          const name = fitText(f.name, 200);
          const head = name ? `*${name}*\n` : '';
          return mrkdwn(head + (fitParagraphs(f.value, SLACK_LIMITS.fieldText - head.length) || '—'));
        }),
      },
    });
  }
  const image = safeUrl(card.imageUrl);
  if (image) {
    parts.push({ block: { type: 'image', image_url: image, alt_text: fitText(card.title ?? 'Story image', SLACK_LIMITS.altText) || 'Story image' } });
  }
  const context = cardContext(card);
  if (context.length) parts.push({ block: { type: 'context', elements: context } });
  return parts;
}

export function renderItem(item: ReplyItem): string {
  const mark = item.priority ? PRIORITY_MARK[item.priority] : '';
  const url = safeUrl(item.url);
  const title = url ? link(url, item.title) : fitText(item.title, 300);
  const lines = [`${mark}*${title}*`];
  if (item.text?.trim()) lines.push(fitText(item.text, 400));
  const id = item.id ? `id \`${escapeMrkdwn(item.id.replace(/`/g, "'")).slice(0, 120)}\`` : '';
  const meta = [item.meta ? fitText(item.meta, 300) : '', id].filter(Boolean).join(' · ');
  if (meta) lines.push(`_${meta}_`);
  return cutEscaped(lines.join('\n'), SLACK_LIMITS.sectionText);
}

function cardContext(card: Card): MrkdwnText[] {
  const elements: MrkdwnText[] = [];
  const url = safeUrl(card.url);
  if (url && card.title) elements.push(mrkdwn(link(url, 'Open the story')));
  if (card.footer?.trim()) elements.push(mrkdwn(fitText(card.footer, SLACK_LIMITS.contextText)));
  if (card.timestamp && !Number.isNaN(Date.parse(card.timestamp))) {
    elements.push(mrkdwn(new Date(card.timestamp).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'));
  }
  return elements.slice(0, SLACK_LIMITS.contextElements);
}

function renderActions(buttons: ReplyButton[], share?: string): SlackBlock | null {
  const seen = new Set<string>();
  const elements: SlackButton[] = [];
  for (const b of buttons) {
    if (!b.action || b.action.length > SLACK_LIMITS.actionId || b.action.length > SLACK_LIMITS.buttonValue || seen.has(b.action)) continue;
    seen.add(b.action);
    elements.push({
      type: 'button',
      text: { type: 'plain_text', text: fitText(b.label, SLACK_LIMITS.buttonText) || 'Open', emoji: true },
      action_id: b.action,
      value: b.action,
      ...(b.style === 'primary' || b.style === 'danger' ? { style: b.style } : {}),
    });
  }
  const room = SLACK_LIMITS.actionsElements - (share ? 1 : 0);
  const kept = elements.slice(0, room);
  if (share && share.length <= SLACK_LIMITS.buttonValue) {
    kept.push({ type: 'button', text: { type: 'plain_text', text: 'Share in channel' }, action_id: SHARE_ACTION_ID, value: share });
  }
  return kept.length ? { type: 'actions', elements: kept } : null;
}

/** At most 50 blocks in all: list items that do not fit are counted in a closing note, never cut mid-story. */
function fitBlocks(parts: Part[], reserved: number): SlackBlock[] {
  const room = SLACK_LIMITS.blocks - reserved;
  if (parts.length <= room) return parts.map((p) => p.block);
  const kept = parts.slice(0, room - 1);
  while (kept.length && kept[kept.length - 1].block.type === 'divider') kept.pop();
  const dropped = parts.slice(kept.length);
  const items = dropped.filter((p) => p.item).length;
  const note = items ? `…and ${items} more not shown here.` : '…more not shown here (Slack shows at most 50 blocks).';
  return [...kept.map((p) => p.block), { type: 'context', elements: [mrkdwn(note)] }];
}

/** The plain fallback: the line above the cards, then titles and headlines, escaped like everything else. */
export function fallbackText(reply: Reply): string {
  const lines: string[] = [];
  if (reply.text?.trim()) lines.push(reply.text);
  for (const card of reply.cards) {
    const title = [card.badge?.toUpperCase(), card.title].filter(Boolean).join(' · ');
    if (title) lines.push(title);
    else if (card.text) lines.push(card.text);
    for (const item of card.items ?? []) lines.push(`• ${item.title}`);
  }
  return fitParagraphs(lines.join('\n'), SLACK_LIMITS.fallbackText) || 'Newsdesk';
}
