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

/** The codes a {@link UsageError} carries; stable across releases. */
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

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
