import { ConnectionClosed, type Routine, describe, thisConnection } from '@diesel/core';
import { currentHub } from '../current-hub.js';
import { HttpHeaders } from '../headers.js';
import { type HttpRequest, type HttpResponse, type TakenOver, takenOver } from '../types.js';
import { CloseCode, WebSocketError } from './errors.js';
import { type OriginPolicy, acceptKey, checkUpgrade, negotiateDeflate } from './handshake.js';
import { DEFAULT_DEFLATE_THRESHOLD, type PerMessageDeflateOption, WebSocket, type WebSocketLimits } from './socket.js';

/**
 * What `websocket()` runs once the handshake is done: a generator given the socket and the upgrade request.
 * @example
 * const shout: WebSocketHandler = function* (ws, request) {
 *   yield* ws.send(`hello from ${request.url}`);
 *   for (let m = yield* ws.wait(); m !== null; m = yield* ws.wait()) yield* ws.send(String(m).toUpperCase());
 * };
 */
export type WebSocketHandler = (ws: WebSocket, request: HttpRequest) => Routine<unknown>;

/**
 * What `websocket(handler, options)` takes: who may connect, subprotocols, compression,
 * and the socket limits; all optional.
 * @example
 * websocket(handler, { origins: ['http://localhost:8000'], protocols: ['chat'], perMessageDeflate: true });
 */
export interface WebSocketServerOptions extends WebSocketLimits {
  /**
   * The page origins (`scheme://host[:port]`) allowed to open the socket, or `'*'` for
   * any. Default: same origin only (the Origin's host equals the request's Host). A
   * disallowed Origin gets 403: without this check any web page a user visits could
   * open the socket with the user's cookies (cross-site WebSocket hijacking). Requests
   * without an Origin header (not from a browser) are allowed.
   */
  origins?: OriginPolicy;
  /**
   * Subprotocols the server speaks, in order of preference; the first one the client
   * offers is chosen and available as `ws.protocol`. Default: none.
   */
  protocols?: readonly string[];
  /**
   * permessage-deflate (RFC 7692): accepted when the client offers it, without context
   * takeover both ways; messages of at least `threshold` bytes (default 1024) are sent
   * compressed. Default false.
   */
  perMessageDeflate?: PerMessageDeflateOption;
}

/**
 * An HTTP handler that upgrades the request to a WebSocket (RFC 6455) and runs
 * `handler(ws, request)` on the connection's own routine. A bad handshake is answered
 * 400 or 426, a disallowed Origin 403, both as ordinary responses. When the handler
 * returns, the socket is closed with 1000 (if it is still open); when it throws, the error
 * is logged and the socket closed with 1011; when the application halts, with 1001 "going
 * away". Mount it on a router path like any other page.
 * Suspends: it is the connection's handler — it runs until the socket closes.
 * @example
 * const routes = router({
 *   '/': page,
 *   '/ws': websocket(function* (ws) {
 *     for (let m = yield* ws.wait(); m !== null; m = yield* ws.wait()) yield* ws.send(m);
 *   }, { origins: ['http://localhost:8000'] }),
 * });
 * app.addService(new Service(new HttpServer(routes), 8000));
 */
export function websocket(handler: WebSocketHandler, options: WebSocketServerOptions = {}): (request: HttpRequest) => Routine<HttpResponse | TakenOver> {
  const { origins, protocols = [], perMessageDeflate = false, ...limits } = options;
  const threshold = typeof perMessageDeflate === 'object' ? (perMessageDeflate.threshold ?? DEFAULT_DEFLATE_THRESHOLD) : DEFAULT_DEFLATE_THRESHOLD;
  return function* upgrade(request: HttpRequest): Routine<HttpResponse | TakenOver> {
    const check = checkUpgrade(request, origins);
    if (!check.ok) {
      const headers = new HttpHeaders({ 'Content-Type': 'text/plain; charset=utf-8', ...check.headers });
      return { status: check.status, headers, body: `${check.reason}\n` };
    }
    const protocol = protocols.find((p) => check.protocols.includes(p)) ?? '';
    const connection = yield* thisConnection();
    let head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(check.key)}\r\n`;
    if (protocol !== '') head += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
    const agreed = perMessageDeflate === false ? null : negotiateDeflate(request.headers.get('sec-websocket-extensions'));
    if (agreed !== null) head += `Sec-WebSocket-Extensions: ${agreed.response}\r\n`;
    yield `${head}\r\n`;
    const deflate = agreed === null ? null : { threshold, windowBits: agreed.windowBits };
    const ws = new WebSocket(connection, { role: 'server', protocol, deflate, ...limits });
    try {
      yield handler(ws, request);
      if (!ws.closed) yield* ws.close(CloseCode.NORMAL);
    } catch (error) {
      if (isGone(error)) return takenOver();
      // Logged here rather than thrown on: the server would answer it with an HTTP 500,
      // and this connection no longer speaks HTTP.
      const hub = yield* currentHub();
      hub.logger.error(`WebSocket ${request.url}: handler failed: ${describe(error)}`);
      if (!ws.closed) {
        try {
          yield* ws.close(CloseCode.INTERNAL_ERROR);
        } catch {
          // The handler's error is the one worth reporting.
        }
      }
    } finally {
      // Reached on halt too (the routine is killed and cannot suspend): a close frame
      // 1001 "going away" written at once tells the page to reconnect rather than
      // report a broken connection (1006); then the socket does not linger.
      if (!ws.closed) ws.goAway();
    }
    return takenOver();
  };
}

/** The peer left, or the socket was closed under a sender: the end of the story, not a failure. */
function isGone(error: unknown): boolean {
  return error instanceof ConnectionClosed || (error instanceof WebSocketError && error.code === 'DIESEL_ERR_WS_CLOSED');
}
