import { HttpHeaders } from './headers.js';
import type { HttpBody, HttpRequest, HttpResponse } from './types.js';

/**
 * Header fields as a handler may give them: `HttpHeaders`, `[name, value]` pairs, or a
 * record (an array value sends the field once per element).
 * @example
 * const headers: HeadersInit = { 'Cache-Control': 'no-store', 'Set-Cookie': ['a=1', 'b=2'] };
 * const response = textResponse(200, 'ok\n', headers);
 */
export type HeadersInit = HttpHeaders | Iterable<readonly [string, string]> | Record<string, string | number | readonly string[]>;

/**
 * Makes an `HttpHeaders` from any `HeadersInit` (the same object if it already is one).
 * @example
 * toHeaders({ 'Set-Cookie': ['a=1', 'b=2'] }).get('set-cookie'); // ['a=1', 'b=2']
 */
export function toHeaders(init: HeadersInit | undefined): HttpHeaders {
  if (init instanceof HttpHeaders) return init;
  const headers = new HttpHeaders();
  if (init === undefined) return headers;
  if (Symbol.iterator in init) {
    for (const [name, value] of init as Iterable<readonly [string, string]>) headers.add(name, value);
  } else {
    for (const [name, value] of Object.entries(init)) {
      if (Array.isArray(value)) for (const v of value as readonly string[]) headers.add(name, v);
      else headers.add(name, value as string | number);
    }
  }
  return headers;
}

/**
 * Builds the response a handler returns; the server does the wire work (status line,
 * `Content-Length` or chunked framing, `Date`, `Connection`, nothing after a HEAD).
 * The body may be text, bytes, or chunks (an iterable, async iterable or generator)
 * streamed with backpressure. Suspends: no (it only builds a value).
 * @example
 * function* hello(req: HttpRequest) {
 *   return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, 'hello\n');
 * }
 */
export function httpResponse(_request: HttpRequest | null, status: number, headers?: HeadersInit, body: HttpBody = null): HttpResponse {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`httpResponse: invalid status ${status}`);
  return { status, headers: toHeaders(headers), body };
}

/**
 * True for a value shaped like an `HttpResponse` (checked by shape, so responses made
 * by another copy of this package pass too).
 * @example
 * isHttpResponse(httpResponse(null, 204)); // true
 */
export function isHttpResponse(value: unknown): value is HttpResponse {
  if (typeof value !== 'object' || value === null || typeof (value as HttpResponse).status !== 'number') return false;
  const headers = (value as HttpResponse).headers as Partial<HttpHeaders> | null | undefined;
  return typeof headers === 'object' && headers !== null && typeof headers.first === 'function' && typeof headers[Symbol.iterator] === 'function';
}

/**
 * A plain-text response (`text/plain; charset=utf-8`). Suspends: no.
 * @example
 * const notFound = () => textResponse(404, 'no such page\n');
 */
export function textResponse(status: number, text: string, headers?: HeadersInit): HttpResponse {
  const h = toHeaders(headers);
  if (!h.has('content-type')) h.set('Content-Type', 'text/plain; charset=utf-8');
  return { status, headers: h, body: text };
}

/**
 * A JSON response: `value` serialized with `JSON.stringify`, sent as
 * `application/json; charset=utf-8` (unless `headers` names another type). Throws
 * `TypeError` for a value JSON cannot represent (`undefined`, a function). Suspends: no.
 * @example
 * function* user(req: HttpRequest) {
 *   return jsonResponse(req, 200, { id: 1, name: 'Ada' });
 * }
 */
export function jsonResponse(request: HttpRequest | null, status: number, value: unknown, headers?: HeadersInit): HttpResponse {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`jsonResponse: ${typeof value} cannot be sent as JSON`);
  const h = toHeaders(headers);
  if (!h.has('content-type')) h.set('Content-Type', 'application/json; charset=utf-8');
  return httpResponse(request, status, h, text);
}
