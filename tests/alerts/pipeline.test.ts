import { afterEach, describe, expect, it } from 'vitest';
import { Permanent, RetryLater } from '../../src/outbound/port.js';
import { harness, quakeArticle as breaking, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});


describe('fan-out and delivery', () => {
  it('posts one alert per matching subscription, none for the others, and records the message', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const all = await h.subscribe({ channel: 'terminal:all' });
    const world = await h.subscribe({ channel: 'terminal:world', sections: ['world'] });
    await h.subscribe({ channel: 'terminal:sport', sections: ['sport'] });
    await h.subscribe({ channel: 'terminal:markets', keywords: ['markets'] });
    await h.store.articles.upsert(breaking());
    await h.settled(2);
    expect(port.posts().map((p) => p.target).sort()).toEqual(['terminal:all', 'terminal:world']);
    const row = h.outbox.forStory('quake', all.id)!;
    expect(row.state).toBe('sent');
    expect(row.messageRef).toMatch(/^terminal:all#m\d+$/);
    expect(port.posts()[0].deliveryId).toBe(h.outbox.forStory('quake', port.posts()[0].target === 'terminal:all' ? all.id : world.id)!.id);
    const card = port.posts()[0].reply.cards[0];
    expect(card.badge).toBe('BREAKING');
    expect(card.text).toContain('TLDR: A strong quake hit at dawn.');
  });

  it('delivers breaking before urgent before routine', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    await h.subscribe({ channel: 'terminal:desk' });
    h.ports.detach('terminal'); // the adapter is down while the stories are queued
    await h.store.articles.upsert({ id: 'r1', title: 'Council approves new bus timetable', priority: 'routine' });
    await h.store.articles.upsert({ id: 'u1', title: 'Storm warning issued for the coast', priority: 'urgent' });
    await h.store.articles.upsert({ id: 'b1', title: 'Dam fails upstream of Ostrava city', priority: 'breaking' });
    h.ports.attach(port);
    h.alerts.dispatcher.wake();
    await h.settled(3);
    expect(port.posts().map((p) => p.reply.cards[0].title)).toEqual([
      'Dam fails upstream of Ostrava city', 'Storm warning issued for the coast', 'Council approves new bus timetable',
    ]);
  });

  it('folds routine stories piling up beyond the threshold into one "N more stories" message', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    h.ports.detach('terminal');
    const topics = ['harbour', 'library', 'tramway', 'orchestra', 'bakery', 'marathon', 'zoo', 'bridge'];
    for (const [i, topic] of topics.entries()) {
      await h.store.articles.upsert({ id: `r${i + 1}`, title: `City council debates the ${topic} budget`, priority: 'routine' });
    }
    h.ports.attach(port);
    h.alerts.dispatcher.wake();
    await h.settled(6);
    const titles = port.posts().map((p) => p.reply.cards[0].title);
    expect(titles).toHaveLength(6);
    expect(titles).toContain('3 more stories');
    const fold = port.posts().find((p) => p.reply.cards[0].title === '3 more stories')!;
    expect(fold.reply.cards[0].items!.map((i) => i.id)).toEqual(['r6', 'r7', 'r8']);
    expect(h.outbox.forStory('r8', sub.id)!.state).toBe('sent');
  });

  it('honours RetryLater and sends once when the platform lets it', async () => {
    const port = new RecordingPort('terminal');
    port.failNext('post', new RetryLater(30, '429 Too Many Requests'));
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert(breaking());
    await h.settled(1);
    expect(port.posts()).toHaveLength(1);
    const row = h.outbox.forStory('quake', sub.id)!;
    expect(row.state).toBe('sent');
  });

  it('a permanent failure fails the row with the platform reason and pauses the subscription, visibly', async () => {
    const port = new RecordingPort('terminal');
    port.failNext('post', new Permanent('missing_access', 'Missing Access'));
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert(breaking());
    await h.settled(1);
    const row = h.outbox.forStory('quake', sub.id)!;
    expect(row.state).toBe('failed');
    expect(row.reason).toBe('terminal: Missing Access (missing_access)');
    const [listed] = await h.alerts.service.list({ platform: 'terminal', workspace: '' });
    expect(listed.paused).toBe(true);
    expect(listed.pausedReason).toContain('Missing Access');
    expect(listed.health.failed).toBe(1);
    const audit = await h.alerts.service.audit({ platform: 'terminal', workspace: '' }, 5);
    expect(audit[0]).toMatchObject({ action: 'auto-pause', actorId: 'system', subscriptionId: sub.id });
    // The next story is recorded as skipped, not silently dropped.
    await h.store.articles.upsert({ id: 'next', title: 'Second quake felt in the north', priority: 'breaking' });
    expect(h.outbox.forStory('next', sub.id)).toMatchObject({ state: 'skipped', reason: expect.stringContaining('paused') });
    expect(port.posts()).toHaveLength(0);
  });
});

describe('story updates', () => {
  it('edits the posted alert in place with an "Updated HH:MM" line, and replies in thread when asked', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    await h.subscribe({ channel: 'terminal:plain' });
    const threaded = await h.subscribe({ channel: 'terminal:threads', threads: true });
    await h.store.articles.upsert(breaking());
    await h.settled(2);
    await h.store.articles.upsert(breaking({ title: 'Earthquake of magnitude 7 strikes Ostravia', updatedAt: '2026-11-25T12:34:00Z' }));
    await h.settled(2);
    expect(port.posts()).toHaveLength(2);
    const edits = port.sent.filter((s) => s.op === 'edit');
    expect(edits).toHaveLength(2);
    for (const e of edits) {
      expect(e.reply.cards[0].title).toBe('Earthquake of magnitude 7 strikes Ostravia');
      expect(e.reply.cards[0].text).toContain('Updated 12:34');
    }
    const threads = port.sent.filter((s) => s.op === 'thread');
    expect(threads).toHaveLength(1);
    expect(threads[0].target).toBe(h.outbox.forStory('quake', threaded.id)!.messageRef);
    expect(h.outbox.forStory('quake', threaded.id)!.deliveredVersion).toBe(2);
  });

  it('a retraction strikes the alert through and badges it RETRACTED; never a second alert', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert(breaking());
    await h.settled(1);
    await h.store.articles.upsert(breaking({ status: 'retracted' }));
    await h.settled(1);
    expect(port.posts()).toHaveLength(1);
    const [edit] = port.sent.filter((s) => s.op === 'edit');
    expect(edit.reply.cards[0]).toMatchObject({ struck: true, badge: 'RETRACTED' });
    expect(edit.reply.mention).toBeUndefined();
  });

  it('an edit the platform refuses for good (message deleted) stops, without pausing the subscription', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert(breaking());
    await h.settled(1);
    port.failNext('edit', new Permanent('unknown_message', 'Unknown Message'));
    await h.store.articles.upsert(breaking({ title: 'Quake toll rises in Ostravia capital' }));
    await h.settled(1);
    expect((await h.alerts.service.get({ platform: 'terminal', workspace: '' }, sub.id))!.paused).toBe(false);
    expect(h.outbox.forStory('quake', sub.id)).toMatchObject({ state: 'sent', dueAt: null, lastError: expect.stringContaining('Unknown Message') });
  });
});

describe('the same story twice', () => {
  it('feed first, then the newsroom pushes the same link: one alert, edited to the newsroom\'s text, and /alerts why finds the CMS id', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert(breaking({ id: 'wire-a:quake', origin: 'feed:wire-a', source: 'Wire A' }));
    await h.settled(1);
    // Same canonical URL (https, no utm_*, no trailing slash) from the push API: its own article, the same story.
    const pushed = await h.store.articles.upsert(breaking({ id: 'cms-quake', origin: 'push', source: 'Desk', url: 'http://news.example/quake/?utm_source=x', title: 'Quake hits Ostravia' }));
    expect(pushed).toMatchObject({ outcome: 'created', article: { id: 'cms-quake', version: 1 } });
    expect((await h.store.articles.get('wire-a:quake'))?.title).toBe('Earthquake Strikes Ostravia Capital');
    await h.settled(1);
    expect(port.posts()).toHaveLength(1);
    expect(port.sent.filter((s) => s.op === 'edit').map((e) => e.reply.cards[0].title)).toEqual(['Quake hits Ostravia']);
    const [line] = await h.alerts.service.why({ platform: 'terminal', workspace: '' }, 'terminal:desk', 'cms-quake');
    expect(line.subscription.id).toBe(sub.id);
    expect(line.explanation).toMatch(/^sent at \d\d:\d\d/);
  });

  it('a quiet write (a feed\'s first poll) queues nothing, and its later versions do not alert either', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    const first = await h.store.articles.upsert({ ...breaking(), quiet: true });
    expect(first.outcome).toBe('created');
    await h.store.articles.upsert(breaking({ title: 'Earthquake of magnitude 7 strikes Ostravia' }));
    await h.store.articles.upsert({ id: 'fresh', title: 'Bridge collapses on the ring road', priority: 'breaking' });
    await h.settled(1);
    expect(port.posts().map((p) => p.reply.cards[0].title)).toEqual(['Bridge collapses on the ring road']);
    expect(h.outbox.forStory('quake', sub.id)).toBeFalsy();
  });

  it('a story moved into a subscribed section (same text, no new version) neither alerts nor edits', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const business = await h.subscribe({ channel: 'terminal:business', sections: ['business'] });
    await h.subscribe({ channel: 'terminal:world', sections: ['world'] });
    await h.store.articles.upsert(breaking());
    await h.settled(1);
    const moved = await h.store.articles.upsert(breaking({ section: 'business' }));
    expect(moved).toMatchObject({ outcome: 'unchanged', metadataChanged: true });
    await h.store.articles.upsert({ id: 'fresh', title: 'Bridge collapses on the ring road', priority: 'breaking', section: 'business' });
    await h.settled(1);
    expect(port.posts().map((p) => `${p.target} ${p.reply.cards[0].title}`)).toEqual([
      'terminal:world Earthquake Strikes Ostravia Capital', 'terminal:business Bridge collapses on the ring road',
    ]);
    expect(port.sent.filter((s) => s.op !== 'post')).toEqual([]);
    expect(h.outbox.forStory('quake', business.id)).toBeFalsy();
  });

  it('alerts once for a near-identical headline from another source within the window', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    await h.subscribe({ channel: 'terminal:desk' });
    await h.store.articles.upsert({ id: 'a', origin: 'feed:a', url: 'https://a.example/1', title: 'Indian PM Modi Will Soon Visit Moscow, Russian Media Say', priority: 'breaking', source: 'A' });
    await h.settled(1);
    await h.store.articles.upsert({ id: 'b', origin: 'feed:b', url: 'https://b.example/2', title: 'Russian media say Indian PM Modi will soon visit Moscow', priority: 'breaking', source: 'B' });
    await h.store.articles.upsert({ id: 'c', origin: 'feed:c', url: 'https://c.example/3', title: 'Modi to visit Washington next month', priority: 'breaking', source: 'C' });
    await h.settled(1);
    expect(port.posts().map((p) => p.reply.cards[0].title)).toEqual([
      'Indian PM Modi Will Soon Visit Moscow, Russian Media Say', 'Modi to visit Washington next month',
    ]);
  });
});
