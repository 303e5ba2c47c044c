import type { Logger } from '../log.js';
import type { ArticleStore, Coordination } from '../store/types.js';

/** The timer never sleeps longer than this: a safety sweep behind every wake-up (clock jumps, a missed NOTIFY). */
const MAX_SLEEP_MS = 30_000;
/** After a failed lift (the database away), try again this soon. */
const RETRY_MS = 2_000;

export interface EmbargoLifterOptions {
  articles: Pick<ArticleStore, 'liftDue' | 'nextEmbargoAt' | 'onChange'>;
  /** Several instances: another instance's article writes (a new or moved embargo) re-arm this one's timer. */
  coordination?: Pick<Coordination, 'listen'>;
  /** The application clock, epoch ms. */
  now: () => number;
  logger: Logger;
  /** Runs after the write transaction that stored a change commits (the store's afterCommit). */
  afterCommit: (fn: () => void) => void;
}

export interface EmbargoLifter {
  /** Reads the next lift time from the store and arms the timer (also lifts whatever is due already). */
  arm(): void;
  stop(): void;
}

/**
 * Lifts embargoes at their time. Nothing lives here but a timer: the lift time is read from the store (at start,
 * after any stored change of an embargo, on another instance's article writes, after every lift), and the lift itself
 * is the store's conditional write, so a restart forgets nothing and of several instances exactly one lifts a story.
 */
export function startEmbargoLifter(opts: EmbargoLifterOptions): EmbargoLifter {
  const logger = opts.logger.child({ module: 'embargo' });
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let stopped = false;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(arm, Math.min(Math.max(ms, 0), MAX_SLEEP_MS)).unref();
  };

  function arm(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void pass().finally(() => {
      running = false;
      if (again) {
        again = false;
        arm();
      }
    });
  }

  async function pass(): Promise<void> {
    try {
      // Every article write (and, with several instances, every other instance's) re-arms: one indexed read in the
      // common case; the lift's write transaction only when an embargo is due.
      let next = await opts.articles.nextEmbargoAt();
      if (next !== null && next <= opts.now()) {
        const lifted = await opts.articles.liftDue(opts.now());
        if (lifted.length > 0) logger.info({ articles: lifted.map((a) => a.id) }, 'embargo lifted');
        next = await opts.articles.nextEmbargoAt();
      }
      if (next === null) {
        clearTimeout(timer);
        timer = undefined;
        return;
      }
      schedule(next - opts.now());
    } catch (err) {
      logger.warn({ err }, 'could not lift embargoes; trying again shortly');
      schedule(RETRY_MS);
    }
  }

  const unlisten = opts.articles.onChange((change) => {
    const before = change.previous?.embargoUntil ?? null;
    if (change.article.embargoUntil !== null || before !== null) opts.afterCommit(arm);
  });
  const unlistenOthers = opts.coordination?.listen('articles', arm);
  arm();

  return {
    arm,
    stop() {
      stopped = true;
      clearTimeout(timer);
      unlisten();
      unlistenOthers?.();
    },
  };
}
