import type { Clock } from '../clock.js';
import { type GroupRole, type TokenContext, Token, TokenKind } from './token.js';

/**
 * The token `sleep()` returns. Suspends the routine that yields it for `seconds`;
 * groupable (at most one per group).
 * @example
 * const token: SleepToken = sleep(0.5);
 * yield* token; // half a second later
 */
export class SleepToken extends Token<true> {
  readonly kind = TokenKind.Sleep;
  constructor(readonly seconds: number) {
    super();
  }
  override get group(): GroupRole {
    return 'sleep';
  }
  /** @internal The hub calls it: start the timer. */
  start(context: TokenContext<true>): Sleeping {
    return new Sleeping(context, context.hub.clock, this.seconds * 1000);
  }
}

/** One pending sleep: its own teardown, so a sleep costs one object and one callback. */
class Sleeping {
  readonly #clock: Clock;
  #handle: unknown;
  constructor(context: TokenContext<true>, clock: Clock, ms: number) {
    this.#clock = clock;
    this.#handle = clock.schedule(() => {
      // Fired: the teardown that follows the resume has nothing to clear (clearing a
      // fired timer is not free, and every wakeup of a sleeping loop would pay it).
      this.#handle = null;
      context.resolve(true);
    }, ms);
  }
  cancel(): void {
    if (this.#handle !== null) this.#clock.cancel(this.#handle);
  }
}

/**
 * Suspends: yes. Resumes after `seconds` (fractional allowed; `0` just lets other
 * routines and I/O run first).
 * @example
 * function* tick() { while (true) { console.log('tick'); yield* sleep(1); } }
 */
export function sleep(seconds = 0): SleepToken {
  if (typeof seconds !== 'number' || !(seconds >= 0)) throw new RangeError(`sleep(): seconds must be a non-negative number, got ${seconds}`);
  return new SleepToken(seconds);
}
