/**
 * The seed's live-graph demo: an HTML page and a WebSocket on one port, served by one
 * application. The page opens the socket; the server sends a random value in [0, 1)
 * every `interval` seconds; the page plots them as they arrive.
 *
 * Mount it in any router with `liveGraphRoutes('/graph')`, or run it alone with `main()`.
 */
import { pathToFileURL } from 'node:url';
import { Application, ConnectionClosed, type Routine, Service, sleep, spawn } from '@diesel/core';
import {
  HttpHeaders,
  type HttpHandler,
  type HttpRequest,
  type HttpResponse,
  HttpServer,
  type OriginPolicy,
  type WebSocket,
  WebSocketError,
  router,
  websocket,
} from '@diesel/http';
import { liveGraphPage } from './page.js';

export interface LiveGraphOptions {
  /** Seconds between values (default 0.1). */
  interval?: number;
  /** Origins allowed to open the socket (default: the page's own origin only). */
  origins?: OriginPolicy;
}

/** Sends a random value every `interval` seconds until the socket closes. */
export function* feedValues(ws: WebSocket, interval: number): Routine<void> {
  try {
    while (!ws.closed) {
      yield* ws.send(String(Math.random()));
      yield* sleep(interval);
    }
  } catch (error) {
    // The page went away between two values: that ends the feed, it is not a failure.
    if (!(error instanceof WebSocketError) && !(error instanceof ConnectionClosed)) throw error;
  }
}

/**
 * The socket handler: a child task feeds values while this routine waits for the page
 * to close (wait() also answers pings). When it returns, the socket closes with 1000 and
 * the feed, being its child, is cancelled if it is still running.
 */
export function graphSocket(interval = 0.1): (ws: WebSocket) => Routine<void> {
  return function* graph(ws: WebSocket): Routine<void> {
    yield* spawn(feedValues, ws, interval);
    while ((yield* ws.wait()) !== null) {
      // The page sends nothing; anything it does send is ignored.
    }
  };
}

/**
 * The page and its socket as router routes: `prefix` serves the page (and `prefix/`),
 * `prefix/ws` the WebSocket. With `prefix` '' the page is at `/` and the socket at `/ws`.
 * @example
 * const routes = router({ ...liveGraphRoutes('/graph'), '/': home });
 */
export function liveGraphRoutes(prefix = '/graph', options: LiveGraphOptions = {}): Record<string, HttpHandler> {
  const socketPath = `${prefix}/ws`;
  const html = liveGraphPage(socketPath);
  const page = (request: HttpRequest): HttpResponse => ({
    status: request.method === 'GET' || request.method === 'HEAD' ? 200 : 405,
    headers: new HttpHeaders({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }),
    body: html,
  });
  const routes: Record<string, HttpHandler> = {
    [prefix === '' ? '/' : prefix]: page,
    [socketPath]: websocket(graphSocket(options.interval ?? 0.1), { origins: options.origins }),
  };
  if (prefix !== '') routes[`${prefix}/`] = page;
  return routes;
}

export interface LiveGraphServer {
  app: Application;
  /** The bound port (the real one when 0 was asked for). */
  port: number;
}

/**
 * Serves the live graph alone — the page at `/`, the socket at `/ws` — on one port, and
 * resolves once it listens. `server.app.halt()` stops it.
 * @example
 * const { port } = await serveLiveGraph({ port: 8000 });
 */
export async function serveLiveGraph(options: LiveGraphOptions & { port?: number; host?: string; app?: Application } = {}): Promise<LiveGraphServer> {
  const app = options.app ?? new Application();
  const service = new Service(new HttpServer(router(liveGraphRoutes('', options))), { port: options.port ?? 8000, host: options.host, name: 'live-graph' });
  app.addService(service);
  await app.start();
  return { app, port: service.port };
}

/** Runs the demo alone: `node examples-dist/live-graph/live-graph.js 8000`, then open http://localhost:8000/. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, port } = await serveLiveGraph({ port: Number(argv[0] ?? 8000) });
  app.haltOnSignals();
  console.log(`live graph listening on http://localhost:${port}/`);
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
