import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log.js';
import type { FeedStateStore } from '../store/types.js';
import { noticeText, type OpsNotices } from './ops-notices.js';

/** How often the feeds' stored state is read: the notice comes within this of the threshold. */
const CHECK_EVERY_MS = 60_000;

export interface FeedWatchOptions {
  feeds: ReadonlyArray<{ id: string; name: string }>;
  /** The shared polling state (whichever instance polled). */
  feedState: FeedStateStore;
  notices: OpsNotices;
  now: Clock;
  /** FEED_ALERT_AFTER: a feed failing this long is said in the operations channels. */
  thresholdMs: number;
  logger: Logger;
}

/**
 * A feed failing for longer than FEED_ALERT_AFTER opens a newsroom-wide problem (one notice per operations channel),
 * and its first success closes it. Reads the stored state, so with several instances it does not matter which
 * one polled; the problem opens once whoever checks first.
 */
export function startFeedWatch(opts: FeedWatchOptions): { check(): Promise<void>; stop(): void } {
  const hours = Math.round((opts.thresholdMs / 3_600_000) * 10) / 10;

  async function check(): Promise<void> {
    const at = opts.now().getTime();
    for (const feed of opts.feeds) {
      const state = await opts.feedState.get(feed.id);
      if (!state) continue;
      const cause = `feed:${feed.id}`;
      if (state.failingSince !== null && at - state.failingSince >= opts.thresholdMs) {
        await opts.notices.problemEverywhere(cause, noticeText.feedFailing(feed.name, hours, state.lastError));
      } else if (state.failingSince === null) {
        await opts.notices.recoveredEverywhere(cause, noticeText.feedRecovered(feed.name));
      }
    }
  }

  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= check()
      .catch((err) => opts.logger.warn({ err }, 'feed health could not be checked for operations notices'))
      .finally(() => (running = null));
  }, CHECK_EVERY_MS).unref();
  return { check, stop: () => clearInterval(timer) };
}
