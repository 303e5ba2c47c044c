import { describe, expect, it } from 'vitest';
import { DISCORD_LIMITS as L, PRIORITY_COLOURS, embedLength, renderReply } from '../../../src/adapters/discord/render.js';
import { answer, errorReply, type Card } from '../../../src/core/reply.js';
import { validateMessage } from '../../standins/discord/validate.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
const card = (c: Card) => renderReply(answer({ cards: [c] })).embeds[0];
/** Each rendered message must also pass the strict stand-in, so a limit cannot be wrong in both places. */
const accepted = (reply: ReturnType<typeof answer>) => {
  const msg = renderReply(reply);
  expect(validateMessage(msg as any, { requireContent: true })).toBeNull();
  return msg;
};

describe('Discord renderer', () => {
  it('cuts the title at 256 at a word boundary with an ellipsis, keeping badge and strike-through', () => {
    const at = card({ title: 'x'.repeat(L.title) });
    expect(at.title).toHaveLength(L.title);
    const over = card({ title: words(100), badge: 'Retracted', struck: true });
    expect(over.title!.length).toBeLessThanOrEqual(L.title);
    expect(over.title).toMatch(/^RETRACTED · ~~word0 .*word\d+…~~$/);
  });

  it('keeps the description within 4096, and lists items that do not fit as "…and N more"', () => {
    expect(card({ text: 'y'.repeat(L.description) }).description).toHaveLength(L.description);
    const long = card({ text: words(1000) }).description!;
    expect(long.length).toBeLessThanOrEqual(L.description);
    expect(long.endsWith('…')).toBe(true);
    const items = Array.from({ length: 80 }, (_, i) => ({ title: `Story ${i} ${words(20)}`, url: `https://x.example/${i}`, id: `s${i}` }));
    const listed = card({ items }).description!;
    expect(listed.length).toBeLessThanOrEqual(L.description);
    expect(listed).toMatch(/…and \d+ more$/);
  });

  it('keeps 25 fields, names within 256 and values within 1024', () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ name: `n${i} ${words(60)}`, value: words(300) }));
    const e = renderReply(answer({ cards: [{ fields }] })).embeds[0];
    expect(e.fields!.length).toBeLessThanOrEqual(L.fields);
    for (const f of e.fields!) {
      expect(f.name.length).toBeLessThanOrEqual(L.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(L.fieldValue);
    }
    expect(embedLength(e)).toBeLessThanOrEqual(L.embedTotal);
    const exact = card({ fields: Array.from({ length: 25 }, (_, i) => ({ name: `f${i}`, value: 'v' })) });
    expect(exact.fields).toHaveLength(25);
  });

  it('keeps the footer within 2048', () => {
    expect(card({ footer: 'f'.repeat(L.footer) }).footer!.text).toHaveLength(L.footer);
    expect(card({ footer: words(500) }).footer!.text.length).toBeLessThanOrEqual(L.footer);
  });

  it('keeps all embeds within 6000 characters and at most 10 embeds', () => {
    const cards = Array.from({ length: 12 }, (_, i) => ({ title: `Card ${i}`, text: words(500), footer: words(50) }));
    const msg = accepted(answer({ cards }));
    expect(msg.embeds).toHaveLength(L.embeds);
    expect(msg.embeds.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(L.embedTotal);
  });

  it('keeps content within 2000, with the admin role mention in front', () => {
    expect(renderReply(answer({ text: 'c'.repeat(L.content) })).content).toHaveLength(L.content);
    const msg = accepted(answer({ text: words(600), mention: { discordRoleId: '123456789012345678' } }));
    expect(msg.content!.length).toBeLessThanOrEqual(L.content);
    expect(msg.content!.startsWith('<@&123456789012345678> ')).toBe(true);
    expect(msg.allowed_mentions).toEqual({ parse: [], roles: ['123456789012345678'] });
  });

  it('always sends allowed_mentions parse [] and escapes mentions and markdown in article text', () => {
    const msg = accepted(answer({ text: '@everyone **bold** <@&123> [x](https://evil)', cards: [{ items: [{ title: '@here _x_ <@&1>', url: 'https://a.example/(x)' }] }] }));
    expect(msg.allowed_mentions).toEqual({ parse: [] });
    expect(msg.content).toBe('@\u200beveryone \\*\\*bold\\*\\* \\<@&123> \\[x\\]\\(https://evil)');
    expect(msg.embeds[0].description).toContain('[@\u200bhere \\_x\\_ \\<@&1>](https://a.example/%28x%29)');
    expect(renderReply(errorReply('nope')).allowed_mentions).toEqual({ parse: [] });
    // A role id that is not a snowflake is ignored rather than trusted.
    expect(renderReply(answer({ text: 'x', mention: { discordRoleId: '@everyone' } })).allowed_mentions).toEqual({ parse: [] });
  });

  it('puts at most 5 buttons in a row and 5 rows, labels within 80, and drops ids over 100', () => {
    const buttons = Array.from({ length: 30 }, (_, i) => ({ label: `${i} ${words(30)}`, action: `news:p:${i}` }));
    const msg = accepted(answer({ text: 't', buttons: [{ label: 'bad', action: 'x'.repeat(101) }, ...buttons] }));
    expect(msg.components).toHaveLength(L.rows);
    for (const row of msg.components) {
      expect(row.components.length).toBeLessThanOrEqual(L.buttonsPerRow);
      for (const b of row.components) {
        expect(b.label.length).toBeLessThanOrEqual(L.buttonLabel);
        expect(b.custom_id.length).toBeLessThanOrEqual(L.customId);
      }
    }
    expect(msg.components[0].components[0].custom_id).toBe('news:p:0');
  });

  it('colours by priority and carries url, timestamp and image', () => {
    expect(card({ title: 't', priority: 'breaking' }).color).toBe(PRIORITY_COLOURS.breaking);
    expect(card({ title: 't', priority: 'urgent' }).color).toBe(PRIORITY_COLOURS.urgent);
    expect(card({ title: 't', priority: 'routine' }).color).toBe(PRIORITY_COLOURS.routine);
    const e = card({ title: 't', url: 'https://a.example', timestamp: '2026-11-20T12:00:00Z', imageUrl: 'https://a.example/i.png' });
    expect(e).toMatchObject({ url: 'https://a.example', timestamp: '2026-11-20T12:00:00.000Z', image: { url: 'https://a.example/i.png' } });
    expect(card({ title: 't', url: 'javascript:alert(1)' }).url).toBeUndefined();
  });
});
