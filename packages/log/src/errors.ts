import { DieselError } from '@diesel/core';

/**
 * Every error `@diesel/log` throws is a `LogError` with a stable `code`, so callers can
 * branch on `err.code` instead of parsing messages. Logging itself never throws: these
 * are raised only by configuration mistakes (a bad level, an output without `write`).
 * @example
 * try {
 *   new Logger({ verbosity: 'loud' as LevelName });
 * } catch (error) {
 *   if (error instanceof LogError && error.code === 'DIESEL_ERR_LOG_INVALID_LEVEL') console.error(error.message);
 * }
 */
export class LogError extends DieselError {
  constructor(code: `DIESEL_ERR_LOG_${string}`, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A level that is neither one of the `LOGLVL_*` numbers nor one of their names.
 * Code: `DIESEL_ERR_LOG_INVALID_LEVEL`.
 * @example
 * expect(() => toLevel(7)).toThrow(InvalidLevel);
 */
export class InvalidLevel extends LogError {
  constructor(value: unknown) {
    super(
      'DIESEL_ERR_LOG_INVALID_LEVEL',
      `not a log level: ${typeof value === 'string' ? JSON.stringify(value) : String(value)} ` +
        '(use LOGLVL_DEBUG, LOGLVL_INFO, LOGLVL_WARN, LOGLVL_ERR, LOGLVL_CRITICAL or debug|info|warn|error|critical)',
    );
  }
}

/**
 * An output that has neither `write(string)` nor `writeRecord(record)`, or a target for
 * `fromObjectLogger` without a method for some level. Code: `DIESEL_ERR_LOG_INVALID_OUTPUT`.
 * @example
 * expect(() => new Logger({ outputs: [{}] as never })).toThrow(InvalidOutput);
 */
export class InvalidOutput extends LogError {
  constructor(message: string) {
    super('DIESEL_ERR_LOG_INVALID_OUTPUT', message);
  }
}

/**
 * Reported (through `onOutputError`, never thrown) when a stream output has more than
 * `maxPendingBytes` waiting to be written: the logger drops lines for that output until
 * it catches up, instead of growing memory without bound.
 * Code: `DIESEL_ERR_LOG_OUTPUT_BEHIND`.
 * @example
 * new Logger({ onOutputError: (error) => { if (error instanceof OutputBehind) alert(error.message); } });
 */
export class OutputBehind extends LogError {
  /** The limit that was passed. */
  readonly limit: number;
  constructor(pending: number, limit: number) {
    super('DIESEL_ERR_LOG_OUTPUT_BEHIND', `output has ${pending} bytes pending (more than maxPendingBytes = ${limit}); dropping lines until it catches up`);
    this.limit = limit;
  }
}

/**
 * A sub-logger name that is empty or holds characters that would break the
 * `{name:level}` tag (`{`, `}`, `:`, line breaks). Code: `DIESEL_ERR_LOG_INVALID_NAME`.
 * @example
 * expect(() => log.getSublogger('a:b')).toThrow(InvalidName);
 */
export class InvalidName extends LogError {
  constructor(name: unknown) {
    super(
      'DIESEL_ERR_LOG_INVALID_NAME',
      `not a sub-logger name: ${JSON.stringify(name)} (a non-empty string without '{', '}', ':' or line breaks)`,
    );
  }
}

/** @internal `WriteStream`, `object`, `null`…: for messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
