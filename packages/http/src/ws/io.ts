import { type Connection, CustomToken, type ReceiveToken, type TokenContext, receive } from '@diesel/core';

/**
 * The two socket operations a WebSocket needs, as tokens bound to a given connection
 * rather than to the yielding routine's, so any routine holding the socket can use them:
 * the handler reading, a spawned Loop sending. Both are internal to the ws layer.
 */

/** Largest chunk one read takes from the connection's input buffer. */
const READ_MAX = 256 * 1024;

/**
 * Suspends: until bytes are buffered on `connection` (returns them), `timeoutMs` passes
 * (returns null; no timeout if undefined) or the peer leaves (throws ConnectionClosed).
 * One reader per connection at a time.
 */
export class ReadChunk extends CustomToken<Buffer | null> {
  static readonly #receive: ReceiveToken = receive(READ_MAX);

  constructor(
    readonly connection: Connection,
    readonly timeoutMs?: number,
  ) {
    super();
  }

  start(context: TokenContext<Buffer | null>): (() => void) | void {
    const connection = this.connection;
    const token = ReadChunk.#receive;
    const now = connection.tryRead(token);
    if (typeof now !== 'symbol') {
      context.resolve(now as Buffer);
      return;
    }
    const clock = context.hub.clock;
    let done = false;
    let timer: unknown = null;
    const waiter = {
      readReady(): void {
        if (done) return;
        let value: ReturnType<Connection['tryRead']>;
        try {
          value = connection.tryRead(token);
        } catch (error) {
          finish();
          context.reject(error);
          return;
        }
        if (typeof value === 'symbol') {
          connection.waitReadable(waiter);
          return;
        }
        finish();
        context.resolve(value as Buffer);
      },
    };
    const finish = (): void => {
      done = true;
      if (timer !== null) clock.cancel(timer);
      timer = null;
    };
    connection.waitReadable(waiter);
    if (this.timeoutMs !== undefined) {
      timer = clock.schedule(() => {
        timer = null;
        if (done) return;
        done = true;
        connection.cancelRead();
        context.resolve(null);
      }, this.timeoutMs);
    }
    return () => {
      if (done) return;
      finish();
      connection.cancelRead();
    };
  }
}

/**
 * Suspends: until `connection` has accepted every chunk (backpressure). The chunks are
 * handed to the stream in one synchronous step, so a frame written with one WriteChunks
 * never interleaves with another routine's frame. Throws ConnectionClosed.
 */
export class WriteChunks extends CustomToken<undefined> {
  constructor(
    readonly connection: Connection,
    readonly first: Uint8Array,
    readonly second: Uint8Array | null = null,
  ) {
    super();
  }

  start(context: TokenContext<undefined>): void {
    const connection = this.connection;
    let accepted: boolean;
    try {
      accepted = connection.write(this.first);
      if (this.second !== null && this.second.length > 0) accepted = connection.write(this.second);
    } catch (error) {
      context.reject(error);
      return;
    }
    if (accepted) {
      context.resolve(undefined);
      return;
    }
    try {
      connection.waitDrain({ drained: (error) => (error === null ? context.resolve(undefined) : context.reject(error)) });
    } catch (error) {
      context.reject(error);
    }
  }
}
