/**
 * Every error core throws is a `DieselError` with a stable `code`, so callers can
 * branch on `err.code` instead of parsing messages.
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
 */
export class ConnectionClosed extends DieselError {
  /** Bytes that had arrived but were not consumed when the connection closed. */
  readonly buffered: Uint8Array;
  constructor(reason = 'connection closed by peer', buffered: Uint8Array = new Uint8Array(0), cause?: unknown) {
    super('DIESEL_ERR_CONNECTION_CLOSED', reason, cause === undefined ? undefined : { cause });
    this.buffered = buffered;
  }
}

/** A group (`yield [a, b]` / `first(a, b)`) that breaks a grouping rule. */
export class InvalidGroup extends DieselError {
  constructor(message: string) {
    super('DIESEL_ERR_INVALID_GROUP', message);
  }
}

/** `until(sentinel)` did not find the sentinel within its byte limit. */
export class SentinelNotFound extends DieselError {
  readonly limit: number;
  constructor(sentinel: string, limit: number) {
    super('DIESEL_ERR_SENTINEL_NOT_FOUND', `sentinel ${JSON.stringify(sentinel)} not found within ${limit} bytes`);
    this.limit = limit;
  }
}

/** A token was yielded where it cannot work (e.g. a socket wait with no connection). */
export class InvalidYield extends DieselError {
  constructor(message: string) {
    super('DIESEL_ERR_INVALID_YIELD', message);
  }
}

/** A Service could not listen (address in use, permission denied, ...). */
export class ListenError extends DieselError {
  constructor(address: string, cause: unknown) {
    super('DIESEL_ERR_LISTEN', `cannot listen on ${address}: ${errorMessage(cause)}`, { cause });
  }
}

/** `connect(host, port)` failed (refused, unreachable, timed out). */
export class ConnectError extends DieselError {
  constructor(address: string, cause: unknown) {
    super('DIESEL_ERR_CONNECT', `cannot connect to ${address}: ${errorMessage(cause)}`, { cause });
  }
}

/** The application was halted while this routine was suspended. */
export class Halted extends DieselError {
  constructor() {
    super('DIESEL_ERR_HALTED', 'the application was halted');
  }
}

/**
 * What a cancelled routine sees at its suspension point: `task.cancel()`, a parent that
 * ended, a `timeout` that expired, the loser of a `race`. Let it propagate; `finally`
 * blocks run (and may still yield to clean up).
 */
export class Cancelled extends DieselError {
  constructor(message = 'the routine was cancelled') {
    super('DIESEL_ERR_CANCELLED', message);
  }
}

/** `timeout(seconds, op)` expired; the operation was cancelled. */
export class Timeout extends DieselError {
  readonly seconds: number;
  constructor(seconds: number) {
    super('DIESEL_ERR_TIMEOUT', `the operation did not finish within ${seconds} s`);
    this.seconds = seconds;
  }
}

/** Something that only exists inside a routine (a `Local`'s value) was used outside one. */
export class OutsideRoutine extends DieselError {
  constructor(what: string) {
    super('DIESEL_ERR_OUTSIDE_ROUTINE', `${what} can only be used while a routine runs (inside a generator the hub drives)`);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
