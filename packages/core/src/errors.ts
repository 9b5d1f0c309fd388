/**
 * Every error core throws is a `DieselError` with a stable `code`, so callers can
 * branch on `err.code` instead of parsing messages.
 * @example
 * try { yield* until('\r\n'); } catch (error) {
 *   if (error instanceof DieselError) console.log(error.code);
 * }
 */
export class DieselError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Thrown into a generator that waits on, or writes to, a connection whose peer went
 * away (FIN, reset, or the socket was destroyed). Catch it to clean up; a connection
 * handler that lets it escape simply ends, and that is not logged as an error.
 * @example
 * try { yield* until('\r\n'); } catch (error) {
 *   if (!(error instanceof ConnectionClosed)) throw error; // the client left
 * }
 */
export class ConnectionClosed extends DieselError {
  /** Bytes that had arrived but were not consumed when the connection closed. */
  readonly buffered: Uint8Array;
  constructor(reason = 'connection closed by peer', buffered: Uint8Array = new Uint8Array(0), cause?: unknown) {
    super('DIESEL_ERR_CONNECTION_CLOSED', reason, cause === undefined ? undefined : { cause });
    this.buffered = buffered;
  }
}

/**
 * A group (`yield [a, b]` / `first(a, b)`) that breaks a grouping rule.
 * @example
 * yield* first(until('a'), bytes(2)); // throws InvalidGroup: at most one socket wait
 */
export class InvalidGroup extends DieselError {
  constructor(message: string) {
    super('DIESEL_ERR_INVALID_GROUP', message);
  }
}

/**
 * `until(sentinel)` did not find the sentinel within its byte limit.
 * @example
 * try { yield* until('\r\n', { limit: 1024 }); } catch (error) {
 *   if (error instanceof SentinelNotFound) yield 'line too long\r\n';
 * }
 */
export class SentinelNotFound extends DieselError {
  readonly limit: number;
  constructor(sentinel: string, limit: number) {
    super('DIESEL_ERR_SENTINEL_NOT_FOUND', `sentinel ${JSON.stringify(sentinel)} not found within ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * `bytes(n)` asked for more than the connection's `bytesLimit` (it would buffer all of it).
 * @example
 * try { const body = yield* bytes(contentLength); } catch (error) {
 *   if (error instanceof BytesLimitExceeded) yield 'HTTP/1.1 413 Content Too Large\r\n\r\n';
 *   throw error;
 * }
 */
export class BytesLimitExceeded extends DieselError {
  readonly limit: number;
  readonly requested: number;
  constructor(requested: number, limit: number) {
    super('DIESEL_ERR_BYTES_LIMIT', `bytes(${requested}) asks for more than the limit of ${limit} bytes; read big bodies in pieces (receive(max) or bytes(n) in a loop), or raise bytesLimit`);
    this.limit = limit;
    this.requested = requested;
  }
}

/**
 * A token was yielded where it cannot work (e.g. a socket wait with no connection).
 * @example
 * yield 42; // throws InvalidYield into the generator: 42 is not a token
 */
export class InvalidYield extends DieselError {
  constructor(message: string) {
    super('DIESEL_ERR_INVALID_YIELD', message);
  }
}

/**
 * A Service could not listen (address in use, permission denied, ...).
 * @example
 * await app.start().catch((error: unknown) => {
 *   if (error instanceof ListenError) console.error(error.message); // cannot listen on *:8000: …
 * });
 */
export class ListenError extends DieselError {
  constructor(address: string, cause: unknown) {
    super('DIESEL_ERR_LISTEN', `cannot listen on ${address}: ${errorMessage(cause)}`, { cause });
  }
}

/**
 * `connect(host, port)` failed (refused, unreachable, timed out).
 * @example
 * try { yield* connect('127.0.0.1', 1); } catch (error) {
 *   if (error instanceof ConnectError) console.log(error.message); // cannot connect to 127.0.0.1:1: …
 * }
 */
export class ConnectError extends DieselError {
  constructor(address: string, cause: unknown) {
    super('DIESEL_ERR_CONNECT', `cannot connect to ${address}: ${errorMessage(cause)}`, { cause });
  }
}

/**
 * An API used in a way that cannot work — `start()` on an application that is already
 * running, `addLoop()` given a function instead of a `Loop` — thrown at once, with the
 * fix in the message, instead of failing later somewhere else.
 * @example
 * try { await app.start(); } catch (error) {
 *   if (error instanceof UsageError) console.error(error.code, error.message);
 * }
 */
export class UsageError extends DieselError {
  constructor(code: UsageErrorCode, message: string) {
    super(code, message);
  }
}

/**
 * The codes a {@link UsageError} carries; stable across releases.
 * @example
 * try {
 *   await app.start();
 * } catch (error) {
 *   if (error instanceof UsageError && error.code === 'DIESEL_ERR_ALREADY_RUNNING') console.error('started twice');
 * }
 */
export type UsageErrorCode = 'DIESEL_ERR_ALREADY_RUNNING' | 'DIESEL_ERR_INVALID_ARGUMENT';

/**
 * The application was halted while this routine was suspended.
 * @example
 * try { yield* sleep(60); } catch (error) {
 *   if (error instanceof Halted) console.log('the application is halting');
 *   throw error;
 * }
 */
export class Halted extends DieselError {
  constructor() {
    super('DIESEL_ERR_HALTED', 'the application was halted');
  }
}

/**
 * `put` on a closed `Queue`; also what `get` throws once a closed queue is drained —
 * the end-of-stream signal for its consumers.
 * @example
 * try {
 *   for (;;) yield* handleJob(yield* jobs.get());
 * } catch (error) {
 *   if (!(error instanceof QueueClosed)) throw error; // drained: the producer is done
 * }
 */
export class QueueClosed extends DieselError {
  constructor(message = 'the queue is closed') {
    super('DIESEL_ERR_QUEUE_CLOSED', message);
  }
}

/**
 * `release()` of a `Lock` or `Semaphore` by a routine that does not hold it.
 * @example
 * const lock = new Lock();
 * lock.release(); // throws LockNotHeld: this routine never acquired it
 */
export class LockNotHeld extends DieselError {
  constructor(what: string) {
    super('DIESEL_ERR_LOCK_NOT_HELD', `release() of a ${what} this routine does not hold`);
  }
}

/**
 * A routine tried to acquire a `Lock` it already holds (it would wait for itself forever).
 * @example
 * yield* lock.acquire();
 * yield* lock.acquire(); // throws LockAlreadyHeld: a Lock is not re-entrant
 */
export class LockAlreadyHeld extends DieselError {
  constructor() {
    super('DIESEL_ERR_LOCK_ALREADY_HELD', 'acquire() of a lock this routine already holds (a Lock is not re-entrant)');
  }
}

/**
 * `receive()` on (or `send()` to) a datagram socket that is closed.
 * @example
 * try { const datagram = yield* socket.receive(); } catch (error) {
 *   if (!(error instanceof SocketClosed)) throw error; // closed meanwhile: stop reading
 * }
 */
export class SocketClosed extends DieselError {
  constructor(message = 'the datagram socket is closed') {
    super('DIESEL_ERR_SOCKET_CLOSED', message);
  }
}

/**
 * What a cancelled routine sees at its suspension point: `task.cancel()`, a parent that
 * ended, a `timeout` that expired, the loser of a `race`. Let it propagate; `finally`
 * blocks run (and may still yield to clean up).
 * @example
 * try { yield* sleep(60); } catch (error) {
 *   if (error instanceof Cancelled) console.log('cancelled: cleaning up');
 *   throw error; // let it propagate
 * }
 */
export class Cancelled extends DieselError {
  constructor(message = 'the routine was cancelled') {
    super('DIESEL_ERR_CANCELLED', message);
  }
}

/**
 * `timeout(seconds, op)` expired; the operation was cancelled.
 * @example
 * try { const reply = yield* timeout(5, client.echo('hi')); } catch (error) {
 *   if (error instanceof Timeout) console.warn(`no reply within ${error.seconds} s`);
 *   else throw error;
 * }
 */
export class Timeout extends DieselError {
  readonly seconds: number;
  constructor(seconds: number) {
    super('DIESEL_ERR_TIMEOUT', `the operation did not finish within ${seconds} s`);
    this.seconds = seconds;
  }
}

/**
 * Something that only exists inside a routine (a `Local`'s value) was used outside one.
 * @example
 * const requestId = new Local<string>('-');
 * console.log(requestId.value); // at module top level: throws OutsideRoutine
 */
export class OutsideRoutine extends DieselError {
  constructor(what: string) {
    super('DIESEL_ERR_OUTSIDE_ROUTINE', `${what} can only be used while a routine runs (inside a generator the hub drives)`);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
