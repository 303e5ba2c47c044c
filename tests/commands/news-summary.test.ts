import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/core/dispatcher.js';
import type { Reply } from '../../src/core/reply.js';
import { realDispatcher, realServices, terminalInvocation as inv } from '../helpers/services.js';

const SEED_ID = '000_3374571737b0a5b7';
/** The sample articles are dated around this day; commands see this as "now". */
const NOW = new Date('2026-11-25T12:00:00Z');
/** When the store loaded data/ (the undated seed is dated by it): the morning of that day. */
const LOADED_AT = new Date('2026-11-25T09:00:00Z');

const allText = (r: Reply) =>
  [r.text, ...r.cards.flatMap((c) => [c.title, c.text, c.footer, ...(c.items ?? []).flatMap((i) => [i.title, i.text, i.meta, i.id]), ...(c.fields ?? []).map((f) => f.value)])]
    .filter(Boolean)
    .join('\n');

describe('/news and /summary on the sample data', () => {
  let dispatcher: Dispatcher;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const { store, services } = await realServices({ now: () => LOADED_AT });
    close = () => store.close();
    dispatcher = realDispatcher(services, () => NOW);
  });
  afterAll(() => close());

  it('/news lists the latest 5 headlines with time, section, source, id, and a More button that pages', async () => {
    const reply = await dispatcher.dispatch(inv('news', ''));
    expect(reply.kind).toBe('answer');
    const items = reply.cards[0].items!;
    expect(items).toHaveLength(5);
    for (const item of items) {
      expect(item.id).toBeTruthy();
      expect(item.meta).toMatch(/ago|just now|\d{4}-\d{2}-\d{2}/);
    }
    expect(reply.buttons?.[0].label).toBe('More');
    expect(reply.buttons![0].action.length).toBeLessThanOrEqual(100);
    const next = await dispatcher.action(inv('news', ''), reply.buttons![0].action);
    expect(next.cards[0].title).toContain('page 2');
    const firstIds = new Set(items.map((i) => i.id));
    expect(next.cards[0].items!.some((i) => firstIds.has(i.id!))).toBe(false);
  });

  it('/news modi finds the seed story', async () => {
    const reply = await dispatcher.dispatch(inv('news', 'modi'));
    expect(reply.cards[0].items!.map((i) => i.id)).toContain(SEED_ID);
  });

  it('/news with a long query keeps paging state under 100 characters (stored under a short key) and pages', async () => {
    const query = 'india minister modi russia climate budget election flood strike council';
    const reply = await dispatcher.dispatch(inv('news', `${query} since:30d`));
    expect(reply.kind).toBe('answer');
    const action = reply.buttons![0].action;
    expect(action.length).toBeLessThanOrEqual(100);
    expect(action).toMatch(/^news:k:/);
    const next = await dispatcher.action(inv('news', ''), action);
    expect(next.kind).toBe('answer');
    expect(next.cards[0].title).toContain('page 2');
  });

  it('says plainly when nothing is found, and refuses a bad since', async () => {
    const none = await dispatcher.dispatch(inv('news', 'zzzqqqxxy'));
    expect(none.text).toMatch(/No stories found for “zzzqqqxxy”/);
    const bad = await dispatcher.dispatch(inv('news', 'modi since:forever'));
    expect(bad.kind).toBe('error');
    expect(bad.text).toMatch(/since/);
  });

  it('an expired or forged More button gets a clear answer', async () => {
    const forged = await dispatcher.action(inv('news', ''), 'news:p:not-base64!!');
    expect(forged.kind).toBe('error');
    expect(forged.text).toMatch(/expired/);
    const missing = await dispatcher.action(inv('news', ''), 'news:k:nosuchkey');
    expect(missing.kind).toBe('error');
  });

  it('/summary <id> says Modi will visit Russia, first since the invasion, without "Read more" or the headline twice', async () => {
    const reply = await dispatcher.dispatch(inv('summary', SEED_ID));
    expect(reply.kind).toBe('answer');
    const card = reply.cards[0];
    expect(card.title).toMatch(/Modi Will Soon Visit Moscow/);
    expect(card.badge).toBe('BREAKING');
    expect(card.text).toMatch(/visit Russia/);
    expect(card.text).toMatch(/invasion of Ukraine/);
    expect(card.text).not.toMatch(/Read more/i);
    expect(allText(reply).split('Russian State Media Reports').length - 1).toBe(1);
    expect(card.text!.split('\n')).toHaveLength(3);
    const short = await dispatcher.dispatch(inv('summary', `${SEED_ID} length:short`));
    expect(short.cards[0].text!.split('\n')).toHaveLength(1);
  });

  it('/summary <headline words> picks the best match and names the others', async () => {
    const reply = await dispatcher.dispatch(inv('summary', 'modi moscow visit'));
    expect(reply.cards[0].footer).toContain(SEED_ID);
  });

  it('/summary <unknown url> and <nonsense> say so plainly', async () => {
    expect((await dispatcher.dispatch(inv('summary', 'https://nowhere.example/x'))).text).toMatch(/No stored article has that link/);
    expect((await dispatcher.dispatch(inv('summary', 'zzzqqqxxy'))).text).toMatch(/No article matches/);
  });

  it('/summary without an article is a briefing grouped by section, falling back to recent stories when the period is empty', async () => {
    const briefing = await dispatcher.dispatch(inv('summary', 'since:30d'));
    expect(briefing.kind).toBe('answer');
    expect(briefing.text).toMatch(/^Top stories in the last 30 days/);
    expect(briefing.cards.length).toBeGreaterThan(1);
    for (const card of briefing.cards) expect(card.items!.every((i) => i.text && i.title)).toBe(true);
    const empty = await dispatcher.dispatch(inv('summary', 'since:30m'));
    expect(empty.text).toMatch(/^Nothing new in the last 30 minutes; here are the most recent stories/);
  });

  it('/help lists commands and explains one; a typo gets a suggestion', async () => {
    expect(allText(await dispatcher.dispatch(inv('help', '')))).toMatch(/\/news[\s\S]*\/summary/);
    expect(allText(await dispatcher.dispatch(inv('help', 'news')))).toMatch(/since:/);
    expect((await dispatcher.dispatch(inv('help', 'nwes'))).text).toMatch(/Did you mean \/news/);
  });
});
