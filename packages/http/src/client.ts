import {
  CallToken,
  Client,
  ConnectionClosed,
  type ConnectOptions,
  type CustomToken,
  type Routine,
  SentinelNotFound,
  first,
  receive,
  sleep,
  until,
} from '@diesel/core';
import { HttpError } from './errors.js';
import { HttpHeaders } from './headers.js';
import { H1Parser, type MessageHead, type ParserLimits, WANT_EOF, WANT_HEAD, WANT_LINE, WANT_NOTHING } from './h1/parser.js';
import { chunkHeader, encodeChunk, lastChunk } from './h1/serializer.js';
import { type HeadersInit, toHeaders } from './response.js';
import type { HttpBody } from './types.js';

/**
 * What `new HttpClient(options)` takes; all optional.
 * @example
 * const client = new HttpClient({ timeout: 10, maxBodySize: 1024 * 1024 });
 */
export interface HttpClientOptions extends ParserLimits {
  /** Largest response body accepted (default 64 MiB); more is an `HttpError` (DIESEL_ERR_HTTP_BODY_TOO_LARGE). */
  maxBodySize?: number;
  /** Seconds a request may take from the first byte sent to the last byte received (default 60). */
  timeout?: number;
}

/**
 * What `request` gives: status, headers, whole body.
 * @example
 * const [status, headers, body]: HttpClientResponse = yield* client.request('GET', '/');
 * if (status === 200 && headers.first('content-type')?.startsWith('application/json') === true) console.log(JSON.parse(body.toString()));
 */
export type HttpClientResponse = [status: number, headers: HttpHeaders, body: Buffer];

const COPY_LIMIT = 16 * 1024;

/**
 * An HTTP/1.1 client on one connection, reused while the server keeps it alive and
 * re-opened (to the same host and port) when it does not. Reads Content-Length, chunked
 * and close-delimited responses; never follows redirects (a 3xx is returned as is).
 * Requests from several routines sharing one client take turns.
 * @example
 * const client = new HttpClient();
 * yield* client.connect('localhost', 8088);
 * const [status, headers, body] = yield* client.request('GET', '/');
 */
export class HttpClient extends Client {
  readonly #maxBodySize: number;
  readonly #timeout: number;
  readonly #limits: ParserLimits;
  #host = '';
  #port = 0;
  #connectOptions: ConnectOptions | undefined;
  #reusable = false;

  constructor(options: HttpClientOptions = {}) {
    super();
    this.#maxBodySize = options.maxBodySize ?? 64 * 1024 * 1024;
    this.#timeout = options.timeout ?? 60;
    this.#limits = options;
  }

  /**
   * Suspends: until connected. Remembers host and port, so a connection the server
   * closed is re-opened by the next `request`.
   * @example
   * yield* client.connect('localhost', 8088);
   */
  override connect(host: string, port: number, options?: ConnectOptions): CustomToken<this> {
    this.#host = host;
    this.#port = port;
    this.#connectOptions = options;
    this.#reusable = true;
    return super.connect(host, port, options);
  }

  /**
   * Suspends: until the whole response has arrived. Sends `method path` with `headers`
   * (Host is added) and `body` (text, bytes, or chunks sent chunked); returns
   * `[status, headers, body]`. Throws `HttpError` for a malformed or oversized response,
   * `ConnectionClosed` if the server leaves mid-way, `ConnectError` if it cannot connect.
   * @example
   * const [status, , body] = yield* client.request('POST', '/items', { 'Content-Type': 'application/json' }, '{"a":1}');
   */
  *request(method: string, path: string, headers?: HeadersInit, body?: HttpBody): Routine<HttpClientResponse> {
    const connection = this.connection;
    if (connection === null || connection.closed || connection.peerEnded || !this.#reusable) {
      if (this.#host === '') throw new ConnectionClosed('HttpClient: call connect(host, port) first');
      yield* super.connect(this.#host, this.#port, this.#connectOptions);
    }
    // A call on this client: one at a time, on the client's connection (what `@call` does).
    return yield* new CallToken<HttpClientResponse>(this, this.#exchange(method, path, headers, body), 'request');
  }

  /** One request and response on the current connection. */
  *#exchange(method: string, path: string, headers: HeadersInit | undefined, body: HttpBody | undefined): Routine<HttpClientResponse> {
    const fields = new HttpHeaders();
    for (const [name, value] of toHeaders(headers)) fields.add(name, value);
    const deadline = performance.now() + this.#timeout * 1000;
    if (!fields.has('host')) fields.set('Host', this.#port === 80 ? this.#host : `${this.#host}:${this.#port}`);
    let head = `${method} ${path} HTTP/1.1\r\n`;
    let streamed: Iterable<unknown> | AsyncIterable<unknown> | null = null;
    let fixed: Uint8Array | null = null;
    fields.delete('transfer-encoding');
    if (body === null || body === undefined) {
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') fields.set('Content-Length', 0);
    } else if (typeof body === 'string' || body instanceof Uint8Array) {
      fixed = typeof body === 'string' ? Buffer.from(body) : body;
      fields.set('Content-Length', fixed.length);
    } else {
      streamed = body;
      if (!fields.has('content-length')) fields.set('Transfer-Encoding', 'chunked');
    }
    for (const [name, value] of fields) head += `${name}: ${value}\r\n`;
    head += '\r\n';
    if (fixed !== null && fixed.length <= COPY_LIMIT) {
      const out = Buffer.allocUnsafe(Buffer.byteLength(head, 'latin1') + fixed.length);
      const at = out.write(head, 0, 'latin1');
      out.set(fixed, at);
      yield out;
    } else {
      yield Buffer.from(head, 'latin1');
      if (fixed !== null) yield fixed;
    }
    if (streamed !== null) {
      const chunked = !fields.has('content-length');
      if (Symbol.asyncIterator in streamed) {
        yield frame(streamed as AsyncIterable<unknown>, chunked);
      } else {
        for (const value of streamed as Iterable<unknown>) yield* framed(value, chunked);
      }
      if (chunked) yield lastChunk();
    }

    // The response; interim (1xx) responses are read and dropped.
    const parser = new H1Parser('response', this.#limits);
    parser.expectResponseTo(method);
    const maxHeaderSize = parser.maxHeaderSize;
    let responseHead: MessageHead | null = null;
    const parts: Buffer[] = [];
    let total = 0;
    const left = (): number => {
      const s = (deadline - performance.now()) / 1000;
      if (s <= 0) throw new HttpError('DIESEL_ERR_HTTP_REQUEST_TIMEOUT', 408, `no complete response within ${this.#timeout} s`);
      return s;
    };
    for (;;) {
      let ended = false;
      for (let event = parser.next(); event !== undefined; event = parser.next()) {
        if (event.type === 'head') {
          if (event.head.status >= 100 && event.head.status < 200 && event.head.status !== 101) continue;
          responseHead = event.head;
        } else if (event.type === 'data' && responseHead !== null) {
          total += event.data.length;
          if (total > this.#maxBodySize) throw new HttpError('DIESEL_ERR_HTTP_BODY_TOO_LARGE', 413, `response body larger than ${this.#maxBodySize} bytes`);
          parts.push(Buffer.from(event.data));
        } else if (event.type === 'end' && responseHead !== null) {
          ended = true;
        }
      }
      if (ended) break;
      const want = parser.want();
      if (want === WANT_NOTHING) break;
      let data: Buffer | undefined;
      if (want > 0) {
        [data] = yield* first(receive(Math.min(want, 256 * 1024)), sleep(left()));
      } else if (want === WANT_HEAD || want === WANT_LINE) {
        let text: string | undefined;
        try {
          [text] = yield* first(until(want === WANT_HEAD ? '\r\n\r\n' : '\r\n', { limit: maxHeaderSize, encoding: 'latin1' }), sleep(left()));
        } catch (error) {
          if (error instanceof SentinelNotFound) throw new HttpError('DIESEL_ERR_HTTP_HEADERS_TOO_LARGE', 502, `response header section larger than ${maxHeaderSize} bytes`);
          throw error;
        }
        if (text !== undefined) {
          parser.feed(Buffer.from(text, 'latin1'), text);
          continue;
        }
      } else if (want === WANT_EOF) {
        try {
          [data] = yield* first(receive(256 * 1024), sleep(left()));
        } catch (error) {
          if (!(error instanceof ConnectionClosed)) throw error;
          parser.finish();
          continue;
        }
      }
      if (data === undefined) left(); // the sleep won: throws the timeout
      else parser.feed(data);
    }
    const final = responseHead!;
    this.#reusable = final.keepAlive && !final.upgrade;
    if (!this.#reusable) this.close();
    return [final.status, final.headers, parts.length === 1 ? parts[0]! : Buffer.concat(parts, total)];
  }
}

function toBytes(value: unknown): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value);
  if (value instanceof Uint8Array) return value;
  throw new TypeError('a request body chunk must be a string or bytes');
}

async function* frame(source: AsyncIterable<unknown>, chunked: boolean): AsyncGenerator<Uint8Array | string> {
  for await (const value of source) yield* framed(value, chunked);
}

/** The wire pieces for one body chunk: the bytes as they are, or framed as a chunk. */
function* framed(value: unknown, chunked: boolean): Generator<Uint8Array | string, void, unknown> {
  const data = toBytes(value);
  if (data.length === 0) return;
  if (!chunked) yield data;
  else if (data.length <= COPY_LIMIT) yield encodeChunk(data);
  else {
    // A large chunk is written as it is, between its size line and CRLF, not copied.
    yield chunkHeader(data.length);
    yield data;
    yield '\r\n';
  }
}
