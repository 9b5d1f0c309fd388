/**
 * Pages, static files, a Fetch-standard (Hono) API and a WebSocket on one server and
 * one port, all run by one diesel hub.
 *
 *   npx pnpm@12.4.2 examples && node examples-dist/one-port.js 8000
 *   open http://localhost:8000/static/   (curl http://localhost:8000/api/time)
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Application, Service, sleep } from '@diesel/core';
import { HttpServer, fetchApp, httpResponse, router, staticFiles, websocket, type HttpRequest, type WebSocket } from '@diesel/http';
import { Hono } from 'hono';

/** A diesel page: a generator handler may yield tokens before it answers. Suspends: briefly. */
export function* page(req: HttpRequest) {
  yield* sleep(0); // any token works here: wait for an event, call a client, ...
  return httpResponse(req, 200, { 'Content-Type': 'text/html; charset=utf-8' }, '<a href="/static/">static</a> · <a href="/api/time">api</a>\n');
}

/** The Fetch-standard part, written with Hono. */
export function api(): Hono {
  return new Hono().basePath('/api').get('/time', (c) => c.json({ now: new Date().toISOString() }));
}

/** Echoes every WebSocket message. Suspends: until the peer closes. */
export function* echo(ws: WebSocket) {
  for (let message = yield* ws.wait(); message !== null; message = yield* ws.wait()) yield* ws.send(message);
}

/** The whole site as one handler. */
export function site(publicDir = fileURLToPath(new URL('./public/', import.meta.url))) {
  return router({
    '/': page,
    '/static/*': staticFiles(publicDir),
    '/api/*': fetchApp(api()),
    '/ws': websocket(echo, { origins: '*' }),
  });
}

/** Serves the site on the port in `argv[0]` (default 8000) until SIGINT or SIGTERM; prints where it listens. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const app = new Application();
  const service = new Service(new HttpServer(site()), Number(argv[0] ?? 8000));
  app.addService(service);
  await app.haltOnSignals().start();
  console.log(`one-port listening on http://localhost:${service.port}/`);
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
