/**
 * A WebSocket endpoint and a page on the same port, and a diesel WebSocket client.
 *
 *   cd docs && npx pnpm@12.4.2 examples && node examples-dist/ws-echo.js 8089
 */
import { pathToFileURL } from 'node:url';
import { Application, Service } from '@diesel/core';
import { HttpServer, WebSocketClient, router, textResponse, websocket, type WebSocket } from '@diesel/http';

/** The socket handler: `wait()` gives the next message, or null once the peer closed. */
export function* shout(ws: WebSocket) {
  for (let message = yield* ws.wait(); message !== null; message = yield* ws.wait()) {
    yield* ws.send(typeof message === 'string' ? message.toUpperCase() : message);
  }
}

/** One server: the page at `/`, the socket at `/shout` (pages from other origins get 403). */
export function createShoutApp(options: { port?: number; host?: string } = {}) {
  const app = new Application();
  const routes = router({
    '/': () => textResponse(200, 'open a WebSocket to /shout\n'),
    '/shout': websocket(shout),
  });
  const service = new Service(new HttpServer(routes), { port: options.port ?? 8089, host: options.host });
  app.addService(service);
  return { app, service };
}

/** The client: the same `send` / `wait` from a routine. */
export function* askToShout(url: string, text: string) {
  const ws = yield* WebSocketClient.connect(url);
  try {
    yield* ws.send(text);
    return yield* ws.wait();
  } finally {
    yield* ws.close();
  }
}

/** Serves on the port in `argv[0]` (default 8089) until SIGINT or SIGTERM; prints where it listens. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, service } = createShoutApp({ port: Number(argv[0] ?? 8089) });
  await app.haltOnSignals().start();
  console.log(`ws-echo listening on http://localhost:${service.port}/ (socket at /shout)`);
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
