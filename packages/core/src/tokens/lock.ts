import { LockAlreadyHeld } from '../errors.js';
import type { Runner } from '../hub.js';
import { Permits } from '../sync/permits.js';

/**
 * Mutual exclusion between routines: one holder at a time, waiters served in arrival
 * order. The holder is a routine: only it may `release()`, and if it ends while holding
 * the lock (returns, throws, is cancelled or halted) the lock is released for it. Not
 * re-entrant: acquiring it again from the holder throws `LockAlreadyHeld`.
 * @example
 * const lock = new Lock();
 * function* deposit(amount: number) {
 *   yield* lock.hold(
 *     (function* () {
 *       const balance = yield* readBalance();
 *       yield* writeBalance(balance + amount);
 *     })(),
 *   );
 * }
 */
export class Lock extends Permits {
  constructor() {
    super(1, 'lock');
  }

  /** True while some routine holds the lock. */
  get locked(): boolean {
    return this.available === 0;
  }

  protected override checkAcquire(_runner: Runner, holding: number): void {
    if (holding > 0) throw new LockAlreadyHeld();
  }
}
