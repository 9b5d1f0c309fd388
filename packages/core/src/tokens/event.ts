import { CustomToken, type TokenContext } from '../hub.js';
import { WaitLine } from '../sync/wait-line.js';
import type { GroupRole, Teardown } from './token.js';

/**
 * (Named as in eventlet and trio; it shadows the DOM/Node global `Event` where imported.)
 *
 * A flag routines can wait for (eventlet's and trio's `Event`): `wait()` suspends until
 * it is set, and returns at once while it is. Unlike `wait(name)`/`fire`, a set event
 * stays set, so a routine that comes late does not miss it; `clear()` lowers it again.
 * @example
 * const ready = new Event();
 * function* worker() { yield* ready.wait(); … }
 * function* starter() { yield* loadConfig(); ready.set(); }
 */
export class Event {
  #set = false;
  readonly #line = new WaitLine<true>();
  readonly #wait: EventWaitToken;

  constructor() {
    this.#wait = new EventWaitToken(this);
  }

  /** True while the event is set. */
  get isSet(): boolean {
    return this.#set;
  }

  /** Routines waiting for it. */
  get waiting(): number {
    return this.#line.size;
  }

  /**
   * Suspends: no. Sets the event and wakes every waiting routine (they run once the
   * caller suspends, in the order they started waiting).
   * @example
   * ready.set();
   */
  set(): void {
    this.#set = true;
    for (let waiter = this.#line.peek(); waiter !== null; waiter = this.#line.peek()) waiter.grant(true);
  }

  /**
   * Suspends: no. Lowers the event; later `wait()`s suspend again.
   * @example
   * ready.clear();
   */
  clear(): void {
    this.#set = false;
  }

  /**
   * Suspends: until the event is set (not at all if it is). Groupable:
   * `first(ready.wait(), sleep(5))` waits at most five seconds.
   * @example
   * yield* ready.wait();
   */
  wait(): EventWaitToken {
    return this.#wait;
  }

  /** @internal EventWaitToken */
  startWait(context: TokenContext<true>): void | Teardown {
    if (this.#set) return context.resolve(true);
    // A set() that reached a waiter which then stopped waiting needs no undoing.
    return this.#line.push(context);
  }
}

/**
 * What `event.wait()` yields.
 * @example
 * yield* ready.wait();
 * const [set, timedOut] = yield* first(ready.wait(), sleep(5));
 */
export class EventWaitToken extends CustomToken<true> {
  /** A wait-like token: it may be one of a group's waits. */
  override get group(): GroupRole {
    return 'wait';
  }
  readonly #event: Event;
  constructor(event: Event) {
    super();
    this.#event = event;
  }
  start(context: TokenContext<true>): void | Teardown {
    return this.#event.startWait(context);
  }
}
