import { InvalidYield } from '../errors.js';
import { requireConnection } from './socket-waits.js';
import type { GroupRole, Operation, Teardown, TokenContext } from './token.js';

/**
 * Yielding an async iterable (an async generator, a Node `Readable`) streams it to the
 * connection with backpressure: each chunk is written, and the next is read only once the
 * connection has taken it. Resolves when the source ends.
 */
export class Producing implements Operation<undefined> {
  constructor(readonly source: AsyncIterable<unknown>) {}
  get group(): GroupRole {
    return null;
  }
  start(context: TokenContext<undefined>): Teardown {
    const connection = requireConnection(context, 'a producer');
    let stopped = false;
    const pump = async (): Promise<void> => {
      for await (const chunk of this.source) {
        if (stopped) return; // halted or cancelled: for-await closes the source
        if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
          throw new InvalidYield(`a producer must give strings or bytes, not ${chunk === null ? 'null' : typeof chunk === 'object' ? (chunk.constructor?.name ?? 'an object') : typeof chunk}`);
        }
        if (!connection.write(chunk)) {
          await new Promise<void>((resolve, reject) => {
            connection.waitDrain({ drained: (error) => (error === null ? resolve() : reject(error)) });
          });
        }
      }
    };
    pump().then(
      () => context.resolve(undefined),
      (error: unknown) => context.reject(error),
    );
    return () => {
      stopped = true;
    };
  }
}
