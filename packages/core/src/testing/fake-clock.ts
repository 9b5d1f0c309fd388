import type { Clock } from '../clock.js';

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock that moves only when told: `advance(seconds)` fires, in order, every timer
 * due by then. Pass it as `new Application({ clock })` to test sleeps and timeouts
 * instantly and deterministically.
 * @example
 * const clock = new FakeClock();
 * const app = new Application({ clock });
 * await clock.advance(3); // every sleep(≤3) has woken
 */
export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers: Timer[] = [];

  now(): number {
    return this.#now;
  }

  schedule(callback: () => void, ms: number): Timer {
    const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return timer;
  }

  /** Drops a pending callback by the handle `schedule` returned; one that already ran is ignored. */
  cancel(handle: unknown): void {
    const at = this.#timers.indexOf(handle as Timer);
    if (at !== -1) this.#timers.splice(at, 1);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward, firing due timers one at a time and letting the routines they
   * wake run (microtasks and I/O callbacks) before the next fires.
   */
  async advance(seconds: number): Promise<void> {
    const target = this.#now + seconds * 1000;
    for (;;) {
      await settle();
      const due = this.#timers.filter((t) => t.at <= target).sort((x, y) => x.at - y.at || x.seq - y.seq)[0];
      if (due === undefined) break;
      this.#timers.splice(this.#timers.indexOf(due), 1);
      this.#now = due.at;
      due.callback();
    }
    this.#now = target;
    await settle();
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
