/**
 * The token interface. A token is an instruction a routine yields to the hub; every
 * suspending kind implements one small contract — `start(context)` begins the operation
 * against the running routine, calls `context.resolve` or `context.reject` exactly once
 * (at once or later), and may return its teardown — so each kind lives in its own file
 * and the runner only interprets generator frames (effection's `action` is the model).
 *
 * Each token is also iterable — its iterator yields the token itself once and returns
 * what the hub sends back — so `yield token` (untyped, diesel style) and `yield* token`
 * (typed) both work.
 */
import type { Connection } from '../connection.js';
import type { Hub } from '../hub.js';
import type { Runner } from '../runner.js';

/**
 * The brand the hub recognises tokens by. A registered symbol rather than `instanceof`,
 * so a token made by another loaded copy of core is still run, not rejected.
 */
export const TOKEN: unique symbol = Symbol.for('diesel.token') as never;

/** Discriminant of the socket waits, which the connection's read path switches on. */
export enum TokenKind {
  Sleep,
  Until,
  Bytes,
  Receive,
  Wait,
  Fire,
  First,
  Response,
  Call,
  Custom,
}

/**
 * What a token may be in a group (`yield [a, b]`, `first(a, b)`): not at all (`null`),
 * the group's one socket wait, its one sleep, or one of any number of waits (events,
 * queue gets, signals, datagram receives).
 * @example
 * class Ding extends CustomToken<string> {
 *   override get group(): GroupRole { return 'wait'; } // may sit in a group beside a sleep
 *   start(context: TokenContext<string>) { return bell.onRing(() => context.resolve('ding')); }
 * }
 */
export type GroupRole = 'socket' | 'sleep' | 'wait' | null;

/**
 * Undoes a started operation; called once when the suspension ends, however it ends:
 * a function, or an object with `cancel` (one object can then be both the pending
 * operation and its teardown).
 * @example
 * class Second extends CustomToken<true> {
 *   start(context: TokenContext<true>): Teardown {
 *     const timer = setTimeout(() => context.resolve(true), 1000);
 *     return () => clearTimeout(timer);
 *   }
 * }
 */
export type Teardown =
  | (() => void)
  | {
      /** Undoes the operation (a timer handle's `cancel`, say). */
      cancel(): void;
    };

/**
 * What a token sees while it runs. Call exactly one of `resolve`/`reject`, synchronously
 * inside `start` or later; calls after the first, or after the routine moved on, are ignored.
 * @example
 * class ReadText extends CustomToken<string> {
 *   constructor(readonly path: string) { super(); }
 *   start(context: TokenContext<string>) {
 *     readFile(this.path, 'utf8').then((text) => context.resolve(text), (error: unknown) => context.reject(error));
 *   }
 * }
 * const config = yield* new ReadText('config.json');
 */
export interface TokenContext<T> {
  readonly hub: Hub;
  /** The routine that yielded the token. */
  readonly runner: Runner;
  /** The connection the yielding frame works on, if any. */
  readonly connection: Connection | null;
  /** True once resolved, rejected or torn down: a late event should be passed on, not consumed. */
  readonly settled: boolean;
  /** Resumes the routine with `value` as the token's result. */
  resolve(value: T): void;
  /** Throws `error` into the routine where it yielded the token. */
  reject(error: unknown): void;
}

/**
 * What `attempt` returns when the operation cannot complete now. Registered, so a token
 * from another loaded copy of core is understood too.
 * @example
 * class TakeOne extends CustomToken<Job> {
 *   override attempt() { return jobs.length > 0 ? jobs.shift()! : NOT_NOW; }
 *   start(context: TokenContext<Job>) { waiting.push(context); }
 * }
 */
export const NOT_NOW: unique symbol = Symbol.for('diesel.notNow') as never;

/**
 * @internal The token whose `attempt` a `yield*` has just tried and found `NOT_NOW`: the
 * runner, handed it next, goes straight to `start` instead of asking again.
 */
export const refused: { token: object | null } = { token: null };

/**
 * @internal Whether a token may complete inside its `yield*` now: the runner installs
 * its check here when it loads (this module cannot import the runner, which imports it).
 */
export const fastPath: { allowed: () => boolean } = { allowed: () => false };

/**
 * Anything the runner can start: a token, or one of core's internal operations (a
 * promise, a producer). Every `Token` is one; write a `CustomToken` rather than
 * implementing this yourself.
 * @example
 * const op: Operation<string> = until('\r\n');
 * console.log(op.group); // 'socket': groupable as the group's one socket wait
 */
export interface Operation<T> {
  /** True if this operation may be a member of a group, and in which role. */
  readonly group: GroupRole;
  /** Begins the operation; settles `context` now or later, and may return how to undo it. */
  start(context: TokenContext<T>): Teardown | void;
  /**
   * Optional fast path, tried before `start` when the token is yielded alone: completes
   * the operation now and returns its result (or throws its error), or returns `NOT_NOW`
   * having changed nothing. It saves the suspension record a `start` that settles at once
   * would cost — a queue's `get` on a non-empty queue, its `put` with room.
   */
  attempt?(): T | typeof NOT_NOW;
}

/**
 * The base of every token. Subclasses implement `start`; `group` says whether and how
 * the token may be grouped (default: not at all). Core's own tokens extend it; tokens
 * built elsewhere extend `CustomToken`. Either way `yield token` and `yield* token` work.
 * @example
 * const token: Token<string> = until('\r\n');
 * const line = yield* token; // typed: string
 */
export abstract class Token<T> implements Operation<T> {
  declare readonly __result?: T;
  declare readonly [TOKEN]: true;
  /** Kept for the socket waits' read path and for tokens built by older code; not used to dispatch. */
  abstract readonly kind: TokenKind;
  get group(): GroupRole {
    return null;
  }
  /**
   * Called by the runner when a routine yields the token: begins the operation, settles
   * `context` (now or later) and may return a `Teardown` that cancels it.
   */
  abstract start(context: TokenContext<T>): Teardown | void;
  /** See `Operation.attempt`; most tokens have none. */
  attempt?(): T | typeof NOT_NOW;
  /** Makes the token `yield*`-able: `const value = yield* token` gives its result, typed. */
  [Symbol.iterator](): Iterator<this, T, unknown> {
    return new TokenIterator<this, T>(this);
  }
}
// On the prototype, so a token costs no extra field.
Object.defineProperty(Token.prototype, TOKEN, { value: true });

/**
 * True for a token from any loaded copy of core.
 * @example
 * if (isToken(op)) console.log('a token, not a routine');
 */
export function isToken(value: object): value is Token<unknown> {
  // `instanceof` first: a walk up the prototype chain whatever the token's class, where
  // the brand's keyed load goes megamorphic once an app has a handful of token classes.
  // The brand still answers for a token from another loaded copy of core.
  return value instanceof Token || (value as { [TOKEN]?: unknown })[TOKEN] === true;
}

/**
 * The base for tokens built outside core (STARTTLS, a client's connect). `start` begins
 * the operation and may return a function that cancels it (called when the suspension
 * ends: on resume, on halt, or when the routine is cancelled).
 * @example
 * class Later extends CustomToken<string> {
 *   start(context: TokenContext<string>) {
 *     const timer = setTimeout(() => context.resolve('done'), 100);
 *     return () => clearTimeout(timer); // cancelled, halted, or lost a race
 *   }
 * }
 * const result = yield* new Later(); // 'done'
 */
export abstract class CustomToken<T> extends Token<T> {
  declare readonly kind: TokenKind.Custom;
}
// On the prototype: a token made per call (a queue's put) then costs one field less.
Object.defineProperty(CustomToken.prototype, 'kind', { value: TokenKind.Custom });

/**
 * What `yield* token` walks: yields the token once, then returns what the hub sent back.
 * A small class rather than a generator, because one is made for every `yield*` and a
 * generator object costs several times as much to create.
 */
export class TokenIterator<K extends Operation<T>, T> implements Iterator<K, T, unknown> {
  #token: K | null;
  // The iterator is also the result its `next` returns: a `yield*` reads `done` and
  // `value` at once and hands a not-done result to the runner as it is, which reads it
  // at once too, so one object per `yield*` serves every step of it.
  done = false;
  value: K | T;
  constructor(token: K) {
    this.#token = token;
    this.value = token;
  }
  next(value?: unknown): IteratorResult<K, T> {
    const token = this.#token;
    if (token !== null) {
      this.#token = null;
      // The fast path of `attempt`, taken here rather than in the runner: an operation
      // that completes now (a get from a non-empty queue) then costs no trip out of the
      // generator and back — `yield*` ends without yielding. Only inside a routine's
      // step, so it is the runner's routine that completes it, as `attempt` would.
      if (token.attempt !== undefined && fastPath.allowed()) {
        const now = token.attempt();
        if (now !== NOT_NOW) return this.#finish(now);
        refused.token = token;
      }
      return this as IteratorResult<K, T>;
    }
    return this.#finish(value as T);
  }
  #finish(value: T): IteratorResult<K, T> {
    this.done = true;
    this.value = value;
    return this as IteratorResult<K, T>;
  }
  return(value: T): IteratorResult<K, T> {
    this.#token = null;
    return { value: value as T, done: true };
  }
  /** An error the hub throws in surfaces at the `yield*`, as it would from a generator. */
  throw(error?: unknown): IteratorResult<K, T> {
    this.#token = null;
    throw error;
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/** Runs a teardown, whichever form it has. */
export function tearDown(teardown: Teardown): void {
  if (typeof teardown === 'function') teardown();
  else teardown.cancel();
}
