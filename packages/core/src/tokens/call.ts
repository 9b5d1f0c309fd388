import type { Connection } from '../connection.js';
import { InvalidYield } from '../errors.js';
import type { Routine, Runner } from '../runner.js';
import { type Teardown, type TokenContext, Token, TokenKind } from './token.js';

/**
 * Something a `@call` runs against: it owns a connection and admits one call at a time,
 * so two routines sharing a client take turns instead of interleaving bytes. `Client`
 * is the one to use; implement this only for a connection owner of your own.
 * @example
 * const target: CallTarget = {
 *   connection,
 *   acquire: () => true,  // one caller at a time is up to you here
 *   release: () => {},
 * };
 */
export interface CallTarget {
  readonly connection: Connection | null;
  /** True if the runner may go now; otherwise the target calls `runner.callAdmitted()` later. */
  acquire(runner: Runner): boolean;
  /** The runner's call has ended (returned, thrown or unwound): the next queued call may go. */
  release(runner: Runner): void;
  /**
   * Pipelined targets only: asked before each socket wait inside the call. True if the
   * runner may read now (its reply is next); otherwise the target calls
   * `runner.readAdmitted()` when it is. A target without it is not pipelined.
   */
  admitRead?(runner: Runner): boolean;
  /** Pipelined targets only: the call wrote to the connection (a reply is now owed to it). */
  wrote?(runner: Runner): void;
}

/**
 * Runs `routine` as a nested frame of the yielding routine, on the target's connection,
 * once the target admits it. The frame's end (return, throw or unwinding) releases the
 * target. Calling a `@call` method returns one.
 * @example
 * const token = client.echo('hi'); // a CallToken<string>: nothing sent yet
 * const reply = yield* token;       // waits its turn, runs the method, gives its result
 */
export class CallToken<T> extends Token<T> {
  readonly kind = TokenKind.Call;
  constructor(
    readonly target: CallTarget,
    readonly routine: Routine<T>,
    readonly name: string,
  ) {
    super();
  }
  start(context: TokenContext<T>): Teardown | void {
    const { runner } = context;
    const { target, routine } = this;
    if (target.acquire(runner)) {
      // The frame's first next() ignores what it is sent, so resolving goes straight into it.
      runner.enter(routine, target.connection, target);
      context.resolve(undefined as T);
      return;
    }
    let admitted = false;
    runner.awaitAdmission(() => {
      admitted = true;
      runner.enter(routine, target.connection, target);
      context.resolve(undefined as T);
    });
    return () => {
      if (admitted) return;
      runner.awaitAdmission(null);
      target.release(runner);
    };
  }
}

/**
 * The token `response()` returns: yielded inside a `@call` method, it ends the call.
 * @example
 * const token: ResponseToken<string> = response('ok');
 * yield token; // the caller's `yield* client.method()` gets 'ok'
 */
export class ResponseToken<T> extends Token<never> {
  readonly kind = TokenKind.Response;
  constructor(readonly value: T) {
    super();
  }
  start(context: TokenContext<never>): void {
    if (!context.runner.respond()) throw new InvalidYield('response() can only be yielded inside a @call method');
    // Unwound to the caller's frame: the value is what its `yield* client.method()` gets.
    context.resolve(this.value as never);
  }
}

/**
 * Inside a `@call` method: ends the call and resumes the caller with `value`
 * (the same as `return value`).
 * @example
 * yield response(line);
 */
export function response<T>(value: T): ResponseToken<T> {
  return new ResponseToken(value);
}
