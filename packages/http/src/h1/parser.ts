/**
 * The HTTP/1.1 message parser: sans-I/O, bytes in, events out.
 *
 * `feed(bytes)` walks a machine of named states (METHOD, TARGET, FIELD_NAME, CHUNK_SIZE,
 * ...) one byte at a time for the head and the chunk framing, and in slices for body
 * data, queueing events that `next()` hands out: `head`, `data`, `end`, `upgrade`. A
 * message split anywhere — even one byte per `feed` — gives the same events as the
 * whole. Nothing here touches a socket; the server and client glue (server.ts,
 * client.ts) read the connection and feed it, asking `want()` how much to read so they
 * never read past the end of the current message.
 *
 * It is strict where lenient parsers let requests be smuggled: Content-Length with
 * Transfer-Encoding, two Content-Lengths, bad chunk sizes, obs-fold, bare CR and bare
 * LF, whitespace before a colon — each is an `HttpError` with a stable code and the
 * status a server should answer with.
 */
import { HttpError, type HttpErrorCode } from '../errors.js';
import { HttpHeaders } from '../headers.js';
import { FIELD_VALUE, HEX, HTTP_METHODS, type Protocol, QDTEXT, REASON, RTSP_METHODS, TARGET, TOKEN, validVersion } from './grammar.js';

/**
 * How a message's body is delimited: no body, `Content-Length`, chunked, or until the
 * connection closes (responses only).
 * @example
 * const parser = new H1Parser('request');
 * parser.feed(Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi'));
 * const event = parser.next();
 * if (event?.type === 'head') console.log(event.head.framing satisfies BodyFraming); // 'length'
 */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'eof';

/**
 * A parsed start line and header section: the `head` of a `head` event.
 * @example
 * const event = parser.next();
 * if (event?.type === 'head') {
 *   const head: MessageHead = event.head;
 *   console.log(head.method, head.url, head.headers.first('host'));
 * }
 */
export interface MessageHead {
  /** Request method (`''` in a response). */
  readonly method: string;
  /** Request target as sent (`''` in a response). */
  readonly url: string;
  /** Response status (0 in a request). */
  readonly status: number;
  /** Response reason phrase (`''` in a request). */
  readonly reason: string;
  readonly protocol: Protocol;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** `'1.1'`, `'1.0'`, `'0.9'`. */
  readonly version: string;
  readonly headers: HttpHeaders;
  /** Whether the connection may carry another message after this one. */
  readonly keepAlive: boolean;
  /** The message switches protocols after it (CONNECT, `Connection: upgrade` + `Upgrade`, 101). */
  readonly upgrade: boolean;
  readonly framing: BodyFraming;
  /** The Content-Length, or -1. */
  readonly contentLength: number;
  /** Transfer codings in order, lower-cased (`['gzip', 'chunked']`); empty if none. */
  readonly transferCodings: readonly string[];
  /** The first Host value, and how many Host fields there were. */
  readonly host: string | undefined;
  readonly hostCount: number;
  /** The first Expect value. */
  readonly expect: string | undefined;
}

/**
 * What `next()` gives. Data slices view the fed buffer: copy them to keep them past it.
 * @example
 * const parts: Buffer[] = [];
 * for (let event = parser.next(); event !== undefined; event = parser.next()) {
 *   if (event.type === 'data') parts.push(Buffer.from(event.data));
 *   else if (event.type === 'end') break;
 * }
 */
export type ParserEvent =
  | { readonly type: 'head'; readonly head: MessageHead }
  | { readonly type: 'data'; readonly data: Buffer }
  | { readonly type: 'end'; readonly trailers: HttpHeaders | null }
  /** The message ended and what follows is another protocol: the parser consumes no more. */
  | { readonly type: 'upgrade' };

/**
 * Limits of the HTTP/1.1 parser, each with its default; the server's and client's
 * options include them.
 * @example
 * const parser = new H1Parser('request', { maxHeaderSize: 8 * 1024, maxHeaders: 50 });
 */
export interface ParserLimits {
  /** Most bytes in a start line plus header section (default 16 KiB). */
  maxHeaderSize?: number;
  /** Most header fields in a message, trailers included (default 100). */
  maxHeaders?: number;
  /** Longest request target (default 8 KiB). */
  maxUrlLength?: number;
  /** Longest chunk-size line, extensions included (default 4 KiB). */
  maxChunkLineSize?: number;
}

/**
 * The default `maxHeaderSize`.
 * @example
 * new HttpServer(handler, { maxHeaderSize: DEFAULT_MAX_HEADER_SIZE * 2 });
 */
export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
/**
 * The default `maxHeaders`.
 * @example
 * new HttpServer(handler, { maxHeaders: DEFAULT_MAX_HEADERS * 2 });
 */
export const DEFAULT_MAX_HEADERS = 100;
/**
 * The default `maxUrlLength`.
 * @example
 * new HttpServer(handler, { maxUrlLength: DEFAULT_MAX_URL_LENGTH * 2 });
 */
export const DEFAULT_MAX_URL_LENGTH = 8 * 1024;
/**
 * The default `maxChunkLineSize`.
 * @example
 * new HttpServer(handler, { maxChunkLineSize: DEFAULT_MAX_CHUNK_LINE_SIZE * 2 });
 */
export const DEFAULT_MAX_CHUNK_LINE_SIZE = 4 * 1024;

/** `want()`: read up to the end of a header section (`until('\r\n\r\n')`).
 * @example
 * if (parser.want() === WANT_HEAD) text = yield* until('\r\n\r\n');
 */
export const WANT_HEAD = -1;
/** `want()`: read one line (`until('\r\n')`): a chunk-size line or a trailer line.
 * @example
 * if (parser.want() === WANT_LINE) line = yield* until('\r\n');
 */
export const WANT_LINE = 0;
/** `want()`: the body runs to the end of the connection: read whatever comes.
 * @example
 * if (parser.want() === WANT_EOF) chunk = yield* receive();
 */
export const WANT_EOF = -2;
/** `want()`: the message is complete (or the parser stopped): read nothing for it.
 * @example
 * if (parser.want() === WANT_NOTHING) return;
 */
export const WANT_NOTHING = -3;

// The named states. Numbers, because the hot loop switches on them.
const S = {
  MESSAGE_START: 0,
  LEADING_LF: 1,
  METHOD: 2,
  TARGET: 3,
  PROTOCOL: 4,
  VERSION_MAJOR: 5,
  VERSION_DOT: 6,
  VERSION_MINOR: 7,
  REQUEST_LINE_CR: 8,
  START_LINE_LF: 9,
  STATUS_SP: 10,
  STATUS_CODE: 11,
  STATUS_AFTER_CODE: 12,
  REASON: 13,
  HEADER_LINE_START: 14,
  FIELD_NAME: 15,
  VALUE_LEADING_WS: 16,
  VALUE: 17,
  VALUE_LF: 18,
  HEADERS_END_LF: 19,
  BODY_LENGTH: 20,
  BODY_EOF: 21,
  CHUNK_SIZE: 22,
  CHUNK_EXT_NAME_START: 23,
  CHUNK_EXT_NAME: 24,
  CHUNK_EXT_VALUE_START: 25,
  CHUNK_EXT_VALUE: 26,
  CHUNK_EXT_QUOTED: 27,
  CHUNK_EXT_QUOTED_ESCAPE: 28,
  CHUNK_EXT_AFTER_QUOTED: 29,
  CHUNK_SIZE_LF: 30,
  CHUNK_DATA: 31,
  CHUNK_DATA_CR: 32,
  CHUNK_DATA_LF: 33,
  UPGRADED: 34,
  CLOSED: 35,
  FAILED: 36,
} as const;
type State = (typeof S)[keyof typeof S];
const STATE_NAMES: readonly string[] = Object.keys(S);

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const SEMI = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const DOT = 0x2e;

/** Largest chunk size accepted: 2^48 - 1 keeps the arithmetic exact. */
const MAX_CHUNK_SIZE = 2 ** 48 - 1;

/**
 * An HTTP/1.x parser for requests (`'request'`) or responses (`'response'`).
 * @example
 * const parser = new H1Parser('request');
 * parser.feed(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
 * for (let e = parser.next(); e !== undefined; e = parser.next()) console.log(e.type); // head, end
 */
export class H1Parser {
  readonly mode: 'request' | 'response';
  readonly maxHeaderSize: number;
  readonly maxHeaders: number;
  readonly maxUrlLength: number;
  readonly maxChunkLineSize: number;

  #state: State = S.MESSAGE_START;
  #events: ParserEvent[] = [];
  #read = 0;
  #error: HttpError | null = null;

  // The message being parsed.
  #partial = '';
  #method = '';
  #url = '';
  #protocol = '';
  #major = 0;
  #minor = 0;
  #status = 0;
  #reason = '';
  #name = '';
  #headers: HttpHeaders = new HttpHeaders();
  #trailers: HttpHeaders | null = null;
  #inTrailers = false;
  #firstLine = true;
  #headBytes = 0;
  #fieldCount = 0;
  #contentLength = -1;
  #codings: string[] = [];
  #host: string | undefined = undefined;
  #hostCount = 0;
  #expect: string | undefined = undefined;
  #connClose = false;
  #connKeepAlive = false;
  #connUpgrade = false;
  #hasUpgrade = false;
  #remaining = 0;
  #chunkDigits = 0;
  #chunkLine = 0;
  #keepAlive = true;
  #upgrade = false;
  // One-shot hints for the next response (the client knows what it asked).
  #noBody = false;
  #alwaysNoBody = false;
  #requestMethod = '';

  constructor(mode: 'request' | 'response', limits: ParserLimits = {}) {
    this.mode = mode;
    this.maxHeaderSize = limits.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
    this.maxHeaders = limits.maxHeaders ?? DEFAULT_MAX_HEADERS;
    this.maxUrlLength = limits.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
    this.maxChunkLineSize = limits.maxChunkLineSize ?? DEFAULT_MAX_CHUNK_LINE_SIZE;
  }

  /** The current state's name, for tests and error messages. */
  get stateName(): string {
    return STATE_NAMES[this.#state]!;
  }

  /** True between messages: nothing of a next message has been fed yet. */
  get idle(): boolean {
    return this.#state === S.MESSAGE_START;
  }

  /** The error that stopped the parser, if any (every later `feed` throws it again). */
  get error(): HttpError | null {
    return this.#error;
  }

  /**
   * Tells a response parser what the request was: after `HEAD` the response has no body
   * whatever its headers say, and a 2xx answer to `CONNECT` starts a tunnel.
   */
  expectResponseTo(method: string): void {
    this.#requestMethod = method;
    this.#noBody = method === 'HEAD';
  }

  /**
   * The next message has no body, whatever its headers say (a response to HEAD, say);
   * with `always`, every message from now on.
   */
  skipBody(always = false): void {
    this.#noBody = true;
    this.#alwaysNoBody = always;
  }

  /** The next queued event, or undefined. */
  next(): ParserEvent | undefined {
    if (this.#read < this.#events.length) {
      const event = this.#events[this.#read++]!;
      if (this.#read === this.#events.length) {
        this.#events = [];
        this.#read = 0;
      }
      return event;
    }
    return undefined;
  }

  /**
   * How the glue should read next without crossing into the next message: a byte count
   * (> 0), or WANT_HEAD, WANT_LINE, WANT_EOF, WANT_NOTHING.
   */
  want(): number {
    switch (this.#state) {
      case S.BODY_LENGTH:
      case S.CHUNK_DATA:
        return this.#remaining;
      case S.CHUNK_DATA_CR:
        return 2;
      case S.CHUNK_DATA_LF:
        return 1;
      case S.BODY_EOF:
        return WANT_EOF;
      case S.UPGRADED:
      case S.CLOSED:
      case S.FAILED:
        return WANT_NOTHING;
      default:
        if (this.#state >= S.CHUNK_SIZE || this.#inTrailers) return WANT_LINE;
        return WANT_HEAD;
    }
  }

  /** Starts over at a message boundary (after an upgrade that was declined, say). */
  reset(): void {
    this.#state = S.MESSAGE_START;
    this.#error = null;
    this.#events = [];
    this.#read = 0;
    this.#beginMessage();
  }

  /**
   * Parses `data`, queueing events. Returns how many bytes were consumed: all of them,
   * unless the parser stopped at an upgrade. Throws `HttpError` on malformed input.
   * `latin1`, if given, is the same bytes as a latin1 string (what `until()` returned):
   * names and values are then cut from it instead of decoded again.
   */
  feed(data: Uint8Array, latin1?: string): number {
    if (this.#error !== null) throw this.#error;
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (latin1 !== undefined && latin1.length !== buf.length) throw new RangeError('feed: the latin1 text must hold the same bytes as the data');
    try {
      return this.#execute(buf, latin1);
    } catch (error) {
      if (error instanceof HttpError) {
        this.#state = S.FAILED;
        this.#error = error;
      }
      throw error;
    }
  }

  /**
   * The peer closed its side. Completes a body that runs to the end of the connection;
   * throws `DIESEL_ERR_HTTP_INCOMPLETE_MESSAGE` if a message was cut short.
   */
  finish(): void {
    if (this.#error !== null) throw this.#error;
    switch (this.#state) {
      case S.BODY_EOF:
        this.#messageComplete();
        this.#state = S.CLOSED;
        return;
      case S.MESSAGE_START:
      case S.CLOSED:
      case S.UPGRADED:
        this.#state = S.CLOSED;
        return;
      default: {
        const error = new HttpError('DIESEL_ERR_HTTP_INCOMPLETE_MESSAGE', 400, `connection closed in the middle of a message (state ${this.stateName})`);
        this.#state = S.FAILED;
        this.#error = error;
        throw error;
      }
    }
  }

  #fail(code: HttpErrorCode, message: string, status = 400): never {
    throw new HttpError(code, status, message);
  }

  #beginMessage(): void {
    this.#partial = '';
    this.#method = '';
    this.#url = '';
    this.#protocol = '';
    this.#major = 0;
    this.#minor = 0;
    this.#status = 0;
    this.#reason = '';
    this.#name = '';
    this.#headers = new HttpHeaders();
    this.#trailers = null;
    this.#inTrailers = false;
    this.#firstLine = true;
    this.#headBytes = 0;
    this.#fieldCount = 0;
    this.#contentLength = -1;
    this.#codings = [];
    this.#host = undefined;
    this.#hostCount = 0;
    this.#expect = undefined;
    this.#connClose = false;
    this.#connKeepAlive = false;
    this.#connUpgrade = false;
    this.#hasUpgrade = false;
    this.#remaining = 0;
    this.#chunkDigits = 0;
    this.#chunkLine = 0;
  }

  #countHead(bytes: number): void {
    this.#headBytes += bytes;
    if (this.#headBytes > this.maxHeaderSize) {
      this.#fail('DIESEL_ERR_HTTP_HEADERS_TOO_LARGE', `header section larger than ${this.maxHeaderSize} bytes`, 431);
    }
  }

  #execute(buf: Buffer, text: string | undefined): number {
    const end = buf.length;
    let i = 0;
    let mark = -1; // start of the token being collected in this chunk, or -1
    let headFrom = this.#state < S.BODY_LENGTH || this.#inTrailers ? 0 : -1;
    let state: State = this.#state;
    // Re-open a token cut at the end of the previous chunk.
    if (state === S.METHOD || state === S.TARGET || state === S.PROTOCOL || state === S.FIELD_NAME || state === S.VALUE || state === S.REASON) mark = 0;

    while (i < end) {
      const c = buf[i]!;
      switch (state) {
        case S.MESSAGE_START:
          if (c === CR) {
            state = S.LEADING_LF;
            i++;
            break;
          }
          this.#beginMessage();
          headFrom = i;
          mark = i;
          state = this.mode === 'request' ? S.METHOD : S.PROTOCOL;
          break;
        case S.LEADING_LF:
          if (c !== LF) this.#fail('DIESEL_ERR_HTTP_BARE_CR', 'CR not followed by LF before the start line');
          state = S.MESSAGE_START;
          i++;
          break;
        case S.METHOD: {
          while (i < end && TOKEN[buf[i]!] === 1) i++;
          if (i === end) break;
          if (buf[i] !== SP) this.#fail('DIESEL_ERR_HTTP_BAD_METHOD', 'expected a space after the method');
          this.#method = this.#partial + (text === undefined ? buf.toString('latin1', mark, i) : text.slice(mark, i));
          this.#partial = '';
          if (this.#method.length === 0) this.#fail('DIESEL_ERR_HTTP_BAD_REQUEST_LINE', 'empty method');
          i++;
          mark = i;
          state = S.TARGET;
          break;
        }
        case S.TARGET: {
          while (i < end && TARGET[buf[i]!] === 1) i++;
          if (i - mark + this.#partial.length > this.maxUrlLength) {
            this.#fail('DIESEL_ERR_HTTP_URL_TOO_LONG', `request target longer than ${this.maxUrlLength} bytes`, 414);
          }
          if (i === end) break;
          const t = buf[i]!;
          this.#url = this.#partial + (text === undefined ? buf.toString('latin1', mark, i) : text.slice(mark, i));
          this.#partial = '';
          if (this.#url.length === 0) this.#fail('DIESEL_ERR_HTTP_BAD_URL', 'empty request target');
          if (t === SP) {
            i++;
            mark = i;
            state = S.PROTOCOL;
          } else if (t === CR) {
            // HTTP/0.9 form: `GET /` and nothing more on the line.
            this.#protocol = 'HTTP';
            this.#major = 0;
            this.#minor = 9;
            mark = -1;
            i++;
            state = S.START_LINE_LF;
          } else {
            this.#fail('DIESEL_ERR_HTTP_BAD_URL', `invalid byte 0x${t.toString(16)} in the request target`);
          }
          break;
        }
        case S.PROTOCOL: {
          while (i < end && buf[i]! >= 0x41 && buf[i]! <= 0x5a && i - mark < 5) i++;
          if (i === end) break;
          if (buf[i] !== SLASH) this.#fail(this.mode === 'request' ? 'DIESEL_ERR_HTTP_BAD_REQUEST_LINE' : 'DIESEL_ERR_HTTP_BAD_STATUS_LINE', 'expected HTTP/, RTSP/ or ICE/');
          const protocol = this.#partial + (text === undefined ? buf.toString('latin1', mark, i) : text.slice(mark, i));
          this.#partial = '';
          if (protocol !== 'HTTP' && protocol !== 'RTSP' && protocol !== 'ICE') {
            this.#fail(this.mode === 'request' ? 'DIESEL_ERR_HTTP_BAD_REQUEST_LINE' : 'DIESEL_ERR_HTTP_BAD_STATUS_LINE', 'expected HTTP/, RTSP/ or ICE/');
          }
          this.#protocol = protocol;
          mark = -1;
          i++;
          state = S.VERSION_MAJOR;
          break;
        }
        case S.VERSION_MAJOR:
          if (c < 0x30 || c > 0x39) this.#fail('DIESEL_ERR_HTTP_BAD_VERSION', 'invalid major version');
          this.#major = c - 0x30;
          i++;
          state = S.VERSION_DOT;
          break;
        case S.VERSION_DOT:
          if (c !== DOT) this.#fail('DIESEL_ERR_HTTP_BAD_VERSION', 'expected a dot in the version');
          i++;
          state = S.VERSION_MINOR;
          break;
        case S.VERSION_MINOR:
          if (c < 0x30 || c > 0x39) this.#fail('DIESEL_ERR_HTTP_BAD_VERSION', 'invalid minor version');
          this.#minor = c - 0x30;
          if (!validVersion(this.#major, this.#minor)) this.#fail('DIESEL_ERR_HTTP_BAD_VERSION', `invalid HTTP version ${this.#major}.${this.#minor}`);
          i++;
          state = this.mode === 'request' ? S.REQUEST_LINE_CR : S.STATUS_SP;
          break;
        case S.REQUEST_LINE_CR:
          if (c !== CR) this.#fail(c === LF ? 'DIESEL_ERR_HTTP_BARE_LF' : 'DIESEL_ERR_HTTP_BAD_VERSION', 'expected CRLF after the version');
          i++;
          state = S.START_LINE_LF;
          break;
        case S.START_LINE_LF:
          if (c !== LF) this.#fail('DIESEL_ERR_HTTP_BARE_CR', 'CR not followed by LF after the start line');
          if (this.mode === 'request') this.#checkRequestLine();
          i++;
          state = S.HEADER_LINE_START;
          break;
        case S.STATUS_SP:
          if (c !== SP) this.#fail('DIESEL_ERR_HTTP_BAD_VERSION', 'expected a space after the version');
          i++;
          this.#chunkDigits = 0;
          state = S.STATUS_CODE;
          break;
        case S.STATUS_CODE:
          if (c < 0x30 || c > 0x39) this.#fail('DIESEL_ERR_HTTP_BAD_STATUS_LINE', 'invalid status code');
          this.#status = this.#status * 10 + (c - 0x30);
          i++;
          if (++this.#chunkDigits === 3) state = S.STATUS_AFTER_CODE;
          break;
        case S.STATUS_AFTER_CODE:
          if (c === SP) {
            i++;
            mark = i;
            state = S.REASON;
          } else if (c === CR) {
            i++;
            state = S.START_LINE_LF;
          } else {
            this.#fail('DIESEL_ERR_HTTP_BAD_STATUS_LINE', c === LF ? 'bare LF after the status line' : 'invalid status code');
          }
          break;
        case S.REASON: {
          while (i < end && REASON[buf[i]!] === 1) i++;
          if (i === end) break;
          const t = buf[i]!;
          if (t !== CR) this.#fail(t === LF ? 'DIESEL_ERR_HTTP_BARE_LF' : 'DIESEL_ERR_HTTP_BAD_STATUS_LINE', 'invalid byte in the reason phrase');
          this.#reason = this.#partial + (text === undefined ? buf.toString('latin1', mark, i) : text.slice(mark, i));
          this.#partial = '';
          mark = -1;
          i++;
          state = S.START_LINE_LF;
          break;
        }
        case S.HEADER_LINE_START:
          if (c === CR) {
            i++;
            state = S.HEADERS_END_LF;
          } else if (TOKEN[c] === 1) {
            mark = i;
            i++;
            state = S.FIELD_NAME;
          } else if (c === SP || c === HTAB) {
            if (this.#firstLine) this.#fail('DIESEL_ERR_HTTP_BAD_HEADER', 'whitespace after the start line');
            this.#fail('DIESEL_ERR_HTTP_OBS_FOLD', 'obsolete line folding (a header line starting with whitespace)');
          } else if (c === LF) {
            this.#fail('DIESEL_ERR_HTTP_BARE_LF', 'bare LF in the header section');
          } else {
            this.#fail('DIESEL_ERR_HTTP_BAD_HEADER', c === COLON ? 'empty header name' : `invalid byte 0x${c.toString(16)} in a header name`);
          }
          break;
        case S.FIELD_NAME: {
          while (i < end && TOKEN[buf[i]!] === 1) i++;
          if (i === end) break;
          const t = buf[i]!;
          if (t !== COLON) this.#fail('DIESEL_ERR_HTTP_BAD_HEADER', t === SP || t === HTAB ? 'whitespace before the colon of a header' : `invalid byte 0x${t.toString(16)} in a header name`);
          this.#name = this.#partial + (text === undefined ? buf.toString('latin1', mark, i) : text.slice(mark, i));
          this.#partial = '';
          mark = -1;
          i++;
          state = S.VALUE_LEADING_WS;
          break;
        }
        case S.VALUE_LEADING_WS:
          if (c === SP || c === HTAB) {
            i++;
          } else if (c === CR) {
            this.#partial = '';
            mark = i;
            state = S.VALUE;
          } else if (FIELD_VALUE[c] === 1) {
            mark = i;
            state = S.VALUE;
          } else {
            this.#fail(c === LF ? 'DIESEL_ERR_HTTP_BARE_LF' : 'DIESEL_ERR_HTTP_BAD_HEADER', 'invalid byte in a header value');
          }
          break;
        case S.VALUE: {
          while (i < end && FIELD_VALUE[buf[i]!] === 1) i++;
          if (i === end) break;
          const t = buf[i]!;
          if (t !== CR) {
            if (t === LF) this.#fail('DIESEL_ERR_HTTP_BARE_LF', 'bare LF in a header value');
            this.#fail('DIESEL_ERR_HTTP_BAD_HEADER', `invalid byte 0x${t.toString(16)} in a header value`);
          }
          let value = this.#partial + (text === undefined ? buf.toString('latin1', mark, i) : text.slice(mark, i));
          this.#partial = '';
          mark = -1;
          // Trailing OWS is not part of the value (RFC 9110 §5.5).
          let last = value.length;
          while (last > 0 && (value.charCodeAt(last - 1) === SP || value.charCodeAt(last - 1) === HTAB)) last--;
          if (last !== value.length) value = value.slice(0, last);
          this.#field(this.#name, value);
          i++;
          state = S.VALUE_LF;
          break;
        }
        case S.VALUE_LF:
          if (c !== LF) this.#fail('DIESEL_ERR_HTTP_BARE_CR', 'CR not followed by LF in the header section');
          this.#firstLine = false;
          i++;
          state = S.HEADER_LINE_START;
          break;
        case S.HEADERS_END_LF:
          if (c !== LF) this.#fail('DIESEL_ERR_HTTP_BARE_CR', 'CR not followed by LF at the end of the header section');
          i++;
          if (headFrom !== -1) this.#countHead(i - headFrom);
          headFrom = -1;
          state = this.#inTrailers ? this.#messageComplete() : this.#headersComplete();
          if (state === S.UPGRADED) {
            this.#state = state;
            return i;
          }
          break;
        case S.BODY_LENGTH: {
          const n = Math.min(this.#remaining, end - i);
          this.#events.push({ type: 'data', data: buf.subarray(i, i + n) });
          i += n;
          this.#remaining -= n;
          if (this.#remaining === 0) state = this.#messageComplete();
          if (state === S.UPGRADED) {
            this.#state = state;
            return i;
          }
          break;
        }
        case S.BODY_EOF:
          this.#events.push({ type: 'data', data: buf.subarray(i, end) });
          i = end;
          break;
        case S.CHUNK_SIZE: {
          const v = HEX[c]!;
          this.#chunkByte();
          if (v !== 255) {
            this.#remaining = this.#remaining * 16 + v;
            if (this.#remaining > MAX_CHUNK_SIZE) this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'chunk size too large');
            this.#chunkDigits++;
            i++;
            break;
          }
          if (this.#chunkDigits === 0) this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'invalid character in chunk size');
          if (c === CR) state = S.CHUNK_SIZE_LF;
          else if (c === SEMI) state = S.CHUNK_EXT_NAME_START;
          else this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'invalid character in chunk size');
          i++;
          break;
        }
        case S.CHUNK_EXT_NAME_START:
          this.#chunkByte();
          if (TOKEN[c] !== 1) this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'invalid character in chunk extensions');
          state = S.CHUNK_EXT_NAME;
          i++;
          break;
        case S.CHUNK_EXT_NAME:
        case S.CHUNK_EXT_VALUE:
          this.#chunkByte();
          if (TOKEN[c] === 1) {
            i++;
            break;
          }
          if (c === CR) state = S.CHUNK_SIZE_LF;
          else if (c === SEMI) state = S.CHUNK_EXT_NAME_START;
          else if (c === EQUALS && state === S.CHUNK_EXT_NAME) state = S.CHUNK_EXT_VALUE_START;
          else this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'invalid character in chunk extensions');
          i++;
          break;
        case S.CHUNK_EXT_VALUE_START:
          this.#chunkByte();
          if (c === DQUOTE) state = S.CHUNK_EXT_QUOTED;
          else if (TOKEN[c] === 1) state = S.CHUNK_EXT_VALUE;
          else this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'invalid character in a chunk extension value');
          i++;
          break;
        case S.CHUNK_EXT_QUOTED:
          this.#chunkByte();
          if (c === DQUOTE) state = S.CHUNK_EXT_AFTER_QUOTED;
          else if (c === BACKSLASH) state = S.CHUNK_EXT_QUOTED_ESCAPE;
          else if (QDTEXT[c] !== 1) this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'invalid character in a quoted chunk extension value');
          i++;
          break;
        case S.CHUNK_EXT_QUOTED_ESCAPE:
          this.#chunkByte();
          if (FIELD_VALUE[c] !== 1) this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'invalid escaped character in a chunk extension');
          state = S.CHUNK_EXT_QUOTED;
          i++;
          break;
        case S.CHUNK_EXT_AFTER_QUOTED:
          this.#chunkByte();
          if (c === CR) state = S.CHUNK_SIZE_LF;
          else if (c === SEMI) state = S.CHUNK_EXT_NAME_START;
          else this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'invalid character after a quoted chunk extension value');
          i++;
          break;
        case S.CHUNK_SIZE_LF:
          if (c !== LF) this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'expected LF after the chunk size');
          i++;
          this.#chunkLine = 0;
          this.#chunkDigits = 0;
          if (this.#remaining === 0) {
            this.#inTrailers = true;
            this.#firstLine = false;
            headFrom = i;
            state = S.HEADER_LINE_START;
          } else {
            state = S.CHUNK_DATA;
          }
          break;
        case S.CHUNK_DATA: {
          const n = Math.min(this.#remaining, end - i);
          this.#events.push({ type: 'data', data: buf.subarray(i, i + n) });
          i += n;
          this.#remaining -= n;
          if (this.#remaining === 0) state = S.CHUNK_DATA_CR;
          break;
        }
        case S.CHUNK_DATA_CR:
          if (c !== CR) this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'expected CRLF after chunk data');
          i++;
          state = S.CHUNK_DATA_LF;
          break;
        case S.CHUNK_DATA_LF:
          if (c !== LF) this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', 'expected LF after chunk data');
          i++;
          state = S.CHUNK_SIZE;
          break;
        case S.UPGRADED:
          this.#state = state;
          return i;
        case S.CLOSED:
          this.#fail('DIESEL_ERR_HTTP_DATA_AFTER_CLOSE', 'data after a message that closes the connection');
          break;
        default:
          this.#fail('DIESEL_ERR_HTTP_PROTOCOL', `parser in state ${STATE_NAMES[state]}`);
      }
      this.#state = state;
    }
    this.#state = state;
    // Keep the token cut by the end of this chunk for the next one.
    if (mark !== -1 && (state === S.METHOD || state === S.TARGET || state === S.PROTOCOL || state === S.FIELD_NAME || state === S.VALUE || state === S.REASON)) {
      this.#partial += (text === undefined ? buf.toString('latin1', mark, end) : text.slice(mark, end));
    }
    if (headFrom !== -1 && (state < S.BODY_LENGTH || this.#inTrailers) && state !== S.MESSAGE_START && state !== S.LEADING_LF) {
      this.#countHead(end - headFrom);
    }
    return end;
  }

  #chunkByte(): void {
    if (++this.#chunkLine > this.maxChunkLineSize) this.#fail('DIESEL_ERR_HTTP_BAD_CHUNK', `chunk-size line longer than ${this.maxChunkLineSize} bytes`);
  }

  #checkRequestLine(): void {
    const method = this.#method;
    const protocol = this.#protocol;
    if (protocol === 'HTTP') {
      if (method === 'PRI') this.#fail('DIESEL_ERR_HTTP_VERSION_NOT_SUPPORTED', 'HTTP/2 connection preface on an HTTP/1 connection', 505);
      if (!HTTP_METHODS.has(method)) {
        if (RTSP_METHODS.has(method)) this.#fail('DIESEL_ERR_HTTP_BAD_METHOD', `${method} is not an HTTP method`);
        this.#fail('DIESEL_ERR_HTTP_UNKNOWN_METHOD', `unknown method ${method}`, 501);
      }
    } else if (protocol === 'RTSP') {
      if (!RTSP_METHODS.has(method)) this.#fail('DIESEL_ERR_HTTP_BAD_METHOD', `${method} is not an RTSP method`);
    } else if (method !== 'SOURCE') {
      this.#fail('DIESEL_ERR_HTTP_BAD_METHOD', 'ICE requests must use SOURCE');
    }
  }

  #field(name: string, value: string): void {
    if (++this.#fieldCount > this.maxHeaders) this.#fail('DIESEL_ERR_HTTP_TOO_MANY_HEADERS', `more than ${this.maxHeaders} header fields`, 431);
    if (this.#inTrailers) {
      (this.#trailers ??= new HttpHeaders()).addTrusted(name, value);
      return;
    }
    this.#headers.addTrusted(name, value);
    const len = name.length;
    if (len !== 14 && len !== 17 && len !== 10 && len !== 7 && len !== 4 && len !== 6) return;
    const lower = name.toLowerCase();
    if (lower === 'content-length') this.#onContentLength(value);
    else if (lower === 'transfer-encoding') this.#onTransferEncoding(value);
    else if (lower === 'connection') this.#onConnection(value);
    else if (lower === 'upgrade') this.#hasUpgrade = true;
    else if (lower === 'host') {
      this.#hostCount++;
      this.#host ??= value;
    } else if (lower === 'expect') this.#expect ??= value;
  }

  #onContentLength(value: string): void {
    if (this.#contentLength !== -1) this.#fail('DIESEL_ERR_HTTP_DUPLICATE_CONTENT_LENGTH', 'more than one Content-Length');
    if (this.#codings.length > 0) this.#fail('DIESEL_ERR_HTTP_CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 'Content-Length with Transfer-Encoding');
    if (value.length === 0) this.#fail('DIESEL_ERR_HTTP_BAD_CONTENT_LENGTH', 'empty Content-Length');
    let n = 0;
    for (let k = 0; k < value.length; k++) {
      const d = value.charCodeAt(k) - 0x30;
      if (d < 0 || d > 9) this.#fail('DIESEL_ERR_HTTP_BAD_CONTENT_LENGTH', `invalid Content-Length ${JSON.stringify(value)}`);
      n = n * 10 + d;
      if (n > Number.MAX_SAFE_INTEGER) this.#fail('DIESEL_ERR_HTTP_BAD_CONTENT_LENGTH', 'Content-Length overflow');
    }
    this.#contentLength = n;
  }

  #onTransferEncoding(value: string): void {
    if (this.#contentLength !== -1) this.#fail('DIESEL_ERR_HTTP_CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 'Transfer-Encoding with Content-Length');
    let any = false;
    for (const part of value.split(',')) {
      const semicolon = part.indexOf(';');
      const name = (semicolon === -1 ? part : part.slice(0, semicolon)).trim().toLowerCase();
      if (name.length === 0) {
        if (semicolon !== -1) this.#fail('DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', `a transfer-coding parameter without a coding: ${JSON.stringify(part)}`);
        continue;
      }
      for (let k = 0; k < name.length; k++) {
        if (TOKEN[name.charCodeAt(k)] !== 1) this.#fail('DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', `invalid transfer coding ${JSON.stringify(name)}`);
      }
      // chunked defines no parameters (RFC 9112 §7.1), and llhttp refuses them: read
      // leniently, `chunked;q=1` is a smuggling vector behind a proxy that reads it otherwise.
      if (semicolon !== -1 && name === 'chunked') this.#fail('DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', `chunked takes no parameters: ${JSON.stringify(part.trim())}`);
      if (semicolon !== -1) this.#checkCodingParameters(part.slice(semicolon + 1));
      // Nothing may follow chunked in a request (RFC 9112 §6.1).
      if (this.mode === 'request' && this.#codings.at(-1) === 'chunked') {
        this.#fail('DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 'a transfer coding after chunked');
      }
      this.#codings.push(name);
      any = true;
    }
    if (!any) this.#fail('DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 'empty Transfer-Encoding');
  }

  /** `*( OWS ";" OWS token "=" ( token / quoted-string ) )` after a coding name, simplified: each parameter is `token=value`. */
  #checkCodingParameters(text: string): void {
    for (const raw of text.split(';')) {
      const parameter = raw.trim();
      const equals = parameter.indexOf('=');
      let ok = equals > 0 && equals < parameter.length - 1;
      for (let k = 0; ok && k < equals; k++) if (TOKEN[parameter.charCodeAt(k)] !== 1) ok = false;
      if (!ok) this.#fail('DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', `invalid transfer-coding parameter ${JSON.stringify(parameter)}`);
    }
  }

  #onConnection(value: string): void {
    const whole = value.toLowerCase();
    // The usual one-token values, without splitting.
    if (whole === 'keep-alive') {
      this.#connKeepAlive = true;
      return;
    }
    if (whole === 'close') {
      this.#connClose = true;
      return;
    }
    for (const part of whole.split(',')) {
      const token = part.trim();
      if (token === 'close') this.#connClose = true;
      else if (token === 'keep-alive') this.#connKeepAlive = true;
      else if (token === 'upgrade') this.#connUpgrade = true;
    }
  }

  /** Decides the body framing; returns the next state. */
  #headersComplete(): State {
    const request = this.mode === 'request';
    const major = this.#major;
    const minor = this.#minor;
    let keepAlive: boolean;
    if (this.#connClose) keepAlive = false;
    else if (major === 1 && minor === 1) keepAlive = true;
    else keepAlive = this.#connKeepAlive && major === 1;
    const codings = this.#codings;
    const chunked = codings.length > 0 && codings[codings.length - 1] === 'chunked';
    let framing: BodyFraming;
    let upgrade = false;
    const noBody = this.#noBody;
    this.#noBody = this.#alwaysNoBody;
    if (request) {
      if (codings.length > 0 && !chunked) this.#fail('DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 'the final transfer coding of a request must be chunked');
      if (codings.length > 0 && major === 1 && minor === 0) this.#fail('DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 'Transfer-Encoding in an HTTP/1.0 request');
      if (this.#method === 'CONNECT') {
        upgrade = true;
        framing = 'none';
      } else {
        upgrade = this.#connUpgrade && this.#hasUpgrade;
        framing = noBody ? 'none' : chunked ? 'chunked' : this.#contentLength > 0 ? 'length' : 'none';
      }
    } else {
      const status = this.#status;
      const requestMethod = this.#requestMethod;
      if (status === 101 || (requestMethod === 'CONNECT' && status >= 200 && status < 300)) {
        upgrade = true;
        framing = 'none';
      } else if (noBody || (status >= 100 && status < 200) || status === 204 || status === 304) {
        framing = 'none';
      } else if (chunked) {
        framing = 'chunked';
      } else if (codings.length > 0) {
        framing = 'eof';
      } else if (this.#contentLength >= 0) {
        framing = this.#contentLength > 0 ? 'length' : 'none';
      } else {
        framing = 'eof';
      }
      if (framing === 'eof') keepAlive = false;
      // An interim (1xx) response is followed by the final one, whatever it says.
      if (status >= 100 && status < 200 && status !== 101) keepAlive = true;
      else this.#requestMethod = '';
    }
    this.#keepAlive = keepAlive;
    this.#upgrade = upgrade;
    const head: MessageHead = {
      method: this.#method,
      url: this.#url,
      status: this.#status,
      reason: this.#reason,
      protocol: this.#protocol as Protocol,
      versionMajor: major,
      versionMinor: minor,
      version: `${major}.${minor}`,
      headers: this.#headers,
      keepAlive,
      upgrade,
      framing,
      contentLength: this.#contentLength,
      transferCodings: codings,
      host: this.#host,
      hostCount: this.#hostCount,
      expect: this.#expect,
    };
    this.#events.push({ type: 'head', head });
    switch (framing) {
      case 'none':
        return this.#messageComplete();
      case 'length':
        this.#remaining = this.#contentLength;
        return S.BODY_LENGTH;
      case 'chunked':
        this.#remaining = 0;
        this.#chunkDigits = 0;
        this.#chunkLine = 0;
        return S.CHUNK_SIZE;
      default:
        return S.BODY_EOF;
    }
  }

  #messageComplete(): State {
    this.#events.push({ type: 'end', trailers: this.#trailers });
    this.#inTrailers = false;
    if (this.#upgrade) {
      this.#events.push({ type: 'upgrade' });
      return S.UPGRADED;
    }
    return this.#keepAlive ? S.MESSAGE_START : S.CLOSED;
  }
}
