import { afterEach, describe, expect, it } from 'vitest';
import { renderFollowUp } from '../../src/alerts/render.js';
import { whatChanged } from '../../src/alerts/what-changed.js';
import type { Subscription } from '../../src/domain/subscription.js';
import { harness, quakeArticle, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const quake = (over: Record<string, unknown> = {}) => quakeArticle({
  body: 'At least 12 people died. Rescue teams are searching the old town.', updatedAt: '2026-11-25T12:00:00Z', ...over,
});

describe('a threads:yes alert says what changed in its thread reply', () => {
  it('the reply compares the version the thread last showed with the new one', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk', threads: true });
    await h.store.articles.upsert(quake());
    await h.settled(1);
    await h.store.articles.upsert(quake({
      title: 'Earthquake kills 15 in Ostravia capital',
      body: 'At least 15 people died. Rescue teams are searching the old town. Schools are closed.',
      updatedAt: '2026-11-25T12:34:00Z',
    }));
    await h.settled(1);
    await h.store.articles.upsert(quake({
      title: 'Earthquake kills 15 in Ostravia capital', status: 'corrected',
      body: 'At least 15 people died. Rescue teams are searching the new town. Schools are closed.',
      updatedAt: '2026-11-25T13:05:00Z',
    }));
    await h.settled(1);

    const threads = port.sent.filter((s) => s.op === 'thread');
    expect(threads.map((t) => [t.reply.cards[0].badge, t.reply.cards[0].text])).toEqual([
      ['UPDATE', [
        'What changed at 12:34:',
        'Headline: “Earthquake Strikes Ostravia Capital” → “Earthquake kills 15 in Ostravia capital”',
        'Numbers: 12 → 15 people',
        'Added: Schools are closed.',
      ].join('\n')],
      ['CORRECTION', [
        'What changed at 13:05:',
        'Corrected by its publisher.',
        'Added: Rescue teams are searching the new town.',
      ].join('\n')],
    ]);
    const row = h.outbox.forStory('quake', sub.id)!;
    expect(threads.map((t) => t.target)).toEqual([row.messageRef, row.messageRef]);
    expect(row).toMatchObject({ deliveredVersion: 3, threadVersion: 3 });
  });

  it('several versions before the reply goes out make one reply, from the last version shown to the latest', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk', threads: true });
    await h.store.articles.upsert(quake());
    await h.settled(1);
    // Both versions commit together: the dispatcher sees the row only once the latest is stored.
    await h.store.transaction(async () => {
      await h!.store.articles.upsert(quake({ body: 'At least 14 people died. Rescue teams are searching the old town.', updatedAt: '2026-11-25T12:10:00Z' }));
      await h!.store.articles.upsert(quake({ body: 'At least 17 people died. Rescue teams are searching the old town. Power is back.', updatedAt: '2026-11-25T12:20:00Z' }));
    });
    await h.settled(1);

    const threads = port.sent.filter((s) => s.op === 'thread');
    expect(threads.map((t) => t.reply.cards[0].text)).toEqual([
      ['What changed at 12:20:', 'Numbers: 12 → 17 people', 'Added: Power is back.'].join('\n'),
    ]);
    expect(port.sent.filter((s) => s.op === 'edit')).toHaveLength(1);
    expect(h.outbox.forStory('quake', sub.id)).toMatchObject({ deliveredVersion: 3, threadVersion: 3 });
  });
});

describe('the thread reply repeats the mention only on a breaking story whose headline or numbers changed', () => {
  const sub = { platform: 'slack', mentionHere: true } as Subscription;
  const v1 = {
    ...quake(), id: 'quake', body: 'At least 12 people died. Rescue teams are searching the old town.', updatedAt: '2026-11-25T12:00:00Z', url: null, section: 'world', source: 'Wire', publishedAt: '2026-11-25T12:00:00Z', status: 'published' as const, imageUrl: null, version: 1 };
  const reply = (over: Record<string, unknown>) => {
    const v2 = { ...v1, ...over, version: 2 };
    return renderFollowUp(v2, { timeZone: 'UTC', sub, changes: whatChanged(v1, v2) });
  };

  it('a number or headline change on a breaking story mentions; an added sentence or a routine story does not', () => {
    expect(reply({ body: 'At least 15 people died. Rescue teams are searching the old town.' }).mention).toEqual({ slackHere: true });
    expect(reply({ title: 'Quake hits Ostravia' }).mention).toEqual({ slackHere: true });
    expect(reply({ body: `${v1.body} Schools are closed.` }).mention).toBeUndefined();
    expect(reply({ priority: 'routine', title: 'Quake hits Ostravia' }).mention).toBeUndefined();
  });
});
