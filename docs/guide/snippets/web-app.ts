/**
 * A web application on one port: a page, a path parameter with a streamed body, static
 * files, and a Fetch-standard app, all behind one router in one HttpServer.
 *
 *   PORT=8088 node dist/docs/guide/snippets/web-app.js    (serves ./ under /static/)
 *   then: curl http://localhost:8088/countdown/3
 */
import { pathToFileURL } from 'node:url';
import { Application, Service, sleep } from '@diesel/core';
import { HttpClient, HttpServer, fetchApp, httpResponse, router, staticFiles, type HttpRequest } from '@diesel/http';

/** A page. Handlers are generators (or plain functions): they return the response. */
export function* home(request: HttpRequest) {
  return httpResponse(request, 200, { 'Content-Type': 'text/html; charset=utf-8' }, '<h1>hello from diesel</h1>\n');
}

/**
 * `:n` comes from the route. The body is a generator: what it yields is sent as a chunk,
 * and it may yield tokens between chunks, here a sleep, on the connection's routine.
 */
export function* countdown(request: HttpRequest) {
  const from = Math.min(Number(request.params?.['n']) || 3, 10);
  function* body() {
    for (let i = from; i > 0; i--) {
      yield `${i}\n`;
      yield* sleep(0.05);
    }
    yield 'liftoff\n';
  }
  return httpResponse(request, 200, { 'Content-Type': 'text/plain; charset=utf-8' }, body());
}

/** A Fetch-standard app: `Request` in, `Response` out (a Hono app is one: it has `fetch`). */
export async function api(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === 'GET' && url.pathname === '/api/hello') return Response.json({ hello: url.searchParams.get('name') ?? 'world' });
  if (request.method === 'POST' && url.pathname === '/api/reverse') return new Response([...(await request.text())].reverse().join(''));
  return new Response('no such API\n', { status: 404 });
}

/** Every route of the application; `router(...)` is itself an HTTP handler. */
export function webRoutes(publicDir: string) {
  return router({
    '/': home,
    '/countdown/:n': countdown,
    '/static/*': staticFiles(publicDir),
    '/api/*': fetchApp(api),
  });
}

export function createWebApp(options: { port?: number; host?: string; publicDir?: string } = {}) {
  const app = new Application();
  const service = new Service(new HttpServer(webRoutes(options.publicDir ?? process.cwd())), { port: options.port ?? 8088, host: options.host });
  app.addService(service);
  return { app, service };
}

/** The client side: `request` gives `[status, headers, body]`, reading like blocking code. */
export function* getText(host: string, port: number, path: string) {
  const client = new HttpClient();
  yield* client.connect(host, port);
  try {
    const [status, headers, body] = yield* client.request('GET', path);
    return { status, type: headers.first('content-type'), text: body.toString('utf8') };
  } finally {
    client.close();
  }
}

export async function main(): Promise<void> {
  const { app } = createWebApp({ port: Number(process.env['PORT'] ?? 8088) });
  process.once('SIGINT', () => app.halt());
  await app.run();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
