import { NOT_READY, type Connection, type ReadWaiter } from '../connection.js';
import { InvalidYield } from '../errors.js';
import { type GroupRole, type TokenContext, Token, TokenKind } from './token.js';

/**
 * Text in, text out; the only encodings socket waits understand (`encoding` of `until`).
 * @example
 * const encoding: TextEncodingName = 'latin1'; // every byte one character, none rejected
 * const head = yield* until('\r\n\r\n', { encoding });
 */
export type TextEncodingName = 'utf8' | 'latin1' | 'ascii';

/**
 * The second argument of `until()` and `untilEol()`; all optional.
 * @example
 * const command = yield* until('\r\n', { limit: 512, encoding: 'latin1' });
 */
export interface UntilOptions {
  /** Most bytes to buffer while looking for the sentinel (default: the connection's `untilLimit`, 64 KiB). */
  limit?: number;
  /** How to decode the result (default `utf8`). */
  encoding?: TextEncodingName;
  /**
   * A second sentinel: the wait also ends just past its first occurrence when that comes
   * before the sentinel's. HTTP waits for `\r\n\r\n` or `\n\n`, so a head with bare LF
   * line endings is seen (and refused) at once rather than waited on until a timeout.
   */
  alternative?: string;
}

/** The connection a socket wait acts on, or the clear error when the routine has none. */
export function requireConnection(context: TokenContext<unknown>, what: string): Connection {
  const connection = context.connection;
  if (connection === null) throw new InvalidYield(`${what} needs a connection, and this routine has none (is it a Loop rather than a Service handler or a @call?)`);
  return connection;
}

/** The base of `until`, `bytes` and `receive`: take from the input buffer, or wait until the bytes are there. */
abstract class SocketWaitToken<T extends string | Buffer> extends Token<T> {
  override get group(): GroupRole {
    return 'socket';
  }
  /** @internal The hub calls it: take the bytes, or wait for them. */
  start(context: TokenContext<T>): Reading | ReadGate | void {
    const connection = requireConnection(context, 'a socket wait');
    const target = context.runner.readGate();
    if (target !== null && !target.admitRead!(context.runner)) {
      // A pipelined call reads only when its reply is next; until then it stays off the
      // connection (whose one reader is the call ahead of it). In a group the other
      // members (a sleep, say) run meanwhile, so a timeout covers the wait for the turn.
      return new ReadGate(this as unknown as SocketWaitToken<string | Buffer>, context as TokenContext<unknown>);
    }
    const value = connection.tryRead(this as unknown as UntilToken | BytesToken | ReceiveToken);
    if (value !== NOT_READY) {
      context.resolve(value as T);
      return;
    }
    const reading = new Reading(connection, this as unknown as UntilToken | BytesToken | ReceiveToken, context as TokenContext<unknown>);
    connection.waitReadable(reading);
    return reading;
  }
}

/** A socket wait held back until its pipelined call's turn to read comes; its own teardown. */
class ReadGate {
  #inner: Reading | ReadGate | void = undefined;
  constructor(
    readonly token: SocketWaitToken<string | Buffer>,
    readonly context: TokenContext<unknown>,
  ) {
    context.runner.awaitReadTurn(() => this.#admitted());
  }
  #admitted(): void {
    if (this.context.settled) return;
    try {
      // Through the gate again: it records that this call has started on its reply.
      this.#inner = this.token.start(this.context as TokenContext<string | Buffer>);
    } catch (error) {
      this.context.reject(error);
    }
  }
  cancel(): void {
    this.context.runner.awaitReadTurn(null);
    this.#inner?.cancel();
  }
}

/** A socket wait that is waiting: told by the connection when bytes arrive, and its own teardown. */
class Reading implements ReadWaiter {
  constructor(
    readonly connection: Connection,
    readonly token: UntilToken | BytesToken | ReceiveToken,
    readonly context: TokenContext<unknown>,
  ) {}
  readReady(): void {
    if (this.context.settled) return;
    let value: string | Buffer | typeof NOT_READY;
    try {
      value = this.connection.tryRead(this.token);
    } catch (error) {
      this.context.reject(error);
      return;
    }
    if (value === NOT_READY) this.connection.waitReadable(this);
    else this.context.resolve(value);
  }
  cancel(): void {
    this.connection.cancelRead();
  }
}

const NO_OPTIONS: UntilOptions = Object.freeze({});
const SENTINELS = new Map<string, Buffer>();
/** Encoded sentinels, cached: a line protocol asks for the same '\r\n' on every read. */
function sentinelBytes(text: string): Buffer {
  let bytes = SENTINELS.get(text);
  if (bytes === undefined) {
    bytes = Buffer.from(text);
    if (SENTINELS.size < 256) SENTINELS.set(text, bytes);
  }
  return bytes;
}

/**
 * The token `until()` returns. Suspends the routine that yields it until the sentinel
 * has arrived (see `until`).
 * @example
 * const token: UntilToken = until('\r\n');
 * const line = yield* token;
 */
export class UntilToken extends SocketWaitToken<string> {
  readonly kind = TokenKind.Until;
  readonly sentinel: Buffer;
  readonly text: string;
  /** The encoded `options.alternative`, or null. */
  readonly alternative: Buffer | null;
  constructor(sentinel: string | Uint8Array, readonly options: UntilOptions = NO_OPTIONS) {
    super();
    this.sentinel = typeof sentinel === 'string' ? sentinelBytes(sentinel) : Buffer.from(sentinel);
    this.text = typeof sentinel === 'string' ? sentinel : this.sentinel.toString('latin1');
    if (this.sentinel.length === 0) throw new RangeError('until(): the sentinel must not be empty');
    const alternative = options.alternative;
    if (alternative !== undefined && alternative.length === 0) throw new RangeError('until(): the alternative sentinel must not be empty');
    this.alternative = alternative === undefined ? null : sentinelBytes(alternative);
  }
}

/**
 * The token `bytes()` returns. Suspends the routine that yields it until `count` bytes
 * are buffered (see `bytes`).
 * @example
 * const token: BytesToken = bytes(4);
 * const header = yield* token; // a Buffer of 4 bytes
 */
export class BytesToken extends SocketWaitToken<Buffer> {
  readonly kind = TokenKind.Bytes;
  constructor(readonly count: number) {
    super();
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`bytes(): count must be a non-negative integer, got ${count}`);
  }
}

/**
 * The token `receive()` returns. Suspends the routine that yields it until at least one
 * byte is buffered (see `receive`).
 * @example
 * const token: ReceiveToken = receive(16 * 1024);
 * const chunk = yield* token; // 1 to 16384 bytes
 */
export class ReceiveToken extends SocketWaitToken<Buffer> {
  readonly kind = TokenKind.Receive;
  constructor(readonly max: number) {
    super();
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`receive(): max must be a positive integer, got ${max}`);
  }
}

/**
 * Suspends: only until the sentinel is in the input buffer (not at all if it already is).
 * Returns everything up to and including the sentinel. Throws `SentinelNotFound` when
 * more than `limit` bytes arrive without it, and `ConnectionClosed` if the peer leaves first.
 * @example
 * const line = yield* until('\r\n');
 */
export function until(sentinel: string | Uint8Array, options?: UntilOptions): UntilToken {
  if (options === undefined && typeof sentinel === 'string') return plainUntil(sentinel);
  return new UntilToken(sentinel, options);
}

const PLAIN_UNTIL = new Map<string, UntilToken>();
/**
 * A token holds no state of its own while it is waited on (the iterator `yield*` makes
 * does), so `until(s)` without options can hand out one shared token per sentinel: a line
 * protocol asks for the same '\r\n' on every read.
 */
function plainUntil(sentinel: string): UntilToken {
  let token = PLAIN_UNTIL.get(sentinel);
  if (token === undefined) {
    token = new UntilToken(sentinel);
    if (PLAIN_UNTIL.size < 256) PLAIN_UNTIL.set(sentinel, token);
  }
  return token;
}

/**
 * Suspends: like `until`, for a line ending in `\r\n` or `\n` (the result keeps the ending).
 * @example
 * const line = yield* untilEol();
 */
export function untilEol(options?: UntilOptions): UntilToken {
  return until('\n', options);
}

/**
 * Suspends: until exactly `count` bytes are buffered; returns them.
 * @example
 * const header = yield* bytes(4);
 */
export function bytes(count: number): BytesToken {
  return new BytesToken(count);
}

/**
 * Suspends: until at least one byte is buffered; returns what is there (at most `max`).
 * The building block for proxies and stream copies.
 * @example
 * const chunk = yield* receive();
 */
export function receive(max = 64 * 1024): ReceiveToken {
  return new ReceiveToken(max);
}
