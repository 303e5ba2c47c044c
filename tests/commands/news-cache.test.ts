import { afterEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/reply.js';
import { realDispatcher, realServices, terminalInvocation as inv } from '../helpers/services.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const clock = () => NOW;
const listed = (r: Reply) => (r.cards[0]?.items ?? []).map((i) => i.id);

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('/news after a stored change (the 300 s query cache)', () => {
  it('a story moved from world to business leaves /news section:world at once: metadata-only changes clear the cache', async () => {
    const { store, services } = await realServices({ loadSamples: false, now: clock });
    close = () => store.close();
    const dispatcher = realDispatcher(services, clock);
    const story = { id: 'm1', title: 'Ports reopen after the storm', body: 'Ships queue outside.', section: 'world', publishedAt: '2026-11-25T10:00:00Z' };
    await store.articles.upsert(story);
    await store.articles.upsert({ id: 'w1', title: 'Talks resume in Geneva', body: 'Delegates met.', section: 'world', publishedAt: '2026-11-25T09:00:00Z' });

    expect(listed(await dispatcher.dispatch(inv('news', 'section:world')))).toEqual(['m1', 'w1']);
    await store.articles.upsert({ ...story, section: 'business' });

    expect(listed(await dispatcher.dispatch(inv('news', 'section:world')))).toEqual(['w1']);
    expect(listed(await dispatcher.dispatch(inv('news', 'section:business')))).toEqual(['m1']);
  });
});
