import type { Clock, Connection, ReceiveToken, UntilToken } from '@diesel/core';
import { SocketRead } from './socket-read.js';

/**
 * @internal A socket read of a request body bounded by the request's deadline, with one
 * timer for every read of the request instead of a `first(read, sleep)` group per read.
 *
 * A streamed upload waits for the socket on nearly every read (the handler takes each
 * chunk as it comes), and the group's sleep put a timer into Node's timer lists for
 * every one — a fresh list each time, since the time left differs on every read. Here
 * the timer is armed on the first read that has to wait and stays for the request; it
 * resolves the read waiting when it fires with `undefined`, which the caller turns into
 * 408. A read that finds its bytes buffered never touches it.
 *
 * One per connection, reused by each request (`begin`) and by each read (`read`): one
 * read at a time, like the connection's own reader. `end` clears the timer: the body
 * is done, or the connection is.
 */
export class BodyWait extends SocketRead<Buffer | string | undefined> {
  readonly #clock: Clock;
  #deadline = 0;
  #wait: ReceiveToken | UntilToken | null = null;
  #timer: unknown = null;

  constructor(connection: Connection, clock: Clock) {
    super(connection);
    this.#clock = clock;
  }

  /** A new request: its deadline (clock ms); a timer left from the last one goes. */
  begin(deadline: number): void {
    this.end();
    this.#deadline = deadline;
  }

  /** This token, set to read `wait` next (yield it at once). */
  read(wait: ReceiveToken | UntilToken): this {
    this.#wait = wait;
    return this;
  }

  /** No more reads for this request: the timer, if armed, is cleared. */
  end(): void {
    if (this.#timer !== null) {
      this.#clock.cancel(this.#timer);
      this.#timer = null;
    }
  }

  protected nextRead(): ReceiveToken | UntilToken {
    return this.#wait!;
  }

  protected waiting(): void {
    if (this.#timer === null) this.#timer = this.#clock.schedule(() => this.#expired(), Math.max(1, this.#deadline - this.#clock.now()));
  }

  /** The timer stays for the request's later reads. */
  protected settled(): void {}

  #expired(): void {
    this.#timer = null;
    // No read waiting: the next one sees the deadline passed before it reads.
    this.expire(undefined);
  }
}
