/**
 * The token set. A token is an instruction a routine yields to the hub. Each token is
 * also iterable — its iterator yields the token itself once and returns what the hub
 * sends back — so `yield token` (untyped, diesel style) and `yield* token` (typed)
 * both work.
 */

/** Discriminant the hub switches on; a number is cheaper than an `instanceof` chain. */
export enum TokenKind {
  Sleep,
  Until,
  Bytes,
  Receive,
  Wait,
  Fire,
  First,
  Response,
  Call,
  Custom,
}

export abstract class Token<T> {
  abstract readonly kind: TokenKind;
  declare readonly __result?: T;
  [Symbol.iterator](): TokenIterator<this, T> {
    return new TokenIterator(this);
  }
}

/**
 * What `yield* token` walks: yields the token once, then returns what the hub sent back.
 * A small class rather than a generator, because one is made for every `yield*` and a
 * generator object costs several times as much to create.
 */
export class TokenIterator<K, T> implements Iterator<K, T, unknown> {
  #token: K | null;
  constructor(token: K) {
    this.#token = token;
  }
  next(value?: unknown): IteratorResult<K, T> {
    const token = this.#token;
    if (token !== null) {
      this.#token = null;
      return { value: token, done: false };
    }
    return { value: value as T, done: true };
  }
  return(value: T): IteratorResult<K, T> {
    this.#token = null;
    return { value: value as T, done: true };
  }
  /** An error the hub throws in surfaces at the `yield*`, as it would from a generator. */
  throw(error?: unknown): IteratorResult<K, T> {
    this.#token = null;
    throw error;
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/** Text in, text out; the only encodings socket waits understand. */
export type TextEncodingName = 'utf8' | 'latin1' | 'ascii';

export class SleepToken extends Token<true> {
  readonly kind = TokenKind.Sleep;
  constructor(readonly seconds: number) {
    super();
  }
}

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

export class UntilToken extends Token<string> {
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

export class BytesToken extends Token<Buffer> {
  readonly kind = TokenKind.Bytes;
  constructor(readonly count: number) {
    super();
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`bytes(): count must be a non-negative integer, got ${count}`);
  }
}

export class ReceiveToken extends Token<Buffer> {
  readonly kind = TokenKind.Receive;
  constructor(readonly max: number) {
    super();
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`receive(): max must be a positive integer, got ${max}`);
  }
}

export class WaitToken<T = unknown> extends Token<T> {
  readonly kind = TokenKind.Wait;
  constructor(readonly event: string) {
    super();
  }
}

export class FireToken extends Token<number> {
  readonly kind = TokenKind.Fire;
  constructor(
    readonly event: string,
    readonly value: unknown,
  ) {
    super();
  }
}

/** A socket wait or an event wait or a sleep: the tokens a group may hold. */
export type GroupMember = SleepToken | UntilToken | BytesToken | ReceiveToken | WaitToken<unknown>;

type ResultOf<M> = M extends Token<infer T> ? T : never;
/** The typed result of `first(...)`: the winner's value in its position, `undefined` elsewhere. */
export type FirstResult<M extends readonly unknown[]> = { [K in keyof M]: ResultOf<M[K]> | undefined };

export class FirstToken<M extends readonly GroupMember[]> extends Token<FirstResult<M>> {
  readonly kind = TokenKind.First;
  constructor(readonly members: M) {
    super();
  }
}

export class ResponseToken<T> extends Token<never> {
  readonly kind = TokenKind.Response;
  constructor(readonly value: T) {
    super();
  }
}

/**
 * Suspends: yes. Resumes after `seconds` (fractional allowed; `0` just lets other
 * routines and I/O run first).
 * @example
 * function* tick() { while (true) { console.log('tick'); yield* sleep(1); } }
 */
export function sleep(seconds = 0): SleepToken {
  if (typeof seconds !== 'number' || !(seconds >= 0)) throw new RangeError(`sleep(): seconds must be a non-negative number, got ${seconds}`);
  return new SleepToken(seconds);
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

/**
 * Suspends: until another routine calls `fire(event, value)`; returns `value`.
 * @example
 * const message = yield* wait<string>('chat');
 */
export function wait<T = unknown>(event: string): WaitToken<T> {
  return new WaitToken<T>(event);
}

/**
 * Suspends: no. Wakes every routine waiting on `event` with `value` (they run after the
 * firing routine next suspends); returns how many were woken.
 * @example
 * yield* fire('chat', 'hello');
 */
export function fire(event: string, value?: unknown): FireToken {
  return new FireToken(event, value);
}

/**
 * Suspends: until the first member fires; the typed form of `yield [a, b]`. At most one
 * socket wait, at most one sleep, any number of waits.
 * @example
 * const [data, timedOut] = yield* first(bytes(2), sleep(3));
 */
export function first<M extends readonly GroupMember[]>(...members: M): FirstToken<M> {
  return new FirstToken(members);
}

/**
 * Inside a `@call` method: ends the call and resumes the caller with `value`
 * (the same as `return value`).
 * @example
 * yield response(line);
 */
export function response<T>(value: T): ResponseToken<T> {
  return new ResponseToken(value);
}
