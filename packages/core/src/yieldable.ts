import type { Token } from './tokens/token.js';

/**
 * What a routine may yield; anything else is a compile error where the routine is handed
 * to `Service`, `Loop`, `spawn`, `run` or an HTTP handler (and an `InvalidYield` at run
 * time for untyped code):
 * - a token (`sleep(1)`, `until('\r\n')`, `spawn(fn)`, a `@call`, …),
 * - a string or bytes, written to the connection,
 * - a group of tokens (`yield [a, b]`),
 * - a nested routine (a generator object),
 * - a promise (awaited), or a producer (an async iterable of strings or bytes),
 * - a `Loop` (started, detached).
 * @example
 * function* handler(): Generator<Yieldable, void, unknown> {
 *   yield 'hello\r\n';          // a write
 *   yield sleep(1);             // a token
 *   yield [wait('tick'), sleep(5)]; // a group
 * }
 */
export type Yieldable =
  | Token<unknown>
  | string
  | Uint8Array
  | readonly Token<unknown>[]
  | NestedRoutine
  | PromiseLike<unknown>
  | AsyncIterable<string | Uint8Array>
  | LoopLike;

/**
 * A generator object yielding only what a routine may yield (the recursive case of `Yieldable`).
 * @example
 * const step: NestedRoutine = handleEcho(remote);
 * yield step; // runs it as a nested frame
 */
export interface NestedRoutine extends Generator<Yieldable, unknown, unknown> {}

/**
 * The shape of a `Loop`, as `Yieldable` sees it (any `Loop<A>`, whatever its arguments).
 * @example
 * const worker: LoopLike = new Loop(poll, url);
 * yield worker; // spawns it, detached
 */
export interface LoopLike {
  readonly name: string;
  readonly keepAlive: boolean;
  /** A fresh routine of the loop's function. */
  create(): Generator<Yieldable, unknown, unknown>;
}
