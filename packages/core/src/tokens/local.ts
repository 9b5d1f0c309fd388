import { OutsideRoutine } from '../errors.js';
import { currentRunner } from '../runner.js';

/**
 * Loop-local storage (greenlet-local): `local.value` read or written inside a routine is
 * that routine's own. Nested generators (they run in the same routine) see it; a spawned
 * child starts with a copy of its parent's values; a `Loop` or a connection handler starts
 * with the initial value. Reading or writing it outside a routine throws `OutsideRoutine`.
 * @example
 * const requestId = new Local<string>('-');
 * function* handler() {
 *   requestId.value = crypto.randomUUID();
 *   yield* logStep('start'); // sees this routine's id
 * }
 */
export class Local<T> {
  readonly #initial: T;
  constructor(...[initial]: undefined extends T ? [initial?: T] : [initial: T]) {
    this.#initial = initial as T;
  }

  /** This routine's value (the initial value until it sets one). */
  get value(): T {
    const runner = currentRunner();
    if (runner === null) throw new OutsideRoutine('reading a Local');
    return runner.local(this, this.#initial) as T;
  }

  set value(value: T) {
    const runner = currentRunner();
    if (runner === null) throw new OutsideRoutine('setting a Local');
    runner.setLocal(this, value);
  }
}
