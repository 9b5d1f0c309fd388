import type { Routine } from '@diesel/core';
import type { HttpHeaders } from './headers.js';

/**
 * The contract every part of @diesel/http builds on (server, router, static files,
 * fetch adapter, WebSocket). Kept in one small file so the parts agree.
 */

/**
 * A request as the server's handler sees it.
 * @example
 * function hello(request: HttpRequest) {
 *   const name = new URL(request.url, 'http://x').searchParams.get('name') ?? request.remote.host;
 *   return textResponse(200, `hello ${name} (${request.method}, HTTP/${request.version})\n`);
 * }
 */
export interface HttpRequest {
  readonly method: string;
  /** The request target as sent (`/path?query`). */
  readonly url: string;
  /** `'1.1'` or `'1.0'`. */
  readonly version: string;
  readonly headers: HttpHeaders;
  /**
   * The whole body, read before the handler runs (bounded by the server's `maxBodySize`),
   * or null when the handler was mounted with streaming request bodies.
   */
  readonly body: Buffer | null;
  /** The peer address. */
  readonly remote: { host: string; port: number };
  /**
   * Path parameters a `router` matched: `:name` segments by name, and the rest of a
   * `/prefix/*` pattern as `'*'`. Absent when no router was involved.
   */
  readonly params?: Readonly<Record<string, string>>;
  /**
   * The body as it arrives, for handlers mounted with `streamBody(handler)` (then `body`
   * is null). Absent otherwise.
   */
  readonly bodyReader?: HttpBodyReader;
  /**
   * Aborted when the client leaves (FIN or reset) before the response is written, with an
   * `HttpError` of code `DIESEL_ERR_HTTP_CLIENT_GONE` as its reason: a long-poll or a slow
   * query can stop early. The server's requests always have one; optional so that other
   * `HttpRequest` objects (tests, adapters) need not.
   */
  readonly signal?: AbortSignal;
  /**
   * The body parsed as JSON (UTF-8). The body was read within the server's `maxBodySize`
   * (1 MiB by default; larger is a 413 before the handler runs). An empty or invalid body
   * throws `HttpError` `DIESEL_ERR_HTTP_BAD_JSON`, which the server answers with 400 when
   * the handler lets it go. The type parameter is a claim, not a check: validate what you
   * rely on. Suspends: no.
   * @example
   * function* create(req: HttpRequest) {
   *   const { name } = req.json<{ name: string }>();
   *   return jsonResponse(req, 201, { created: name });
   * }
   */
  json<T = unknown>(): T;
}

/**
 * Reads a request body piece by piece, on the connection's routine, never past the end
 * of the request (so the next pipelined request stays in the connection's buffer).
 * @example
 * function* count(request: HttpRequest) {
 *   const reader = request.bodyReader!; // a streamed body (see streamBody)
 *   for (let chunk = yield* reader.read(); chunk !== null; chunk = yield* reader.read()) {}
 *   return textResponse(200, `${reader.received} bytes\n`);
 * }
 */
export interface HttpBodyReader {
  /**
   * Suspends: until some body bytes arrive (at most `max`); returns them, or null once the
   * body has ended. Throws `HttpError` (timeout, bad chunk) and `ConnectionClosed`.
   */
  read(max?: number): Routine<Buffer | null>;
  /** True once the whole body has been read. */
  readonly done: boolean;
  /** Bytes read so far. */
  readonly received: number;
}

/**
 * A response body: bytes, text, or chunks streamed with backpressure — an iterable, an
 * async iterable (a Node stream, a WHATWG ReadableStream), or a generator that yields
 * chunks and may yield tokens between them (`yield* sleep(1)`, a promise, a `wait`),
 * which the server runs on the connection's routine.
 * @example
 * const body: HttpBody = (function* () {
 *   for (let i = 3; i > 0; i--) {
 *     yield `${i}\n`;
 *     yield* sleep(1); // between chunks: the client sees each one as it comes
 *   }
 * })();
 * const countdown = httpResponse(null, 200, { 'Content-Type': 'text/plain' }, body);
 */
export type HttpBody = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array> | Routine<unknown> | null;

/**
 * What a handler returns; the server serialises it. `httpResponse`, `textResponse` and
 * `jsonResponse` build one.
 * @example
 * const created: HttpResponse = { status: 201, headers: new HttpHeaders().set('Location', '/items/7'), body: null };
 */
export interface HttpResponse {
  readonly status: number;
  readonly headers: HttpHeaders;
  readonly body: HttpBody;
}

/**
 * A handler that has taken the connection over (a WebSocket upgrade, CONNECT tunnel):
 * it wrote its own bytes and used the connection with socket tokens; the server sends
 * nothing more and closes the connection when the handler returns it. There is one
 * instance; handlers return it through `takenOver()`.
 * @example
 * function isResponse(result: HttpResponse | TakenOver): result is HttpResponse {
 *   return !(result instanceof TakenOver);
 * }
 */
export class TakenOver {
  static readonly instance = new TakenOver();
  // A private member makes the type nominal: an empty class would accept any object,
  // so a handler returning a generator that yields the wrong things would still type-check.
  readonly #takenOver = true;
  private constructor() {}
  /** Always true: tells a `TakenOver` apart from a response. */
  get takenOver(): boolean {
    return this.#takenOver;
  }
}

/**
 * Returned by a handler that used the connection itself (see TakenOver): the server
 * writes no response and does not read another request from this connection.
 * @example
 * // A line protocol behind `GET /raw`: answer by hand, then keep the socket.
 * function* raw(_request: HttpRequest) {
 *   yield 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: lines\r\nConnection: Upgrade\r\n\r\n';
 *   const line = yield* until('\r\n');
 *   yield `you said: ${line}`;
 *   return takenOver();
 * }
 */
export function takenOver(): TakenOver {
  return TakenOver.instance;
}

/**
 * An HTTP handler. It runs on the connection's own routine, so a generator handler may
 * yield any token (sleep, wait, a `@call` on a client) — and socket tokens act on the
 * client's connection, which is how an upgrade takes the connection over.
 * @example
 * const slow: HttpHandler = function* (request) {
 *   yield* sleep(1);
 *   return textResponse(200, `${request.url} after a second\n`);
 * };
 * app.addService(new Service(new HttpServer(slow), 8000));
 */
export type HttpHandler = (request: HttpRequest) => HttpResponse | TakenOver | Routine<HttpResponse | TakenOver> | Promise<HttpResponse>;
