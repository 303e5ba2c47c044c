import { afterEach, describe, expect, it } from 'vitest';
import type { SettledEvent } from '../../src/alerts/dispatcher.js';
import { harness, quakeArticle as quake, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});


describe('thread follow-ups', () => {
  it('a failure after the follow-up was accepted retries the edit, never the follow-up', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port], realTime: true });
    const sub = await h.subscribe({ channel: 'terminal:desk', threads: true });
    await h.store.articles.upsert(quake());
    await h.settled(1);
    // The edit's final bookkeeping fails once (as a crash would, between the thread reply and recording the edit).
    h.store.db.exec(`CREATE TRIGGER fail_edit_bookkeeping BEFORE UPDATE OF delivered_version ON alert_outbox
      WHEN NEW.delivered_version = 2 BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    const retried: SettledEvent[] = [];
    h.alerts.dispatcher.onSettled((e) => {
      if (!e.retrying) return;
      retried.push(e);
      h!.store.db.exec('DROP TRIGGER IF EXISTS fail_edit_bookkeeping');
    });
    await h.store.articles.upsert(quake({ title: 'Earthquake of magnitude 7 strikes Ostravia' }));
    await h.settled(1, 10_000);
    expect(retried.map((e) => e.operation)).toEqual(['edit']);
    expect(port.sent.filter((s) => s.op === 'thread')).toHaveLength(1);
    expect(port.sent.filter((s) => s.op === 'edit')).toHaveLength(2);
    expect(h.outbox.forStory('quake', sub.id)).toMatchObject({ deliveredVersion: 2, threadVersion: 2, dueAt: null });
  });
});
