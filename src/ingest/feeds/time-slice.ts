import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Cooperative time slicing for long synchronous work (feed parsing, HTML → text): the work calls
 * `checkpoint()` often, and every `budgetMs` of real elapsed time it gives the event loop a turn, so
 * `/healthz`, acknowledgements and other feeds never wait behind one large or hostile item.
 * Real elapsed time is the point here, so this reads performance.now(), not the application clock.
 */
export class TimeSlice {
  private sliceStart = performance.now();

  constructor(readonly budgetMs = 15) {}

  /** True when the current slice is used up (the caller should await `yield()`). */
  get due(): boolean {
    return performance.now() - this.sliceStart >= this.budgetMs;
  }

  async checkpoint(): Promise<void> {
    if (this.due) await this.yield();
  }

  async yield(): Promise<void> {
    await nextTurn();
    this.sliceStart = performance.now();
  }
}
