import { type Connection, CustomToken, NOT_NOW, type ReceiveToken, type TokenContext, receive } from '@diesel/core';
import { SocketRead } from '../socket-read.js';

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
 * One reader per connection at a time. The token is its own read waiter, so a read
 * that has to wait allocates nothing more, and it may be yielded again once it resolved
 * (never while it is pending).
 */
export class ReadChunk extends SocketRead<Buffer | null> {
  static readonly #receive: ReceiveToken = receive(READ_MAX);
  #timer: unknown = null;
  #clock: TokenContext<Buffer | null>['hub']['clock'] | null = null;

  constructor(
    connection: Connection,
    readonly timeoutMs?: number,
  ) {
    super(connection);
  }

  protected nextRead(): ReceiveToken {
    return ReadChunk.#receive;
  }

  protected waiting(context: TokenContext<Buffer | null>): void {
    if (this.timeoutMs === undefined) return;
    const clock = context.hub.clock;
    this.#clock = clock;
    this.#timer = clock.schedule(() => {
      this.#timer = null;
      this.expire(null);
    }, this.timeoutMs);
  }

  /** The timer is this read's alone. */
  protected settled(): void {
    if (this.#timer !== null) this.#clock?.cancel(this.#timer);
    this.#timer = null;
  }
}

/**
 * Suspends: until `connection` has accepted every chunk (backpressure). The chunks are
 * handed to the stream in one synchronous step, so a frame written with one WriteChunks
 * never interleaves with another routine's frame. Throws ConnectionClosed.
 *
 * A write the stream accepts at once (nearly every small frame) completes in `attempt`,
 * inside the routine's `yield*`: no suspension record and no trip through the runner,
 * which was a measurable share of a 1 KiB echo's JavaScript time.
 */
export class WriteChunks extends CustomToken<undefined> {
  /** True once the chunks went to the stream and only the drain is left to wait for. */
  #written = false;

  constructor(
    readonly connection: Connection,
    readonly first: Uint8Array,
    readonly second: Uint8Array | null = null,
  ) {
    super();
  }

  override attempt(): undefined | typeof NOT_NOW {
    // Throws ConnectionClosed at the `yield*`, as `start` would through reject.
    if (this.#write()) return undefined;
    // Written but over the high-water mark: `start`, which the runner calls next, waits
    // for the drain without writing again.
    this.#written = true;
    return NOT_NOW;
  }

  start(context: TokenContext<undefined>): void {
    if (!this.#written) {
      let accepted: boolean;
      try {
        accepted = this.#write();
      } catch (error) {
        context.reject(error);
        return;
      }
      if (accepted) {
        context.resolve(undefined);
        return;
      }
    }
    try {
      this.connection.waitDrain({ drained: (error) => (error === null ? context.resolve(undefined) : context.reject(error)) });
    } catch (error) {
      context.reject(error);
    }
  }

  /** Hands the chunks to the stream; true if it took them without passing its high-water mark. */
  #write(): boolean {
    const connection = this.connection;
    const second = this.second;
    if (second === null || second.length === 0) return connection.write(this.first);
    // A big frame's header and payload: corked, they leave in one writev, so the
    // header is not sent as a tiny segment of its own (noDelay is on).
    connection.cork();
    try {
      connection.write(this.first);
      return connection.write(second);
    } finally {
      connection.uncork();
    }
  }
}

/**
 * @internal Waits for `promise`, then runs the token `then` makes of its value (a write):
 * a send whose frame is built off the hub (compressed on zlib's thread pool).
 */
export class AfterPromise<T> extends CustomToken<undefined> {
  constructor(
    readonly promise: Promise<T>,
    readonly then: (value: T) => CustomToken<undefined>,
  ) {
    super();
  }

  start(context: TokenContext<undefined>): void {
    this.promise.then(
      (value) => {
        let next: CustomToken<undefined>;
        try {
          next = this.then(value);
        } catch (error) {
          context.reject(error);
          return;
        }
        next.start(context);
      },
      (error: unknown) => context.reject(error),
    );
  }
}
