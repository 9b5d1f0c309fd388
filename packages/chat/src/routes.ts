import { HttpHeaders, type HttpHandler, type HttpRequest, type HttpResponse, type OriginPolicy, type WebSocketLimits, websocket } from '@diesel/http';
import { chatPage } from './page.js';
import type { ChatRoom } from './room.js';
import { chatSocket } from './web-socket.js';

/**
 * What `chatRoutes(room, prefix, options)` takes: who may open the socket, and the
 * WebSocket limits (`maxMessageSize`, …); all optional.
 * @example
 * router({ ...chatRoutes(room, '/chat', { origins: ['https://chat.example'], maxMessageSize: 64 * 1024 }) });
 */
export interface ChatRoutesOptions extends WebSocketLimits {
  /** Origins allowed to open the chat socket (default: the page's own origin only), as `websocket()` takes them. */
  origins?: OriginPolicy;
  /** The socket's first message, before the nick is read (default: none); the page shows it in its log. */
  greeting?: string;
}

/**
 * The chat page and its WebSocket as router routes: `prefix` (and `prefix/`) serve the
 * page, `prefix/ws` the socket. With `prefix` '' the page is at `/` and the socket at
 * `/ws`. Mount them in any `router()` beside other pages. Suspends: no.
 * @example
 * const room = new ChatRoom();
 * const routes = router({ '/': home, ...chatRoutes(room, '/chat') });
 * app.addService(new Service(new HttpServer(routes), 8088));
 */
export function chatRoutes(room: ChatRoom, prefix = '/chat', options: ChatRoutesOptions = {}): Record<string, HttpHandler> {
  const { origins, greeting, ...limits } = options;
  const socketPath = `${prefix}/ws`;
  const html = chatPage(socketPath);
  const page = (request: HttpRequest): HttpResponse => {
    const allowed = request.method === 'GET' || request.method === 'HEAD';
    return {
      status: allowed ? 200 : 405,
      headers: new HttpHeaders(allowed ? { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } : { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' }),
      body: allowed ? html : 'method not allowed\n',
    };
  };
  const routes: Record<string, HttpHandler> = {
    [prefix === '' ? '/' : prefix]: page,
    [socketPath]: websocket(chatSocket(room, greeting === undefined ? {} : { greeting }), { origins, maxMessageSize: 64 * 1024, ...limits }),
  };
  if (prefix !== '') routes[`${prefix}/`] = page;
  return routes;
}
