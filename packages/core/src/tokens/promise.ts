import type { GroupRole, Operation, TokenContext } from './token.js';

/** Yielding a promise (any thenable) suspends until it settles: its value, or its rejection thrown in. */
export class Awaiting implements Operation<unknown> {
  constructor(readonly promise: PromiseLike<unknown>) {}
  get group(): GroupRole {
    return null;
  }
  start(context: TokenContext<unknown>): void {
    this.promise.then(
      (value) => context.resolve(value),
      (error: unknown) => context.reject(error),
    );
  }
}
