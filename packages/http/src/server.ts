/**
 * The HTTP/1.1 server: a connection handler for core's `Service`. One routine per
 * connection reads a request head with `until('\r\n\r\n')`, feeds it to the sans-I/O
 * parser, reads exactly the body the parser says belongs to the request, runs the
 * handler on the same routine (so a generator handler may yield any token), and writes
 * the response with backpressure. Pipelined requests wait in the connection's buffer and
 * are answered in order; nothing past the current request is ever read, so a handler
 * that takes the connection over (WebSocket) finds the client's next bytes there.
 */
import {
  type Clock,
  ConnectionClosed,
  type Connection,
  type DieselLogger,
  type RemoteAddress,
  type Routine,
  type Yieldable,
  SentinelNotFound,
  describe,
  first,
  sleep,
  thisConnection,
  until,
} from '@diesel/core';
import { currentHub } from './current-hub.js';
import { HttpError } from './errors.js';
import { HttpHeaders } from './headers.js';
import {
  DEFAULT_MAX_CHUNK_LINE_SIZE,
  DEFAULT_MAX_HEADER_SIZE,
  DEFAULT_MAX_HEADERS,
  DEFAULT_MAX_URL_LENGTH,
  H1Parser,
  type MessageHead,
  type ParserLimits,
} from './h1/parser.js';
import { STATUS_TEXT, chunkHeader, encodeChunk, httpDate, lastChunk } from './h1/serializer.js';
import { BodyReader, ServerRequest } from './request.js';
import { BodyWait } from './body-wait.js';
import { isHttpResponse } from './response.js';
import { streamsBody } from './stream-body.js';
import { type HttpBody, type HttpHandler, type HttpResponse, TakenOver } from './types.js';

/**
 * Limits and timeouts of an `HttpServer`; every one has a default.
 * @example
 * new HttpServer(router(routes), { maxBodySize: 10 * 1024 * 1024, headersTimeout: 10, maxHeaderSize: 8 * 1024 });
 */
export interface HttpServerOptions extends ParserLimits {
  /** Largest request body read into `request.body` (default 1 MiB); more is refused with 413. */
  maxBodySize?: number;
  /** Seconds from a request's first byte to the end of its header section (default 60): slowloris protection, 408. */
  headersTimeout?: number;
  /** Seconds from a request's first byte to the end of its body (default 300), 408. */
  requestTimeout?: number;
  /** Seconds an idle keep-alive connection is kept open waiting for the next request (default 5). */
  keepAliveTimeout?: number;
  /** Most bytes of an unread request body dropped after the response to keep the connection (default 64 KiB); more closes it. */
  maxDrainSize?: number;
  /** Log one info line per request (`GET / Host=localhost:8088`) through the application's logger (default true). */
  logRequests?: boolean;
}

/**
 * The default `maxBodySize`.
 * @example
 * new HttpServer(handler, { maxBodySize: DEFAULT_MAX_BODY_SIZE * 2 });
 */
export const DEFAULT_MAX_BODY_SIZE = 1024 * 1024;
/**
 * The default `headersTimeout`.
 * @example
 * new HttpServer(handler, { headersTimeout: DEFAULT_HEADERS_TIMEOUT * 2 });
 */
export const DEFAULT_HEADERS_TIMEOUT = 60;
/**
 * The default `requestTimeout`.
 * @example
 * new HttpServer(handler, { requestTimeout: DEFAULT_REQUEST_TIMEOUT * 2 });
 */
export const DEFAULT_REQUEST_TIMEOUT = 300;
/**
 * The default `keepAliveTimeout`.
 * @example
 * new HttpServer(handler, { keepAliveTimeout: DEFAULT_KEEP_ALIVE_TIMEOUT * 2 });
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT = 5;
/**
 * The default `maxDrainSize`.
 * @example
 * new HttpServer(handler, { maxDrainSize: DEFAULT_MAX_DRAIN_SIZE * 2 });
 */
export const DEFAULT_MAX_DRAIN_SIZE = 64 * 1024;

interface Settings {
  limits: Required<ParserLimits>;
  maxBodySize: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  maxDrainSize: number;
  logRequests: boolean;
}

/** What the connection loop knows while serving. */
interface ConnectionState {
  connection: Connection;
  clock: Clock;
  logger: DieselLogger;
  remote: { host: string; port: number };
  parser: H1Parser;
  /** Responses to pipelined requests are collected in the socket (cork) and sent together. */
  corked: boolean;
  /** The request whose handler is running, if one is. */
  handling: ServerRequest | null;
  /** The deadline-bounded body read, made for the first request with a body. */
  bodyWait: BodyWait | null;
}

/** Sends what corked writes collected. */
function uncork(state: ConnectionState): void {
  if (!state.corked) return;
  state.corked = false;
  state.connection.stream.uncork();
}

/**
 * Corks the socket while more pipelined requests wait, so their small responses leave in
 * one write; uncorks first if `size` more bytes could fill the socket's buffer (a corked
 * socket never drains, so a write that had to wait would wait forever).
 */
function corkFor(state: ConnectionState, size: number): void {
  const stream = state.connection.stream;
  if (state.corked) {
    if (stream.writableLength + size >= stream.writableHighWaterMark) uncork(state);
    return;
  }
  if (state.connection.bufferedLength > 0 && size < stream.writableHighWaterMark - stream.writableLength) {
    stream.cork();
    state.corked = true;
  }
}

const COPY_LIMIT = 16 * 1024;

/**
 * An HTTP/1.1 server: give it to a `Service` as the connection handler.
 * The handler gets each `HttpRequest` and returns an `HttpResponse` (see `httpResponse`),
 * a generator that yields tokens first and then returns one, or a Promise of one.
 * Suspends: it is a connection handler; it runs until the connection ends.
 * @example
 * function* hello(req: HttpRequest) {
 *   return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, 'hello\n');
 * }
 * app.addService(new Service(new HttpServer(hello), 8088));
 */
export class HttpServer {
  readonly handler: HttpHandler;
  readonly #settings: Settings;
  // One token for every head read (tokens hold no state). It also stops at `\n\n`, so a
  // head with bare LF line endings reaches the parser, which refuses it with 400, instead
  // of waiting for a `\r\n\r\n` that never comes until the headers timeout.
  readonly #headToken: ReturnType<typeof until>;

  constructor(handler: HttpHandler, options: HttpServerOptions = {}) {
    if (typeof handler !== 'function') throw new TypeError('HttpServer: the handler must be a function (request) => response');
    this.handler = handler;
    this.#settings = {
      limits: {
        maxHeaderSize: options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE,
        maxHeaders: options.maxHeaders ?? DEFAULT_MAX_HEADERS,
        maxUrlLength: options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH,
        maxChunkLineSize: options.maxChunkLineSize ?? DEFAULT_MAX_CHUNK_LINE_SIZE,
      },
      maxBodySize: options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE,
      headersTimeout: options.headersTimeout ?? DEFAULT_HEADERS_TIMEOUT,
      requestTimeout: options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT,
      keepAliveTimeout: options.keepAliveTimeout ?? DEFAULT_KEEP_ALIVE_TIMEOUT,
      maxDrainSize: options.maxDrainSize ?? DEFAULT_MAX_DRAIN_SIZE,
      logRequests: options.logRequests ?? true,
    };
    this.#headToken = until('\r\n\r\n', { limit: this.#settings.limits.maxHeaderSize, encoding: 'latin1', alternative: '\n\n' });
  }

  /** The connection handler `Service` calls for each accepted connection. */
  handle(remote: RemoteAddress): Routine {
    return this.#serve(remote);
  }

  *#serve(remote: RemoteAddress): Routine {
    const hub = yield* currentHub();
    const connection = yield* thisConnection();
    const state: ConnectionState = {
      connection,
      clock: hub.clock,
      logger: hub.logger,
      remote: { host: remote.host, port: remote.port },
      parser: new H1Parser('request', this.#settings.limits),
      corked: false,
      handling: null,
      bodyWait: null,
    };
    // A client that leaves while its handler runs is noticed here, as nothing reads the
    // socket then: the request's signal is aborted and the socket released at once, so an
    // abandoned long-poll holds no descriptor in CLOSE_WAIT until its handler returns.
    const stopWatching = connection.onPeerGone(() => {
      const request = state.handling;
      if (request === null) return;
      request.abort(new HttpError('DIESEL_ERR_HTTP_CLIENT_GONE', 400, `${remote.host}:${remote.port} left before the response to ${request.method} ${request.url}`));
      connection.destroy();
    });
    try {
      for (let count = 0; ; count++) {
        const keepOpen = yield* this.#exchange(state, count === 0);
        if (!keepOpen) return;
      }
    } catch (error) {
      // The peer leaving is the normal end of a connection, not a failure.
      if (error instanceof ConnectionClosed) return;
      throw error;
    } finally {
      stopWatching();
      state.bodyWait?.end();
      // Whatever corked responses hold must still go out before the connection ends.
      if (!connection.closed) uncork(state);
    }
  }

  /** Serves one request; returns whether the connection stays open for another. */
  *#exchange(state: ConnectionState, firstRequest: boolean): Routine<boolean> {
    const settings = this.#settings;
    const { connection, clock, parser } = state;
    // 1. The head, bounded in size and time. Between requests the wait is the idle
    // keep-alive timeout (an idle connection is closed quietly); once a request has
    // begun, the headers timeout (slowloris: 408). The headers timeout counts from the
    // start of this wait (for the first request: from the accept), never from the end
    // of the idle wait: when a request began is not known, and restarting the clock
    // there gave a slowloris client twice the timeout.
    let idle = connection.bufferedLength === 0 && parser.idle;
    if (idle) uncork(state);
    let startedAt = clock.now();
    const headDeadline = startedAt + settings.headersTimeout * 1000;
    let head: MessageHead | null = null;
    try {
      for (;;) {
        const event = parser.next();
        if (event !== undefined) {
          if (event.type === 'head') {
            head = event.head;
            break;
          }
          continue;
        }
        const wait = idle ? (firstRequest ? settings.headersTimeout : settings.keepAliveTimeout) : (headDeadline - clock.now()) / 1000;
        if (wait <= 0) throw new HttpError('DIESEL_ERR_HTTP_HEADERS_TIMEOUT', 408, 'the request head did not arrive in time');
        let text: string | undefined;
        try {
          // Plain `yield` (not `yield*`) on this hot path: no iterator object per request.
          [text] = (yield first(this.#headToken, sleep(wait))) as [string | undefined, true | undefined];
        } catch (error) {
          if (error instanceof SentinelNotFound) {
            throw new HttpError('DIESEL_ERR_HTTP_HEADERS_TOO_LARGE', 431, `header section larger than ${settings.limits.maxHeaderSize} bytes`);
          }
          throw error;
        }
        if (text === undefined) {
          if (!idle) throw new HttpError('DIESEL_ERR_HTTP_HEADERS_TIMEOUT', 408, 'the request head did not arrive in time');
          if (connection.bufferedLength === 0) return false;
          // A request began while the connection was idle: what is left of the headers timeout.
          idle = false;
          continue;
        }
        if (idle) {
          idle = false;
          startedAt = clock.now();
        }
        parser.feed(Buffer.from(text, 'latin1'), text);
      }
    } catch (error) {
      return yield* this.#refuse(state, error);
    }
    // 3. Checks the parser leaves to the server.
    const request = new ServerRequest(head, state.remote);
    let keepAlive = head.keepAlive;
    const problem = checkRequest(head);
    if (problem !== null) return yield* this.#refuse(state, problem);
    const expect = head.expect;
    let sendContinue = false;
    if (expect !== undefined) {
      if (expect.toLowerCase() !== '100-continue' || head.versionMinor === 0) {
        return yield* this.#refuse(state, new HttpError('DIESEL_ERR_HTTP_EXPECTATION_FAILED', 417, `cannot meet the expectation ${JSON.stringify(expect)}`));
      }
      sendContinue = head.framing !== 'none';
    }
    const handler = this.handler;
    // 4. The body: read whole (bounded) unless the handler streams it.
    let streaming = false;
    let reader: BodyReader | null = null;
    try {
      streaming = streamsBody(handler, request);
      if (streaming || head.framing !== 'none') {
        const deadline = startedAt + settings.requestTimeout * 1000;
        const wait = (state.bodyWait ??= new BodyWait(connection, clock));
        wait.begin(deadline);
        const context = { parser, connection, clock, deadline, wait, maxChunkLineSize: settings.limits.maxChunkLineSize, sendContinue };
        reader = new BodyReader(context, head.framing === 'none');
      }
      if (streaming) request.bodyReader = reader!;
      else if (reader !== null) request.body = yield* reader.readAll(settings.maxBodySize, head.framing === 'length' ? head.contentLength : -1);
      else while (parser.next() !== undefined); // the `end` (and `upgrade`) of a bodiless request
    } catch (error) {
      return yield* this.#refuse(state, error);
    }
    if (head.upgrade) {
      // Not taken over below: the connection goes on as HTTP/1.1.
      parser.reset();
    }
    if (settings.logRequests) state.logger.info(`${request.method} ${request.url} Host=${head.host ?? ''}`);
    // 5. The handler, on this routine.
    let response: HttpResponse;
    try {
      // An upgrade's handler may take the connection over and read it itself (WebSocket,
      // a tunnel): the peer's FIN is then its business, not a client gone mid-request.
      state.handling = head.upgrade ? null : request;
      let result: unknown = handler(request);
      if (isRoutine(result) || isThenable(result)) result = yield result;
      state.handling = null;
      if (result instanceof TakenOver) return false;
      if (!isHttpResponse(result)) throw new TypeError(`the handler returned ${describeValue(result)}, not an HttpResponse (use httpResponse(req, status, headers, body))`);
      response = result;
    } catch (error) {
      state.handling = null;
      if (error instanceof ConnectionClosed) throw error;
      // The client left and the handler gave up (on its aborted signal, say): nobody to answer.
      if (connection.closed) return false;
      // The client's fault (a broken body read by a streaming handler, say): its status, and close.
      if (error instanceof HttpError && error.status < 500) return yield* this.#refuse(state, error);
      state.logger.error(`${request.method} ${request.url}: handler failed: ${describe(error)}`);
      response = errorResponse(500, 'the server failed to answer this request');
      keepAlive = keepAlive && (reader === null || reader.done);
    }
    // A CONNECT not taken over is refused: close after the answer, as node:http does,
    // so what follows it (a tunnel's bytes) is never read as another request.
    if (request.method === 'CONNECT') keepAlive = false;
    // 6. The response: a fixed body leaves in one write (no nested routine); a stream is
    // written piece by piece with backpressure.
    const prepared = prepare(request, response, keepAlive);
    if (prepared.stream) {
      if (!(yield* this.#stream(state, request, prepared))) return false;
    } else {
      corkFor(state, prepared.out.length + (prepared.rest === null ? 0 : prepared.rest.length));
      yield prepared.out;
      if (prepared.rest !== null) yield prepared.rest;
      this.#log(state, request, prepared.status);
      if (!prepared.keepAlive) return false;
    }
    // 7. What the handler left of a streamed body is dropped, up to a limit.
    if (reader !== null && !reader.done) {
      try {
        if (!(yield* reader.discard(settings.maxDrainSize))) return false;
      } catch (error) {
        if (error instanceof HttpError) return false;
        throw error;
      }
    }
    return true;
  }

  /** Answers a request the server cannot serve and ends the connection. */
  *#refuse(state: ConnectionState, error: unknown): Routine<boolean> {
    if (!(error instanceof HttpError)) throw error;
    const status = error.status;
    // Nothing was received of a timed-out head's request beyond the timeout: still say so.
    state.logger.debug(`${state.remote.host}:${state.remote.port}: ${status} ${error.code}: ${error.message}`);
    const body = `${status} ${STATUS_TEXT[status] ?? ''}: ${error.message}\n`;
    yield `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nDate: ${httpDate()}\r\nConnection: close\r\n\r\n${body}`;
    return false;
  }

  /** Writes a prepared streamed response; returns whether the connection stays open. */
  *#stream(state: ConnectionState, request: ServerRequest, prepared: Prepared): Routine<boolean> {
    const { mode, declaredLength, status } = prepared;
    const body = prepared.body;
    uncork(state);
    yield Buffer.from(prepared.head, 'latin1');
    if (request.method === 'HEAD') {
      closeBody(body);
      this.#log(state, request, status);
      return prepared.keepAlive;
    }
    let sent = 0;
    try {
      if (isAsyncIterable(body)) {
        const counter = { sent: 0 };
        yield frameAsync(body, mode, declaredLength, counter);
        sent = counter.sent;
      } else {
        sent = yield* writeSync(body as Iterable<unknown>, mode, declaredLength);
      }
      if (mode === 'length' && sent !== declaredLength) {
        throw new Error(`the response body was ${sent} bytes, but Content-Length said ${declaredLength}`);
      }
    } catch (error) {
      if (error instanceof ConnectionClosed) throw error;
      // The head is out: all that can be done is to cut the connection, so the client
      // sees a truncated response rather than a complete wrong one.
      state.logger.error(`${request.method} ${request.url}: response body failed: ${describe(error)}`);
      state.connection.destroy();
      return false;
    }
    if (mode === 'chunked') yield lastChunk();
    this.#log(state, request, status);
    return prepared.keepAlive;
  }

  #log(state: ConnectionState, request: ServerRequest, status: number): void {
    if (this.#settings.logRequests && status >= 500) state.logger.warn(`${request.method} ${request.url} answered ${status}`);
  }
}

/** A response ready for the wire. */
interface Prepared {
  status: number;
  keepAlive: boolean;
  /** Streamed: the head is in `head` and the body in `body`. */
  stream: boolean;
  head: string;
  body: HttpBody;
  mode: 'length' | 'chunked' | 'close';
  declaredLength: number;
  /** Fixed: the bytes to write (head, and body when small), then `rest` if any. */
  out: Buffer;
  rest: Uint8Array | string | null;
}

const EMPTY = Buffer.alloc(0);

/** Builds the head and decides the framing; for a fixed body, also the bytes to write. */
function prepare(request: ServerRequest, response: HttpResponse, keepAlive: boolean): Prepared {
  const status = response.status;
  const headOnly = request.method === 'HEAD';
  const bodyless = status < 200 || status === 204 || status === 304;
  let head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Unknown'}\r\n`;
  let hasDate = false;
  let declaredLength = -1;
  let hasConnection = false;
  for (const [name, value] of response.headers) {
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'date') hasDate = true;
        break;
      case 10:
        if (name.toLowerCase() === 'connection') {
          hasConnection = true;
          if (hasCloseToken(value)) keepAlive = false;
        }
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') {
          declaredLength = decimal(value);
          continue; // written below, once, as the framing decides
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') continue; // the server frames the body
        break;
    }
    head += `${name}: ${value}\r\n`;
  }
  if (!hasDate) head += `Date: ${httpDate()}\r\n`;
  const body: HttpBody = response.body;
  const http10 = request.version === '1.0';
  const prepared: Prepared = { status, keepAlive, stream: false, head: '', body, mode: 'length', declaredLength, out: EMPTY, rest: null };

  if (bodyless || body === null || body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    let bytes: Uint8Array | null = null;
    let text: string | null = null;
    let length = 0;
    if (!bodyless && body !== null && body !== undefined) {
      if (typeof body === 'string') {
        text = body;
        length = Buffer.byteLength(body);
      } else {
        bytes = body as Uint8Array;
        length = bytes.length;
      }
    } else if (bodyless) {
      closeBody(body);
    }
    // A HEAD answer may say how long the GET body would be.
    if (!bodyless) head += `Content-Length: ${headOnly && body == null && declaredLength >= 0 ? declaredLength : length}\r\n`;
    head += `${connectionLine(hasConnection, keepAlive, http10)}\r\n`;
    if (headOnly || length === 0) {
      prepared.out = Buffer.from(head, 'latin1');
    } else if (length <= COPY_LIMIT) {
      // One buffer, one write: the head in latin1 (header bytes as given), the body after it.
      const headLength = head.length;
      const out = Buffer.allocUnsafe(headLength + length);
      out.write(head, 0, 'latin1');
      if (text !== null) out.write(text, headLength, 'utf8');
      else out.set(bytes!, headLength);
      prepared.out = out;
    } else {
      prepared.out = Buffer.from(head, 'latin1');
      prepared.rest = text ?? bytes!;
    }
    return prepared;
  }

  // A streamed body: declared length, chunked (HTTP/1.1) or until close (HTTP/1.0).
  prepared.stream = true;
  if (declaredLength >= 0) {
    prepared.mode = 'length';
    head += `Content-Length: ${declaredLength}\r\n`;
  } else if (!http10) {
    prepared.mode = 'chunked';
    head += 'Transfer-Encoding: chunked\r\n';
  } else {
    prepared.mode = 'close';
    keepAlive = false;
    prepared.keepAlive = false;
  }
  prepared.head = `${head}${connectionLine(hasConnection, keepAlive, http10)}\r\n`;
  return prepared;
}

/** Whether a Connection value lists `close`; one pass, no regular expression. */
function hasCloseToken(value: string): boolean {
  for (const token of value.split(',')) if (token.trim().toLowerCase() === 'close') return true;
  return false;
}

/** A non-negative decimal integer, or -1. */
function decimal(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return -1;
  }
  return Number(value);
}

function connectionLine(hasConnection: boolean, keepAlive: boolean, http10: boolean): string {
  if (hasConnection) return '';
  if (!keepAlive) return 'Connection: close\r\n';
  return http10 ? 'Connection: keep-alive\r\n' : '';
}

/** Checks the parser leaves to a server: protocol, version, Host, transfer codings. */
function checkRequest(head: MessageHead): HttpError | null {
  if (head.protocol !== 'HTTP') return new HttpError('DIESEL_ERR_HTTP_BAD_REQUEST_LINE', 400, `${head.protocol} is not HTTP`);
  if (head.versionMajor !== 1) return new HttpError('DIESEL_ERR_HTTP_VERSION_NOT_SUPPORTED', 505, `HTTP/${head.version} is not supported`);
  if (head.versionMinor === 1) {
    // RFC 9112 §3.2: exactly one Host in an HTTP/1.1 request, or 400.
    if (head.hostCount !== 1) return new HttpError('DIESEL_ERR_HTTP_BAD_HEADER', 400, head.hostCount === 0 ? 'no Host header' : 'more than one Host header');
  }
  for (const coding of head.transferCodings) {
    if (coding !== 'chunked') return new HttpError('DIESEL_ERR_HTTP_UNSUPPORTED_TRANSFER_CODING', 501, `transfer coding ${coding} is not implemented`);
  }
  return null;
}

function errorResponse(status: number, message: string): HttpResponse {
  const body = `${status} ${STATUS_TEXT[status] ?? ''}: ${message}\n`;
  return { status, headers: new HttpHeaders({ 'Content-Type': 'text/plain; charset=utf-8' }), body };
}

/** Writes a sync iterable body; a generator may also yield tokens (sleep, wait, a promise) between chunks. */
function* writeSync(source: Iterable<unknown>, mode: 'length' | 'chunked' | 'close', declared: number): Routine<number> {
  const iterator = source[Symbol.iterator]();
  let sent = 0;
  let input: unknown = undefined;
  let finished = false;
  try {
    for (;;) {
      const step = iterator.next(input);
      input = undefined;
      if (step.done === true) {
        finished = true;
        return sent;
      }
      const value = step.value;
      if (typeof value === 'string' || value instanceof Uint8Array) {
        const data = typeof value === 'string' ? Buffer.from(value) : value;
        if (data.length === 0) continue;
        sent += data.length;
        if (mode === 'length' && sent > declared) throw new Error(`the response body is longer than its Content-Length ${declared}`);
        if (mode !== 'chunked') yield data;
        else if (data.length <= COPY_LIMIT) yield encodeChunk(data);
        else {
          yield chunkHeader(data.length);
          yield data;
          yield '\r\n';
        }
      } else {
        // Anything else is for the hub: a token, a promise, a nested routine (the runner
        // checks it; a body iterable is not typed as a routine).
        input = yield value as Yieldable;
      }
    }
  } finally {
    if (!finished) iterator.return?.();
  }
}

async function* frameAsync(
  source: AsyncIterable<unknown>,
  mode: 'length' | 'chunked' | 'close',
  declared: number,
  counter: { sent: number },
): AsyncGenerator<Uint8Array | string> {
  for await (const value of source) {
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw new TypeError(`a response body chunk must be a string or bytes, not ${describeValue(value)}`);
    const data = typeof value === 'string' ? Buffer.from(value) : value;
    if (data.length === 0) continue;
    counter.sent += data.length;
    if (mode === 'length' && counter.sent > declared) throw new Error(`the response body is longer than its Content-Length ${declared}`);
    if (mode !== 'chunked') yield data;
    else if (data.length <= COPY_LIMIT) yield encodeChunk(data);
    else {
      yield chunkHeader(data.length);
      yield data;
      yield '\r\n';
    }
  }
}

/** Releases a body that will not be sent (HEAD, 204, 304). */
function closeBody(body: HttpBody | undefined): void {
  if (body === null || body === undefined || typeof body === 'string' || body instanceof Uint8Array) return;
  try {
    if (isAsyncIterable(body)) void body[Symbol.asyncIterator]().return?.();
    else (body as { return?: () => unknown }).return?.();
  } catch {
    // Nothing to report: the body was not wanted.
  }
}

function isRoutine(value: unknown): value is Routine {
  return typeof value === 'object' && value !== null && typeof (value as Routine).next === 'function' && typeof (value as Routine).throw === 'function';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}
