import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Cooperative time slicing for long synchronous work (feed parsing, HTML → text): the work calls
 * `checkpoint()` often, and every `budgetMs` of real elapsed time it gives the event loop a turn, so
 * `/healthz`, acknowledgements and other feeds never wait behind one large or hostile item.
 * Real elapsed time is the point here, so this reads performance.now(), not the application clock.
 *
 * A slice that belongs to a `SliceQueue` waits for its turn in that queue instead, so that many jobs sliced at
 * once still run one slice per turn of the event loop (see SliceQueue).
 */
export class TimeSlice {
  private sliceStart = performance.now();

  constructor(readonly budgetMs = 15, private readonly queue: SliceQueue | null = null) {}

  /** True when the current slice is used up (the caller should await `yield()`). */
  get due(): boolean {
    return performance.now() - this.sliceStart >= this.budgetMs;
  }

  async checkpoint(): Promise<void> {
    if (this.due) await this.yield();
  }

  async yield(): Promise<void> {
    if (this.queue) {
      this.queue.release();
      await this.queue.acquire();
    } else {
      await nextTurn();
    }
    this.restart();
  }

  /** Starts a fresh budget (when the job is handed the turn). */
  restart(): void {
    this.sliceStart = performance.now();
  }
}

/**
 * One queue for every job sliced at once: at most one slice runs per turn of the event loop, and the jobs take
 * their turns first come, first served. Without it, N jobs that yield together all resume in the same turn, one
 * after the other, and the event loop stalls N slices long (20 feeds parsing at once: 20 × 15 ms) before a waiting
 * request is read. With it, the stall is one slice whatever the number of jobs, and each job gets its share.
 * Every turn is handed over on a later turn of the loop (setImmediate from a callback runs on the next one), so
 * timers, sockets and requests run between any two slices.
 */
export class SliceQueue {
  private readonly waiting: Array<() => void> = [];
  /** A job holds the turn (is running its slice). */
  private held = false;
  /** A hand-over is scheduled on the next turn of the event loop. */
  private handing = false;
  private active = 0;
  /** Jobs not yet started, first come first served. */
  private readonly queued: Array<() => void> = [];

  /**
   * `maxActive`: jobs under way at once; later ones start as earlier ones end. With all 100 feeds of a start-up
   * under way together, every one finishes near the end (its stories stored, and alerted, last) while 100
   * half-built trees stay alive; a few at a time, the first feeds are done after a small share of the time.
   */
  constructor(readonly maxActive = 4) {}

  /** Runs `job` in turns of `budgetMs`, its first slice included (it starts on a later turn of the loop). */
  async run<T>(job: (slice: TimeSlice) => Promise<T>, budgetMs = 15): Promise<T> {
    if (this.active >= this.maxActive) await new Promise<void>((resolve) => this.queued.push(resolve));
    else this.active += 1;
    try {
      const slice = new TimeSlice(budgetMs, this);
      await this.acquire();
      slice.restart();
      try {
        return await job(slice);
      } finally {
        this.release();
      }
    } finally {
      // The slot passes straight to the next job waiting to start (the count stays), else it is freed.
      const next = this.queued.shift();
      if (next) next();
      else this.active -= 1;
    }
  }

  /** Resolves when it is the caller's turn; the caller must `release()` it. */
  acquire(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.handOver();
    });
  }

  release(): void {
    this.held = false;
    this.handOver();
  }

  private handOver(): void {
    if (this.held || this.handing || this.waiting.length === 0) return;
    this.handing = true;
    setImmediate(() => {
      this.handing = false;
      const next = this.waiting.shift();
      if (!next) return;
      this.held = true;
      next();
    });
  }
}

/** The queue every feed parse in this process shares. */
export const PARSE_QUEUE = new SliceQueue();
