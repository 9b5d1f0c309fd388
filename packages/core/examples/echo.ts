/**
 * The echo service: reads a line, answers `you said: <line>`, for as long as the
 * client stays.
 *
 *   node examples-dist/echo.js [port]     (default 8000; 0 picks a free port)
 */
import { pathToFileURL } from 'node:url';
import { Application, Service, until, type RemoteAddress } from '@diesel/core';

/**
 * The connection handler: one of these runs per accepted connection.
 * `until` suspends until a whole line is buffered; the write suspends only while
 * the socket cannot take more (backpressure).
 * @example
 * app.addService(new Service(handleEcho, 8000));
 */
export function* handleEcho(_remote: RemoteAddress) {
  while (true) {
    const message = yield* until('\r\n'); // typed: string, sentinel included
    yield `you said: ${message}`;
  }
}

/**
 * An application serving `handleEcho` on `port` (0: any free port, read `service.port`).
 * @example
 * const { app, service } = createEchoApp(0);
 * await app.start();
 * console.log(service.port);
 */
export function createEchoApp(port = 8000, host?: string): { app: Application; service: Service } {
  const app = new Application();
  const service = new Service(handleEcho, host === undefined ? { port } : { port, host });
  app.addService(service);
  return { app, service };
}

/** Serves until Ctrl-C; prints the port once listening. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, service } = createEchoApp(Number(argv[0] ?? 8000));
  await app.haltOnSignals().start(); // resolves once every service listens
  console.log(`echo service listening on port ${service.port}`);
  await app.halted(); // until Ctrl-C, SIGTERM or app.halt()
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
