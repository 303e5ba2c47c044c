import { afterEach, describe, expect, it } from 'vitest';
import { startFeedWatch } from '../../src/alerts/feed-watch.js';
import { freshFeedState } from '../../src/store/types.js';
import { admin, harness, quietLogger, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SIX_HOURS = 6 * 3_600_000;

describe('a feed failing past FEED_ALERT_AFTER', () => {
  it('is said once in each operations channel, and once when it works again', async () => {
    const port = new RecordingPort('terminal');
    h = await harness({ ports: [port] });
    await h.store.ops.setChannel({ platform: 'terminal', workspace: '' }, { channel: 'terminal:ops', channelName: 'ops' }, admin, h.now());
    const feeds = [{ id: 'wire', name: 'City Wire' }, { id: 'calm', name: 'Calm Feed' }];
    const watch = startFeedWatch({ feeds, feedState: h.store.feedState, notices: h.alerts.notices, now: h.now, thresholdMs: SIX_HOURS, logger: quietLogger });
    try {
      const failing = { ...freshFeedState('wire', 'https://wire.example/rss'), consecutiveFailures: 9, failingSince: h.clock.ms, lastError: 'HTTP 503' };
      await h.store.feedState.save(failing);
      await h.store.feedState.save({ ...freshFeedState('calm', 'https://calm.example/rss'), lastSuccessAt: h.clock.ms });

      h.clock.advance(SIX_HOURS - 60_000);
      await watch.check();
      expect(await h.store.ops.problems({ platform: 'terminal', workspace: '' })).toEqual([]);

      h.clock.advance(60_000);
      await watch.check();
      await watch.check();
      await h.settled(1);
      h.clock.advance(3_600_000);
      await watch.check();
      await h.store.feedState.save({ ...failing, consecutiveFailures: 0, failingSince: null, lastError: null, lastSuccessAt: h.clock.ms });
      await watch.check();
      await watch.check();
      await h.settled(1);
      await new Promise((r) => setTimeout(r, 50));
      expect(port.posts().map((p) => [p.target, p.reply.text])).toEqual([
        ['terminal:ops', '⚠️ The feed "City Wire" has failed for over 6 h (HTTP 503): its stories are not arriving. /alerts sources shows every feed.'],
        ['terminal:ops', '✅ The feed "City Wire" works again.'],
      ]);
    } finally {
      watch.stop();
    }
  });
});
