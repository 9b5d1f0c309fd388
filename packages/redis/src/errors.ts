import { DieselError } from '@diesel/core';

/**
 * Every error `@diesel/redis` raises itself is a `RedisClientError` with a stable `code`
 * (`DIESEL_ERR_REDIS_*`), so callers branch on `err.code` rather than on messages. A
 * lost connection is core's `ConnectionClosed`; an error *reply* from the server is
 * {@link RedisError}.
 * @example
 * try {
 *   parser.feed(bytes);
 *   parser.read();
 * } catch (error) {
 *   if (error instanceof RedisClientError && error.code === 'DIESEL_ERR_REDIS_BULK_TOO_LARGE') console.error(error.message);
 * }
 */
export class RedisClientError extends DieselError {
  constructor(code: `DIESEL_ERR_REDIS_${string}`, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Malformed RESP bytes: an unknown type byte, a bad length or number, a missing CRLF.
 * The connection they came on cannot be trusted afterwards and is closed.
 * Code: `DIESEL_ERR_REDIS_PROTOCOL`.
 * @example
 * expect(() => { parser.feed(Buffer.from('?x\r\n')); parser.read(); }).toThrow(RespProtocolError);
 */
export class RespProtocolError extends RedisClientError {
  constructor(message: string) {
    super('DIESEL_ERR_REDIS_PROTOCOL', message);
  }
}

/**
 * A reply announced a size past one of the parser's limits (`maxBulkSize`,
 * `maxArrayLength`, `maxInlineLength`, `maxDepth`). Raised on the length prefix, before
 * anything is allocated. Codes: `DIESEL_ERR_REDIS_BULK_TOO_LARGE`,
 * `DIESEL_ERR_REDIS_ARRAY_TOO_LONG`, `DIESEL_ERR_REDIS_LINE_TOO_LONG`,
 * `DIESEL_ERR_REDIS_TOO_DEEP`.
 * @example
 * const parser = new RespParser({ maxBulkSize: 1024 });
 * parser.feed(Buffer.from('$4096\r\n'));
 * expect(() => parser.read()).toThrow(RespLimitError);
 */
export class RespLimitError extends RedisClientError {
  /** The limit that was exceeded. */
  readonly limit: number;
  constructor(
    code: 'DIESEL_ERR_REDIS_BULK_TOO_LARGE' | 'DIESEL_ERR_REDIS_ARRAY_TOO_LONG' | 'DIESEL_ERR_REDIS_LINE_TOO_LONG' | 'DIESEL_ERR_REDIS_TOO_DEEP',
    message: string,
    limit: number,
  ) {
    super(code, message);
    this.limit = limit;
  }
}

/**
 * An error reply from the server (`-ERR unknown command`, `-WRONGTYPE …`, a RESP3 blob
 * error). It is thrown into the routine that made that call only; the connection and
 * every other call on it carry on. `prefix` is the first word (`ERR`, `WRONGTYPE`,
 * `NOAUTH`, …), `message` the server's whole text. Code: `DIESEL_ERR_REDIS_SERVER`.
 * @example
 * try {
 *   yield* redis.incr('not-a-number');
 * } catch (error) {
 *   if (error instanceof RedisError) console.log(error.prefix, error.message);
 * }
 */
export class RedisError extends RedisClientError {
  /** The error's first word, as Redis uses it for a kind: `ERR`, `WRONGTYPE`, `NOAUTH`, … */
  readonly prefix: string;
  constructor(text: string) {
    super('DIESEL_ERR_REDIS_SERVER', text);
    const space = text.indexOf(' ');
    this.prefix = space === -1 ? text : text.slice(0, space);
  }
}

/**
 * A command argument that cannot be sent (not a string, bytes, number or bigint).
 * Code: `DIESEL_ERR_REDIS_ARGUMENT`.
 * @example
 * expect(() => encodeCommand(['SET', 'k', undefined as never])).toThrow(RedisArgumentError);
 */
export class RedisArgumentError extends RedisClientError {
  constructor(message: string) {
    super('DIESEL_ERR_REDIS_ARGUMENT', message);
  }
}
