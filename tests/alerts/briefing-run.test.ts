import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scheduledBriefingReply, type ScheduledBriefing } from '../../src/alerts/briefing-run.js';
import { nextRun } from '../../src/alerts/briefing-schedule.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { harness, quakeArticle } from './harness.js';
import { RecordingPort } from './ports.js';

const at = (s: string) => Date.parse(s);
const summarizer = { tldr: (a: { dek: string; title: string }) => `TLDR: ${a.dek || a.title}` };
const morning: ScheduledBriefing = { at: '07:30', tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'], sections: ['world', 'politics'] };

describe('what a scheduled briefing run posts', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = openSqliteStore(':memory:', { now: () => new Date('2026-11-27T07:30:00Z') });
  });
  afterEach(() => store.close());

  it('the period since the previous run, in the schedule\'s sections only', async () => {
    await store.articles.upsert({ id: 'old', title: 'Harbour reopens after storm', section: 'world', publishedAt: '2026-11-26T07:00:00Z' });
    await store.articles.upsert({ id: 'w1', title: 'Ceasefire talks resume in Lenna', dek: 'Envoys meet at dawn.', section: 'world', publishedAt: '2026-11-26T18:00:00Z' });
    await store.articles.upsert({ id: 'p1', title: 'Budget vote delayed to Monday', dek: 'The vote moves.', section: 'politics', publishedAt: '2026-11-27T06:00:00Z' });
    await store.articles.upsert({ id: 's1', title: 'Cup final goes to penalties', section: 'sport', publishedAt: '2026-11-27T06:30:00Z' });
    const run = nextRun(morning, at('2026-11-27T07:00:00Z'));
    expect(run).toEqual({ localDate: '2026-11-27', dueAt: at('2026-11-27T07:30:00Z') });
    const reply = await scheduledBriefingReply({ articles: store.articles, summarizer }, morning, run, { since: at('2026-11-26T07:30:00Z'), now: run.dueAt });
    expect(reply.text).toBe('Briefing: top stories in world, politics since 07:30 yesterday:');
    expect(reply.cards.map((c) => [c.title, c.items?.map((i) => [i.id, i.text])]).sort()).toEqual([
      ['Politics', [['p1', 'TLDR: The vote moves.']]],
      ['World', [['w1', 'TLDR: Envoys meet at dawn.']]],
    ]);
  });

  it('an empty period is one line, never older stories again; a late or test run says so', async () => {
    await store.articles.upsert({ id: 'old', title: 'Harbour reopens after storm', section: 'world', publishedAt: '2026-11-25T07:00:00Z' });
    const run = { localDate: '2026-11-30', dueAt: at('2026-11-30T07:30:00Z') };
    const deps = { articles: store.articles, summarizer };
    const empty = await scheduledBriefingReply(deps, morning, run, { since: at('2026-11-27T07:30:00Z'), now: run.dueAt });
    expect(empty).toMatchObject({ text: 'Nothing new since 07:30 Fri in world, politics.', cards: [] });
    const late = await scheduledBriefingReply(deps, { ...morning, sections: [] }, run, { since: at('2026-11-29T07:30:00Z'), now: at('2026-11-30T08:45:00Z'), late: true });
    expect(late.text).toBe('[late: due 07:30] Nothing new since 07:30 yesterday.');
    const test = await scheduledBriefingReply(deps, { ...morning, sections: [] }, run, { since: at('2026-11-24T07:30:00Z'), now: run.dueAt, test: true });
    expect(test.text).toBe('[TEST] Briefing: top stories since 07:30 Tue:');
    expect(test.cards.flatMap((c) => c.items?.map((i) => i.id))).toEqual(['old']);
  });
});

describe('a briefing subscription and the fan-out', () => {
  it('the fan-out never matches it: a breaking story alerts the alert channel only', async () => {
    const port = new RecordingPort('terminal');
    const h = await harness({ ports: [port], realTime: true });
    try {
      const briefing = await h.store.subscriptions.create({
        platform: 'terminal', workspace: '', channel: 'terminal:morning', minPriority: 'routine',
        briefing: { at: '07:30', tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      }, { id: 'U1', name: 'Ada' }, h.now());
      const alerts = await h.subscribe({ channel: 'terminal:desk' });
      await h.store.articles.upsert(quakeArticle());
      await h.settled(1);
      expect(port.posts().map((p) => p.target)).toEqual(['terminal:desk']);
      expect(h.outbox.forStory('quake', briefing.id)).toBeNull();
      expect(h.outbox.forStory('quake', alerts.id)).toMatchObject({ state: 'sent' });
    } finally {
      await h.close();
    }
  });
});
