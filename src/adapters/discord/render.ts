import type { Card, Reply, ReplyButton, ReplyItem } from '../../core/reply.js';
import type { Priority } from '../../domain/article.js';
import { cut, escapeMarkdown, safeUrl, strike } from './markdown.js';

/**
 * Reply → Discord message: embeds, buttons, content. Every Discord limit is enforced here by cutting at a word
 * boundary with an ellipsis, and every message carries `allowed_mentions` so article text never pings anyone.
 */
export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedTotal: 6000,
  embeds: 10,
  content: 2000,
  buttonsPerRow: 5,
  rows: 5,
  buttonLabel: 80,
  customId: 100,
} as const;

export const PRIORITY_COLOURS: Record<Priority | 'none', number> = {
  breaking: 0xd92d20,
  urgent: 0xf79009,
  routine: 0x2e90fa,
  none: 0x667085,
};
const PRIORITY_MARK: Record<Priority, string> = { breaking: '🔴 ', urgent: '🟠 ', routine: '' };

export interface DiscordEmbed {
  title?: string;
  url?: string;
  description?: string;
  color: number;
  fields?: Array<{ name: string; value: string; inline?: boolean }>;
  footer?: { text: string };
  timestamp?: string;
  image?: { url: string };
}

export interface DiscordButton {
  type: 2;
  style: 1 | 2 | 4;
  label: string;
  custom_id: string;
}

export interface DiscordMessage {
  content?: string;
  embeds: DiscordEmbed[];
  components: Array<{ type: 1; components: DiscordButton[] }>;
  allowed_mentions: { parse: []; roles?: string[] };
}

/** Pings on one alert, whatever the rules say. */
const MAX_MENTIONS = 3;

export function renderReply(reply: Reply): DiscordMessage {
  // At most 3 roles, each a role id (never text): allowed_mentions lists exactly these, so nothing else pings.
  const roles = [...new Set([reply.mention?.discordRoleId, ...(reply.mention?.discordRoleIds ?? [])])]
    .filter((id): id is string => typeof id === 'string' && /^\d{5,25}$/.test(id)).slice(0, MAX_MENTIONS);
  const text = reply.text ? escapeMarkdown(reply.text) : '';
  const prefix = roles.map((id) => `<@&${id}> `).join('');
  const embeds = fitTotal(reply.cards.slice(0, DISCORD_LIMITS.embeds).map(renderCard));
  const components = renderButtons(reply.buttons ?? []);
  let content = prefix + cut(text, DISCORD_LIMITS.content - prefix.length);
  // Discord refuses an empty message; a Reply with nothing in it still says something.
  if (!content.trim() && embeds.length === 0 && components.length === 0) content = 'Done.';
  return {
    ...(content ? { content } : {}),
    embeds,
    components,
    allowed_mentions: roles.length ? { parse: [], roles } : { parse: [] },
  };
}

export function renderCard(card: Card): DiscordEmbed {
  const embed: DiscordEmbed = { color: PRIORITY_COLOURS[card.priority ?? 'none'] };
  if (card.title) {
    const badge = card.badge ? `${cut(card.badge.toUpperCase(), 40)} · ` : '';
    // Embed titles do not render markdown except strikethrough, so they are not escaped.
    const room = DISCORD_LIMITS.title - badge.length;
    embed.title = badge + (card.struck ? strike(card.title, room) : cut(card.title, room));
  } else if (card.badge) {
    embed.title = cut(card.badge.toUpperCase(), DISCORD_LIMITS.title);
  }
  const url = safeUrl(card.url);
  if (url && embed.title) embed.url = url;
  const description = describe(card);
  if (description) embed.description = description;
  const fields = (card.fields ?? []).slice(0, DISCORD_LIMITS.fields).map((f) => ({
    name: cut(f.name.trim() || '\u200b', DISCORD_LIMITS.fieldName),
    value: cut(escapeMarkdown(f.value.trim()) || '—', DISCORD_LIMITS.fieldValue),
    ...(f.inline ? { inline: true } : {}),
  }));
  if (fields.length) embed.fields = fields;
  if (card.footer) embed.footer = { text: cut(card.footer, DISCORD_LIMITS.footer) };
  if (card.timestamp && !Number.isNaN(Date.parse(card.timestamp))) embed.timestamp = new Date(card.timestamp).toISOString();
  const image = safeUrl(card.imageUrl);
  if (image) embed.image = { url: image };
  return embed;
}

/** Card text, then one block per item; items that do not fit are counted rather than cut mid-story. */
function describe(card: Card): string {
  const max = DISCORD_LIMITS.description;
  const intro = card.text ? escapeMarkdown(card.text.trim()) : '';
  const items = card.items ?? [];
  if (items.length === 0) return cut(intro, max);
  const blocks: string[] = intro ? [cut(intro, Math.floor(max / 2))] : [];
  let used = blocks.join('').length;
  for (let i = 0; i < items.length; i++) {
    const block = renderItem(items[i]);
    const moreNote = `\n\n…and ${items.length - i} more`;
    const needed = block.length + 2;
    const isLast = i === items.length - 1;
    if (used + needed + (isLast ? 0 : moreNote.length) <= max) {
      blocks.push(block);
      used += needed;
      continue;
    }
    if (blocks.length === 0) return cut(block, max);
    return `${blocks.join('\n\n')}${moreNote}`;
  }
  return blocks.join('\n\n');
}

export function renderItem(item: ReplyItem): string {
  const mark = item.priority ? PRIORITY_MARK[item.priority] : '';
  const title = cut(escapeMarkdown(item.title.replace(/\s+/g, ' ').trim()), 300);
  const url = safeUrl(item.url);
  const head = `${mark}**${url ? `[${title}](${url})` : title}**`;
  const lines = [head];
  if (item.text) lines.push(cut(escapeMarkdown(item.text.replace(/\s+/g, ' ').trim()), 400));
  const meta = [item.meta ? escapeMarkdown(item.meta) : '', item.id ? `id \`${item.id.replace(/`/g, "'")}\`` : '']
    .filter(Boolean)
    .join(' · ');
  if (meta) lines.push(`-# ${cut(meta, 300)}`);
  return lines.join('\n');
}

export function renderButtons(buttons: ReplyButton[]): DiscordMessage['components'] {
  const valid = buttons
    .filter((b) => b.action.length > 0 && b.action.length <= DISCORD_LIMITS.customId)
    .slice(0, DISCORD_LIMITS.buttonsPerRow * DISCORD_LIMITS.rows)
    .map<DiscordButton>((b) => ({
      type: 2,
      style: b.style === 'primary' ? 1 : b.style === 'danger' ? 4 : 2,
      label: cut(b.label.trim() || 'Open', DISCORD_LIMITS.buttonLabel),
      custom_id: b.action,
    }));
  const rows: DiscordMessage['components'] = [];
  for (let i = 0; i < valid.length; i += DISCORD_LIMITS.buttonsPerRow) {
    rows.push({ type: 1, components: valid.slice(i, i + DISCORD_LIMITS.buttonsPerRow) });
  }
  return rows;
}

export function embedLength(e: DiscordEmbed): number {
  let n = (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
  for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  return n;
}

/** Keeps the embeds within 6000 characters in all: shorten the longest description, then drop fields, then embeds. */
function fitTotal(embeds: DiscordEmbed[]): DiscordEmbed[] {
  const total = () => embeds.reduce((n, e) => n + embedLength(e), 0);
  let over = total() - DISCORD_LIMITS.embedTotal;
  while (over > 0 && embeds.length > 0) {
    const longest = embeds.reduce((a, b) => ((b.description?.length ?? 0) > (a.description?.length ?? 0) ? b : a));
    const len = longest.description?.length ?? 0;
    if (len > 200) {
      longest.description = cut(longest.description!, Math.max(len - over, 200));
    } else {
      const withFields = [...embeds].reverse().find((e) => e.fields?.length);
      if (withFields) {
        withFields.fields!.pop();
        if (withFields.fields!.length === 0) delete withFields.fields;
      } else embeds.pop();
    }
    over = total() - DISCORD_LIMITS.embedTotal;
  }
  return embeds;
}
