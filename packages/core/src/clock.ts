/**
 * Where `sleep` gets its time. The hub never calls the timer globals directly, so tests
 * can swap in `FakeClock` from `@diesel/core/testing` and step time by hand.
 */
export interface Clock {
  /** Milliseconds since some fixed point. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `cancel`. */
  schedule(callback: () => void, ms: number): unknown;
  cancel(handle: unknown): void;
}

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
