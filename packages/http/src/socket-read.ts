import { type Connection, CustomToken, type ReceiveToken, type TokenContext, type UntilToken } from '@diesel/core';

/**
 * @internal A socket read on a given connection that is its own read waiter, so a read
 * that has to wait allocates nothing more, and that a timer of its subclass's can end
 * (`expire`). The WebSocket's chunk reads and a request body's reads share it; what
 * differs is the read they make, when their timer is armed and whether it outlives a read.
 *
 * One read at a time, like the connection's own reader; the token may be yielded again
 * once it resolved (never while it is pending).
 */
export abstract class SocketRead<T> extends CustomToken<T> {
  #context: TokenContext<T> | null = null;

  constructor(readonly connection: Connection) {
    super();
  }

  /** The read to make now (a `receive`, or a chunk line's `until`). */
  protected abstract nextRead(): ReceiveToken | UntilToken;
  /** The read had to wait: arm the timer if it is not. */
  protected abstract waiting(context: TokenContext<T>): void;
  /** The read ended, however: a timer that lives for one read goes. */
  protected abstract settled(): void;

  start(context: TokenContext<T>): (() => void) | void {
    // A SentinelNotFound or ConnectionClosed from the read is thrown at the yield.
    const now = this.connection.tryRead(this.nextRead());
    if (typeof now !== 'symbol') {
      context.resolve(now as T);
      return;
    }
    this.#context = context;
    this.connection.waitReadable(this);
    this.waiting(context);
    return () => this.#cancel();
  }

  /** @internal ReadWaiter: bytes arrived, or the peer left. */
  readReady(): void {
    const context = this.#context;
    if (context === null) return;
    let value: ReturnType<Connection['tryRead']>;
    try {
      value = this.connection.tryRead(this.nextRead());
    } catch (error) {
      this.#end();
      context.reject(error);
      return;
    }
    if (typeof value === 'symbol') {
      this.connection.waitReadable(this);
      return;
    }
    this.#end();
    context.resolve(value as T);
  }

  /** The subclass's timer fired: the read waiting (if one is) resolves with `value`. */
  protected expire(value: T): void {
    const context = this.#context;
    if (context === null) return;
    this.#end();
    this.connection.cancelRead();
    context.resolve(value);
  }

  #cancel(): void {
    if (this.#context === null) return;
    this.#end();
    this.connection.cancelRead();
  }

  #end(): void {
    this.#context = null;
    this.settled();
  }
}
