import type { Connection } from '../connection.js';
import type { GroupRole, Operation, TokenContext } from './token.js';

/**
 * A write the connection could not take at once: suspends the writer until the stream
 * drains, or throws `ConnectionClosed` into it if the peer goes away first.
 *
 * The write itself is not an operation: yielding a string or bytes is interpreted by the
 * runner directly, because it coalesces several writes of one step (cork/uncork) and a
 * write that is accepted at once never suspends — one `Operation` per reply would cost
 * an object and a call on every round trip for nothing.
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
