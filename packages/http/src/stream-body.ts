import type { HttpHandler, HttpRequest } from './types.js';

const STREAMS: unique symbol = Symbol.for('@diesel/http.streamBody');

type Marked = { [STREAMS]?: boolean | ((request: HttpRequest) => boolean) };

/**
 * Marks a handler as reading the request body itself, as it arrives, through
 * `request.bodyReader` (then `request.body` is null and no `maxBodySize` applies; the
 * handler decides). Returns the same handler.
 * @example
 * const upload = streamBody(function* (req: HttpRequest) {
 *   let size = 0;
 *   for (let chunk = yield* req.bodyReader!.read(); chunk !== null; chunk = yield* req.bodyReader!.read()) size += chunk.length;
 *   return httpResponse(req, 200, {}, `${size} bytes\n`);
 * });
 */
export function streamBody<H extends HttpHandler>(handler: H): H {
  (handler as H & Marked)[STREAMS] = true;
  return handler;
}

/** @internal Lets a dispatching handler (the router) decide per request. */
export function streamBodyWhen<H extends HttpHandler>(handler: H, test: (request: HttpRequest) => boolean): H {
  (handler as H & Marked)[STREAMS] = test;
  return handler;
}

/**
 * True if `handler` reads `request`'s body itself (see `streamBody`); the server asks
 * this before it reads a body.
 * @example
 * streamsBody(streamBody(function* (req: HttpRequest) { return httpResponse(req, 204); }), req); // true
 */
export function streamsBody(handler: HttpHandler, request: HttpRequest): boolean {
  const mark = (handler as HttpHandler & Marked)[STREAMS];
  if (mark === undefined) return false;
  return typeof mark === 'function' ? mark(request) : mark;
}
