import type { Hub } from '../hub.js';
import { type GroupRole, type TokenContext, Token, TokenKind } from './token.js';

/** A routine waiting on an event, as the hub's event registry holds it. */
export interface EventWaiter {
  /** Called by `Hub.fire`; returns false if this waiter had already moved on (it is not counted). */
  fired(value: unknown): boolean;
}

/**
 * The token `wait()` returns. Suspends the routine that yields it until the event is
 * fired; groupable.
 * @example
 * const token: WaitToken<string> = wait<string>('chat');
 * const message = yield* token;
 */
export class WaitToken<T = unknown> extends Token<T> {
  readonly kind = TokenKind.Wait;
  constructor(readonly event: string) {
    super();
  }
  override get group(): GroupRole {
    return 'wait';
  }
  /** @internal The hub calls it: wait for the event. */
  start(context: TokenContext<T>): Waiting {
    const waiting = new Waiting(context.hub, this.event, context as TokenContext<unknown>);
    context.hub.addWaiter(this.event, waiting);
    return waiting;
  }
}

class Waiting implements EventWaiter {
  constructor(
    readonly hub: Hub,
    readonly event: string,
    readonly context: TokenContext<unknown>,
  ) {}
  fired(value: unknown): boolean {
    // Settled synchronously here, so a second fire before the woken routine runs cannot
    // wake it twice; the routine itself runs after the firing one suspends (diesel's order).
    if (this.context.settled) return false;
    this.context.resolve(value);
    return true;
  }
  cancel(): void {
    this.hub.removeWaiter(this.event, this);
  }
}

/**
 * The token `fire()` returns. Does not suspend; its result is how many waiters it woke.
 * @example
 * const token: FireToken = fire('chat', 'hello');
 * const woken = yield* token;
 */
export class FireToken extends Token<number> {
  readonly kind = TokenKind.Fire;
  constructor(
    readonly event: string,
    readonly value: unknown,
    readonly local = false,
  ) {
    super();
  }
  start(context: TokenContext<number>): void {
    const hub = context.hub;
    context.resolve(this.local ? hub.fire(this.event, this.value) : hub.publish(this.event, this.value));
  }
}

/**
 * Options of `fire`.
 * @example
 * yield* fire('room:wake', undefined, { local: true });
 */
export interface FireOptions {
  /**
   * Wake this process's waiters only, even when an event bus spans processes (a
   * wake-up that means nothing elsewhere, such as "new lines queued for you"). The value
   * then need not be JSON. Default false.
   */
  local?: boolean;
}

/**
 * Suspends: until another routine calls `fire(event, value)`; returns `value`.
 * @example
 * const message = yield* wait<string>('chat');
 */
export function wait<T = unknown>(event: string): WaitToken<T> {
  return new WaitToken<T>(event);
}

/**
 * Suspends: no. Wakes every routine waiting on `event` with `value` (they run after the
 * firing routine next suspends); returns how many routines **of this process** were
 * woken.
 *
 * With an event bus (`new Application({ events: redisEvents({ url }) })`) the event also
 * goes to every other process on the bus, in the order this process fired; the local
 * waiters are woken at once, without a round trip, and get `value` itself, the others a
 * JSON copy. `value` must then be plain JSON, else `EventNotJson`
 * (`DIESEL_ERR_EVENT_NOT_JSON`) is thrown here and nothing is woken. The count never
 * includes remote waiters: a process cannot know them. `{ local: true }` keeps the
 * event in this process.
 * @example
 * const woken = yield* fire('chat', { from: 'ada', text: 'hello' });
 */
export function fire(event: string, value?: unknown, options?: FireOptions): FireToken {
  return new FireToken(event, value, options?.local === true);
}
