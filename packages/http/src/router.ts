import { HttpHeaders } from './headers.js';
import { ServerRequest } from './request.js';
import { streamBodyWhen, streamsBody } from './stream-body.js';
import type { HttpHandler, HttpRequest, HttpResponse } from './types.js';

/**
 * Routes: a pattern per handler. A pattern is a path, optionally after a method
 * (`'POST /upload'`): literal segments, `:name` segments (decoded into
 * `request.params.name`), and a final `*` that matches the rest of the path
 * (`request.params['*']`, still percent-encoded, without the leading slash).
 * @example
 * const routes: Routes = {
 *   'GET /users/:id': (request) => jsonResponse(request, 200, { id: request.params?.id }),
 *   '/files/*': staticFiles('./files'),
 * };
 */
export type Routes = Readonly<Record<string, HttpHandler>>;

/**
 * What `router(routes, options)` takes; all optional.
 * @example
 * router(routes, { notFound: () => textResponse(404, 'nothing here\n') });
 */
export interface RouterOptions {
  /** Answers requests no route matches (default: a plain 404). */
  notFound?: HttpHandler;
}

interface Route {
  pattern: string;
  method: string | null;
  segments: string[];
  wildcard: boolean;
  literalLength: number;
  handler: HttpHandler;
}

interface Match {
  handler: HttpHandler;
  params: Record<string, string>;
}

/**
 * A handler that dispatches on the request path, so pages, static files, Fetch apps
 * and WebSocket endpoints share one server and one port. Each route's handler runs as
 * if it were the server's own (it may yield tokens, stream, or take the connection
 * over); `router(...)` is itself a handler, so routers nest. Literal routes win over
 * `:param` routes, which win over `*` routes; among `*` routes the longest prefix wins.
 * No route: 404; a route for another method only: 405 with `Allow`.
 * Suspends: as the matched handler does.
 * @example
 * const routes = router({
 *   '/': page,
 *   'POST /api/items': createItem,
 *   '/users/:id': showUser,
 *   '/static/*': staticFiles('./public'),
 *   '/api/*': fetchApp(hono),
 * });
 * app.addService(new Service(new HttpServer(routes), 8000));
 */
export function router(routes: Routes, options: RouterOptions = {}): HttpHandler {
  const exact = new Map<string, Route[]>();
  const patterns: Route[] = [];
  for (const [key, handler] of Object.entries(routes)) {
    if (typeof handler !== 'function') throw new TypeError(`router: the handler for ${JSON.stringify(key)} is not a function`);
    const route = compile(key, handler);
    if (!route.wildcard && route.segments.every((s) => !s.startsWith(':'))) {
      const path = `/${route.segments.join('/')}`;
      const list = exact.get(path) ?? [];
      list.push(route);
      exact.set(path, list);
    } else {
      patterns.push(route);
    }
  }
  // Params before wildcards; longer literal prefixes first.
  patterns.sort((a, b) => Number(a.wildcard) - Number(b.wildcard) || b.literalLength - a.literalLength);
  // The server asks whether the route streams its body, then dispatches: the match is
  // kept on the request (a symbol per router, so nested routers keep their own).
  const matchKey = Symbol('route');
  type Keeps = { [matchKey]?: Match | HttpResponse };

  const resolve = (request: HttpRequest): Match | HttpResponse => {
    const cached = (request as HttpRequest & Keeps)[matchKey];
    if (cached !== undefined) return cached;
    const result = lookup(request);
    if (Object.isExtensible(request)) (request as HttpRequest & Keeps)[matchKey] = result;
    return result;
  };

  const lookup = (request: HttpRequest): Match | HttpResponse => {
    const path = pathOf(request.url);
    if (path === null) return plain(400, 'bad request target');
    const allowed = new Set<string>();
    const candidates = exact.get(path);
    if (candidates !== undefined) {
      for (const route of candidates) {
        if (methodMatches(route, request.method)) return { handler: route.handler, params: {} };
        allowed.add(route.method!);
      }
    }
    const segments = path.split('/').slice(1);
    for (const route of patterns) {
      const params = matchSegments(route, segments);
      if (params === null) continue;
      if (params === undefined) return plain(400, 'bad percent-encoding in the path');
      if (methodMatches(route, request.method)) return { handler: route.handler, params };
      allowed.add(route.method!);
    }
    if (allowed.size > 0) {
      if (allowed.has('GET')) allowed.add('HEAD');
      const response = plain(405, 'method not allowed');
      response.headers.set('Allow', [...allowed].join(', '));
      return response;
    }
    return { handler: options.notFound ?? notFound, params: {} };
  };

  const dispatch: HttpHandler = (request) => {
    const found = resolve(request);
    if (!('handler' in found)) return found;
    return found.handler(withParams(request, found.params));
  };
  return streamBodyWhen(dispatch, (request) => {
    const found = resolve(request);
    return 'handler' in found && streamsBody(found.handler, request);
  });
}

function compile(key: string, handler: HttpHandler): Route {
  const space = key.indexOf(' ');
  const method = space === -1 ? null : key.slice(0, space).toUpperCase();
  const path = space === -1 ? key : key.slice(space + 1).trim();
  if (!path.startsWith('/') && path !== '*') throw new TypeError(`router: pattern ${JSON.stringify(key)} must start with /`);
  const segments = path === '*' ? ['*'] : path.split('/').slice(1);
  const wildcard = segments.at(-1) === '*';
  if (wildcard) segments.pop();
  if (segments.includes('*')) throw new TypeError(`router: * may only end a pattern: ${JSON.stringify(key)}`);
  let literalLength = 0;
  for (const s of segments) {
    if (s.startsWith(':')) break;
    literalLength += s.length + 1;
  }
  return { pattern: key, method, segments, wildcard, literalLength, handler };
}

function methodMatches(route: Route, method: string): boolean {
  return route.method === null || route.method === method || (route.method === 'GET' && method === 'HEAD');
}

/** Params if `segments` match the route; null if not; undefined for bad encoding. */
function matchSegments(route: Route, segments: string[]): Record<string, string> | null | undefined {
  const want = route.segments;
  if (route.wildcard ? segments.length < want.length : segments.length !== want.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const s = segments[i]!;
    if (w.startsWith(':')) {
      if (s.length === 0) return null;
      try {
        params[w.slice(1)] = decodeURIComponent(s);
      } catch {
        return undefined;
      }
    } else if (w !== s) {
      return null;
    }
  }
  if (route.wildcard) params['*'] = segments.slice(want.length).join('/');
  return params;
}

/** The path of a request target (origin-form or absolute-form); null if it has none. */
export function pathOf(url: string): string | null {
  if (url.startsWith('/')) {
    let end = url.length;
    const q = url.indexOf('?');
    if (q !== -1) end = q;
    const h = url.indexOf('#');
    if (h !== -1 && h < end) end = h;
    return end === url.length ? url : url.slice(0, end);
  }
  if (/^https?:\/\//i.test(url)) {
    try {
      return new URL(url).pathname;
    } catch {
      return null;
    }
  }
  return null;
}

function withParams(request: HttpRequest, params: Record<string, string>): HttpRequest {
  if (request instanceof ServerRequest) {
    request.params = { ...request.params, ...params };
    return request;
  }
  return Object.create(request, { params: { value: { ...request.params, ...params }, enumerable: true } }) as HttpRequest;
}

function plain(status: number, text: string): HttpResponse {
  return { status, headers: new HttpHeaders({ 'Content-Type': 'text/plain; charset=utf-8' }), body: `${status} ${text}\n` };
}

function notFound(): HttpResponse {
  return plain(404, 'not found');
}
