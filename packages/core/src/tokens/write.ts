import type { Connection } from '../connection.js';
import type { GroupRole, Operation, TokenContext } from './token.js';

/**
 * A write the connection could not take at once: suspends the writer until the stream
 * drains, or throws `ConnectionClosed` into it if the peer goes away first.
 *
 * The write itself is not an operation: yielding a string or bytes is interpreted by the
 * runner directly, because coalescing the writes of one step (cork/uncork, which made
 * pipelining 3.8× raw Node in bench 2) is state of the runner's step, and a write the
 * socket accepts at once never suspends. Only a write that must wait goes through the
 * interface, as this operation. (Not measured the other way round: writes were never
 * behind the interface, so there is no figure for what it would cost.)
 */
export class Draining implements Operation<undefined> {
  constructor(readonly connection: Connection) {}
  get group(): GroupRole {
    return null;
  }
  start(context: TokenContext<undefined>): void {
    this.connection.waitDrain({
      drained: (error) => {
        if (error === null) context.resolve(undefined);
        else context.reject(error);
      },
    });
  }
}
