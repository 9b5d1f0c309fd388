import { RedisError, RespLimitError, RespProtocolError } from '../errors.js';
import { RespAttributed, RespPush, type RespValue } from './types.js';

/**
 * Limits and decoding choices for {@link RespParser}. Every limit is checked on the
 * length prefix, before anything is allocated for it.
 * @example
 * const parser = new RespParser({ maxBulkSize: 16 * 1024 * 1024, bulkAs: 'buffer' });
 */
export interface RespParserOptions {
  /** Largest bulk/verbatim string or blob error, in bytes (default 512 MiB, Redis's `proto-max-bulk-len`). */
  maxBulkSize?: number;
  /** Most elements in one array, set or push, or entries in one map (default 2^24). */
  maxArrayLength?: number;
  /** Longest line (simple string, error, number, length), CRLF excluded (default 64 KiB, Redis's inline limit). */
  maxInlineLength?: number;
  /** Deepest nesting of aggregates (default 64). */
  maxDepth?: number;
  /** Bulk strings as `string` (UTF-8, the default) or as `Buffer` (binary-safe). */
  bulkAs?: 'string' | 'buffer';
  /** RESP3 attributes: dropped (`skip`, the default) or wrapped around the value they annotate (`expose`). */
  attributes?: 'skip' | 'expose';
}

/**
 * Default `maxBulkSize`: 512 MiB, as Redis's `proto-max-bulk-len`.
 * @example
 * const parser = new RespParser({ maxBulkSize: DEFAULT_MAX_BULK_SIZE / 8 }); // 64 MiB
 */
export const DEFAULT_MAX_BULK_SIZE = 512 * 1024 * 1024;
/**
 * Default `maxArrayLength`: 16 Mi elements.
 * @example
 * const parser = new RespParser({ maxArrayLength: DEFAULT_MAX_ARRAY_LENGTH / 16 });
 */
export const DEFAULT_MAX_ARRAY_LENGTH = 1 << 24;
/**
 * Default `maxInlineLength`: 64 KiB, as Redis's `PROTO_INLINE_MAX_SIZE`.
 * @example
 * const parser = new RespParser({ maxInlineLength: DEFAULT_MAX_INLINE_LENGTH / 4 });
 */
export const DEFAULT_MAX_INLINE_LENGTH = 64 * 1024;
/**
 * Default `maxDepth`.
 * @example
 * const parser = new RespParser({ maxDepth: DEFAULT_MAX_DEPTH * 2 });
 */
export const DEFAULT_MAX_DEPTH = 64;

/** The parser's states: what the next bytes are expected to be. */
const enum State {
  /** A type byte (`+ - : $ * % ~ > | _ # , ( = !`). */
  Type,
  /** The rest of the line after the type byte, up to CRLF. */
  Line,
  /** `#remaining` bytes of a bulk string, verbatim string or blob error. */
  BulkBody,
  /** The CRLF that ends a bulk body. */
  BulkEnd,
  /** A malformed input was seen: every later read throws the same error. */
  Failed,
}

const enum Aggregate {
  Array,
  Map,
  Set,
  Push,
  Attribute,
}

interface Frame {
  kind: Aggregate;
  /** Elements still to come (a map counts keys and values). */
  remaining: number;
  items: RespValue[];
  /** Attributes that preceded this aggregate, with `attributes: 'expose'`. */
  attributes: Map<RespValue, RespValue> | null;
}

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);
const NOTHING: unique symbol = Symbol('diesel.redis.nothing');
type Parsed = RespValue | typeof NOTHING;

const TYPE_NAMES: Record<number, string> = {
  0x24: 'bulk string',
  0x3d: 'verbatim string',
  0x21: 'blob error',
};

/**
 * A sans-I/O RESP2 + RESP3 parser: `feed` it bytes as they arrive, in chunks of any
 * size, and `read` complete values out one at a time. It never touches a socket, keeps
 * only an incomplete line (≤ `maxInlineLength`) and the pieces of an unfinished bulk
 * string between chunks, and walks aggregates with an explicit stack (no recursion), so
 * a reply split at any byte parses the same as whole. Suspends: never (pure).
 *
 * Malformed input throws {@link RespProtocolError} or {@link RespLimitError} from
 * `read`, and the parser stays failed (the stream cannot be resynchronised).
 * Streamed RESP3 strings and aggregates (`$?`, `*?`) are refused as protocol errors:
 * Redis never sends them.
 * @example
 * const parser = new RespParser();
 * parser.feed(Buffer.from('*2\r\n$3\r\nfoo\r\n:42\r\n'));
 * parser.read(); // ['foo', 42]
 * parser.read(); // undefined: nothing more yet
 */
export class RespParser {
  readonly maxBulkSize: number;
  readonly maxArrayLength: number;
  readonly maxInlineLength: number;
  readonly maxDepth: number;
  readonly #bulkAsBuffer: boolean;
  readonly #exposeAttributes: boolean;
  #state: State = State.Type;
  #buf: Buffer = EMPTY;
  #pos = 0;
  /** The type byte whose line or body is being read. */
  #type = 0;
  #remaining = 0;
  #bulkParts: Buffer[] = [];
  #stack: Frame[] = [];
  #attributes: Map<RespValue, RespValue> | null = null;
  #error: Error | null = null;

  constructor(options: RespParserOptions = {}) {
    this.maxBulkSize = options.maxBulkSize ?? DEFAULT_MAX_BULK_SIZE;
    this.maxArrayLength = options.maxArrayLength ?? DEFAULT_MAX_ARRAY_LENGTH;
    this.maxInlineLength = options.maxInlineLength ?? DEFAULT_MAX_INLINE_LENGTH;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#bulkAsBuffer = options.bulkAs === 'buffer';
    this.#exposeAttributes = options.attributes === 'expose';
  }

  /** Bytes fed but not yet parsed into a value (an incomplete tail). */
  get bufferedLength(): number {
    let parts = 0;
    for (const part of this.#bulkParts) parts += part.length;
    return this.#buf.length - this.#pos + parts;
  }

  /** True when no partial value is held: the stream is at a value boundary. */
  get idle(): boolean {
    return this.#state === State.Type && this.#stack.length === 0 && this.#pos >= this.#buf.length && this.#attributes === null;
  }

  /** Adds received bytes. The parser keeps a view of `chunk`: do not reuse its memory. */
  feed(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return;
    if (this.#pos >= this.#buf.length) {
      this.#buf = bytes;
    } else {
      // Only an unfinished line is left here (bulk bodies move to #bulkParts), so this
      // copy is bounded by maxInlineLength.
      this.#buf = Buffer.concat([this.#buf.subarray(this.#pos), bytes]);
    }
    this.#pos = 0;
  }

  /**
   * The next complete value, or `undefined` when more bytes are needed. Throws
   * `RespProtocolError` / `RespLimitError` on malformed input (and on every call after).
   */
  read(): RespValue | undefined {
    if (this.#error !== null) throw this.#error;
    try {
      const value = this.#parse();
      return value === NOTHING ? undefined : value;
    } catch (error) {
      this.#state = State.Failed;
      this.#error = error as Error;
      throw error;
    }
  }

  #parse(): Parsed {
    const buf = this.#buf;
    for (;;) {
      switch (this.#state) {
        case State.Type: {
          if (this.#pos >= buf.length) return NOTHING;
          this.#type = buf[this.#pos++]!;
          this.#state = State.Line;
          break;
        }
        case State.Line: {
          const start = this.#pos;
          const end = findCrlf(buf, start, this.maxInlineLength);
          if (end < 0) {
            if (end === -2 || buf.length - start > this.maxInlineLength + 1) {
              throw new RespLimitError('DIESEL_ERR_REDIS_LINE_TOO_LONG', `a RESP line is longer than maxInlineLength (${this.maxInlineLength} bytes)`, this.maxInlineLength);
            }
            return NOTHING;
          }
          this.#pos = end + 2;
          this.#state = State.Type;
          const value = this.#line(buf, start, end);
          if (value === NOTHING) break;
          const done = this.#complete(value);
          if (done !== NOTHING) return done;
          break;
        }
        case State.BulkBody: {
          const available = buf.length - this.#pos;
          if (available < this.#remaining) {
            if (available > 0) {
              this.#bulkParts.push(buf.subarray(this.#pos));
              this.#remaining -= available;
              this.#pos = buf.length;
            }
            return NOTHING;
          }
          this.#bulkParts.push(buf.subarray(this.#pos, this.#pos + this.#remaining));
          this.#pos += this.#remaining;
          this.#remaining = 0;
          this.#state = State.BulkEnd;
          break;
        }
        case State.BulkEnd: {
          if (buf.length - this.#pos < 2) {
            // A lone CR may sit at the end: keep it for the next chunk.
            if (this.#pos < buf.length && buf[this.#pos] !== CR) throw this.#noCrlf();
            return NOTHING;
          }
          if (buf[this.#pos] !== CR || buf[this.#pos + 1] !== LF) throw this.#noCrlf();
          this.#pos += 2;
          this.#state = State.Type;
          const parts = this.#bulkParts;
          this.#bulkParts = [];
          const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
          const done = this.#complete(this.#bulk(body));
          if (done !== NOTHING) return done;
          break;
        }
        case State.Failed:
          throw this.#error ?? new RespProtocolError('parser failed');
      }
    }
  }

  #noCrlf(): RespProtocolError {
    return new RespProtocolError(`a ${TYPE_NAMES[this.#type] ?? 'bulk string'} is not followed by CRLF`);
  }

  /** Interprets one line: returns a scalar, or NOTHING when it opened a bulk or an aggregate. */
  #line(buf: Buffer, start: number, end: number): Parsed {
    switch (this.#type) {
      case 0x2b: // + simple string
        return buf.toString('utf8', start, end);
      case 0x2d: // - error
        return new RedisError(buf.toString('utf8', start, end));
      case 0x3a: // : integer
        return parseInteger(buf, start, end);
      case 0x24: // $ bulk string
      case 0x3d: // = verbatim string
      case 0x21: {
        // ! blob error
        if (buf[start] === 0x3f) throw new RespProtocolError('streamed RESP3 strings ($?) are not supported');
        const length = parseLength(buf, start, end, this.#type === 0x24);
        if (length === -1) return null;
        if (length > this.maxBulkSize) {
          throw new RespLimitError('DIESEL_ERR_REDIS_BULK_TOO_LARGE', `a ${TYPE_NAMES[this.#type]} of ${length} bytes is larger than maxBulkSize (${this.maxBulkSize})`, this.maxBulkSize);
        }
        this.#remaining = length;
        this.#state = State.BulkBody;
        return NOTHING;
      }
      case 0x2a: // * array
        return this.#open(Aggregate.Array, buf, start, end, true);
      case 0x25: // % map
        return this.#open(Aggregate.Map, buf, start, end, false);
      case 0x7e: // ~ set
        return this.#open(Aggregate.Set, buf, start, end, false);
      case 0x3e: // > push
        return this.#open(Aggregate.Push, buf, start, end, false);
      case 0x7c: // | attribute
        return this.#open(Aggregate.Attribute, buf, start, end, false);
      case 0x5f: // _ null
        if (end !== start) throw new RespProtocolError('a RESP3 null (_) must be followed directly by CRLF');
        return null;
      case 0x23: // # boolean
        if (end - start === 1 && buf[start] === 0x74) return true;
        if (end - start === 1 && buf[start] === 0x66) return false;
        throw new RespProtocolError(`not a RESP3 boolean: #${buf.toString('latin1', start, end)}`);
      case 0x2c: // , double
        return parseDouble(buf.toString('latin1', start, end));
      case 0x28: // ( big number
        return parseBigNumber(buf.toString('latin1', start, end));
      default:
        throw new RespProtocolError(`unknown RESP type byte 0x${this.#type.toString(16).padStart(2, '0')} (${JSON.stringify(String.fromCharCode(this.#type))})`);
    }
  }

  #bulk(body: Buffer): RespValue {
    switch (this.#type) {
      case 0x21:
        return new RedisError(body.toString('utf8'));
      case 0x3d:
        // `txt:` / `mkd:` — the three-letter format and the colon are not part of the text.
        if (body.length < 4 || body[3] !== 0x3a) throw new RespProtocolError('a verbatim string must start with a three-letter format and a colon');
        return body.toString('utf8', 4);
      default:
        return this.#bulkAsBuffer ? body : body.toString('utf8');
    }
  }

  #open(kind: Aggregate, buf: Buffer, start: number, end: number, nullable: boolean): Parsed {
    if (buf[start] === 0x3f) throw new RespProtocolError('streamed RESP3 aggregates (*?, %?, ~?) are not supported');
    const count = parseLength(buf, start, end, nullable);
    if (count === -1) return null;
    if (count > this.maxArrayLength) {
      throw new RespLimitError('DIESEL_ERR_REDIS_ARRAY_TOO_LONG', `an aggregate of ${count} elements is longer than maxArrayLength (${this.maxArrayLength})`, this.maxArrayLength);
    }
    const paired = kind === Aggregate.Map || kind === Aggregate.Attribute;
    if (count === 0 && kind !== Aggregate.Attribute) return this.#finish(kind, [], this.#takeAttributes());
    if (this.#stack.length >= this.maxDepth) {
      throw new RespLimitError('DIESEL_ERR_REDIS_TOO_DEEP', `RESP aggregates nest deeper than maxDepth (${this.maxDepth})`, this.maxDepth);
    }
    // Items are pushed as they arrive, never pre-sized from the announced count: a
    // hostile count costs nothing until the elements really come.
    this.#stack.push({ kind, remaining: paired ? count * 2 : count, items: [], attributes: kind === Aggregate.Attribute ? null : this.#takeAttributes() });
    if (count === 0) return this.#closeAttribute(this.#stack.pop()!);
    return NOTHING;
  }

  #takeAttributes(): Map<RespValue, RespValue> | null {
    const attributes = this.#attributes;
    this.#attributes = null;
    return attributes;
  }

  /** Builds the value for a finished aggregate. */
  #finish(kind: Aggregate, items: RespValue[], attributes: Map<RespValue, RespValue> | null): RespValue {
    let value: RespValue;
    switch (kind) {
      case Aggregate.Array:
        value = items;
        break;
      case Aggregate.Set:
        value = new Set(items);
        break;
      case Aggregate.Push:
        value = new RespPush(items);
        break;
      default:
        value = pairs(items);
    }
    return attributes === null ? value : new RespAttributed(attributes, value);
  }

  /** An attribute map is not a value: it annotates the next one. */
  #closeAttribute(frame: Frame): typeof NOTHING {
    if (this.#exposeAttributes) this.#attributes = pairs(frame.items);
    return NOTHING;
  }

  /** Hands a finished value to the aggregate being built, or out if it is top-level. */
  #complete(scalar: RespValue): Parsed {
    let value = scalar;
    if (this.#attributes !== null) value = new RespAttributed(this.#takeAttributes()!, value);
    const stack = this.#stack;
    for (;;) {
      const frame = stack[stack.length - 1];
      if (frame === undefined) return value;
      frame.items.push(value);
      if (--frame.remaining > 0) return NOTHING;
      stack.pop();
      if (frame.kind === Aggregate.Attribute) return this.#closeAttribute(frame);
      value = this.#finish(frame.kind, frame.items, frame.attributes);
    }
  }
}

function pairs(items: RespValue[]): Map<RespValue, RespValue> {
  const map = new Map<RespValue, RespValue>();
  for (let i = 0; i < items.length; i += 2) map.set(items[i]!, items[i + 1]!);
  return map;
}

/**
 * Index of the CR of the first CRLF at or after `start`; -1 if none yet; -2 if the line
 * is already past `limit` (so a CRLF-less flood is refused without waiting for more).
 */
function findCrlf(buf: Buffer, start: number, limit: number): number {
  const stop = Math.min(buf.length - 1, start + limit + 1);
  for (let i = start; i < stop; i++) {
    if (buf[i] === CR) {
      if (buf[i + 1] === LF) return i;
      throw new RespProtocolError('a CR inside a RESP line is not followed by LF');
    }
  }
  if (buf.length - start > limit + 1) return -2;
  return -1;
}

/** A length prefix: digits, or -1 when `nullable` (RESP2 null bulk/array). */
function parseLength(buf: Buffer, start: number, end: number, nullable: boolean): number {
  if (nullable && end - start === 2 && buf[start] === 0x2d && buf[start + 1] === 0x31) return -1;
  if (end === start || end - start > 15) throw new RespProtocolError(`not a RESP length: ${JSON.stringify(buf.toString('latin1', start, end))}`);
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = buf[i]! - 0x30;
    if (digit < 0 || digit > 9) throw new RespProtocolError(`not a RESP length: ${JSON.stringify(buf.toString('latin1', start, end))}`);
    n = n * 10 + digit;
  }
  return n;
}

/** A RESP integer: a number when it is safe, a bigint past 2^53 (Redis integers are 64-bit). */
function parseInteger(buf: Buffer, start: number, end: number): number | bigint {
  let i = start;
  const negative = buf[i] === 0x2d;
  if (negative || buf[i] === 0x2b) i++;
  if (i === end || end - i > 19) throw new RespProtocolError(`not a RESP integer: ${JSON.stringify(buf.toString('latin1', start, end))}`);
  let n = 0;
  for (let k = i; k < end; k++) {
    const digit = buf[k]! - 0x30;
    if (digit < 0 || digit > 9) throw new RespProtocolError(`not a RESP integer: ${JSON.stringify(buf.toString('latin1', start, end))}`);
    n = n * 10 + digit;
  }
  if (n <= Number.MAX_SAFE_INTEGER) return negative ? -n : n;
  const big = BigInt(buf.toString('latin1', i, end));
  return negative ? -big : big;
}

function parseDouble(text: string): number {
  switch (text) {
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
    case '-nan':
      return NaN;
  }
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new RespProtocolError(`not a RESP3 double: ${JSON.stringify(text)}`);
  return Number(text);
}

function parseBigNumber(text: string): bigint {
  if (!/^[+-]?\d+$/.test(text)) throw new RespProtocolError(`not a RESP3 big number: ${JSON.stringify(text)}`);
  return BigInt(text);
}
