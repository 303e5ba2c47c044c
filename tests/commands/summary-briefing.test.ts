import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/core/dispatcher.js';
import { realDispatcher, realServices, terminalInvocation as inv } from '../helpers/services.js';

const NOW = new Date('2026-03-02T18:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const TEAMS = 'Rovers United Athletic Wanderers Albion Rangers Harriers Celtic Town City County Borough Dynamo'.split(' ');

describe('/summary briefing: every story of the period competes', () => {
  let dispatcher: Dispatcher;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const { store, services } = await realServices({ loadSamples: false, now: () => NOW });
    close = () => store.close();
    // 150 routine sport reports in the last two hours, newer than everything else…
    const sport = Array.from({ length: 150 }, (_, i) => ({
      id: `sport-${i}`,
      title: `${TEAMS[i % 13]} beat ${TEAMS[(i * 5 + 1) % 13]} in round ${i}`,
      body: `${TEAMS[i % 13]} won the round ${i} match on Monday evening in front of a home crowd. The result lifts them up the table before the cup tie.`,
      section: 'sport',
      source: 'Valley Sport',
      url: `https://sport.example/${i}`,
      publishedAt: hoursAgo(2 - i / 100),
    }));
    // …and one breaking story from this morning, carried by three sources.
    const dam = ['Valley Wire', 'Harbour Times', 'River Radio'].map((source, i) => ({
      id: `dam-${i}`,
      title: i === 0 ? 'Dam breach floods lower valley towns' : 'Dam breach floods towns in the lower valley',
      body: 'A dam breach flooded three towns in the lower valley on Monday morning, forcing thousands from their homes. Rescue teams worked through the day.',
      section: 'world',
      source,
      url: `https://news${i}.example/dam`,
      publishedAt: hoursAgo(9 - i),
      priority: i === 0 ? ('breaking' as const) : ('routine' as const),
    }));
    await store.articles.upsertMany([...dam, ...sport]);
    dispatcher = realDispatcher(services, () => NOW);
  });
  afterAll(() => close());

  it('includes an older breaking story that 150 newer ones would have pushed out of a 100-story page', async () => {
    const reply = await dispatcher.dispatch(inv('summary', 'since:24h'));
    const world = reply.cards.find((c) => c.title === 'World');
    expect(world?.items?.[0]).toMatchObject({ id: 'dam-0', meta: '+2 similar' });
    expect(reply.cards[0].title).toBe('World');
  });

  it('a section briefing and the all-sections one agree about the same story', async () => {
    const all = await dispatcher.dispatch(inv('summary', 'since:24h'));
    const worldOnly = await dispatcher.dispatch(inv('summary', 'since:24h section:world'));
    const fromAll = all.cards.find((c) => c.title === 'World')!.items!.map((i) => [i.id, i.meta]);
    expect(worldOnly.cards.map((c) => c.title)).toEqual(['World']);
    expect(worldOnly.cards[0].items!.map((i) => [i.id, i.meta])).toEqual(fromAll);
  });
});
