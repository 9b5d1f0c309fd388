/**
 * Where `sleep` gets its time. The hub never calls the timer globals directly, so tests
 * can swap in `FakeClock` from `@diesel/core/testing` and step time by hand.
 * @example
 * const clock: Clock = new FakeClock();
 * const app = new Application({ clock });
 */
export interface Clock {
  /** Milliseconds since some fixed point. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `cancel`. */
  schedule(callback: () => void, ms: number): unknown;
  /** Drops the callback `schedule` returned `handle` for; a handle that already fired is ignored. */
  cancel(handle: unknown): void;
}

/**
 * The real clock: `performance.now()` and Node's timers (`setImmediate` for 0 ms, so
 * `sleep(0)` lets I/O and other routines run first). Every hub uses it unless given
 * another clock (tests: `FakeClock`).
 * @example
 * const handle = systemClock.schedule(() => console.log('half a second later'), 500);
 * systemClock.cancel(handle); // changed our mind
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  schedule(callback, ms) {
    // sleep(0) means "let I/O and other routines run first", which is what setImmediate does.
    if (ms <= 0) return { immediate: setImmediate(callback) };
    return setTimeout(callback, ms);
  },
  cancel(handle) {
    if (handle !== null && typeof handle === 'object' && 'immediate' in handle) {
      clearImmediate((handle as { immediate: NodeJS.Immediate }).immediate);
    } else {
      clearTimeout(handle as NodeJS.Timeout);
    }
  },
};
