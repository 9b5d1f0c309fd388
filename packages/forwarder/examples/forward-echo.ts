/**
 * An echo service and a forwarder in front of it, in one Application:
 * `nc localhost 8080` talks to the echo service on 8000 through the forwarder,
 * and each connection is logged when it closes.
 */
import { pathToFileURL } from 'node:url';
import { Application, type RemoteAddress, Service, untilEol } from '@diesel/core';
import { type ForwardEvent, formatEvent, forwarder } from '@diesel/forwarder';

export function* handleEcho(_remote: RemoteAddress) {
  while (true) {
    const line = yield* untilEol();
    yield `you said: ${line}`;
  }
}

export interface ExampleOptions {
  echoPort?: number;
  forwardPort?: number;
  log?: (event: ForwardEvent) => void;
}

/** Starts both services; resolves once they listen. `app.halt()` stops them. */
export async function startExample(options: ExampleOptions = {}): Promise<{ app: Application; echo: Service; forward: Service }> {
  const app = new Application();
  const echo = new Service(handleEcho, { port: options.echoPort ?? 8000, host: '127.0.0.1' });
  app.addService(echo);
  await app.start();
  const forward = new Service(
    forwarder({ host: '127.0.0.1', port: echo.port }, { log: options.log ?? ((event) => console.log(formatEvent(event))) }),
    { port: options.forwardPort ?? 8080, host: '127.0.0.1' },
  );
  app.addService(forward);
  // A service added to a running app listens at once; wait until it does.
  while (forward.address === null) await new Promise((resolve) => setImmediate(resolve));
  return { app, echo, forward };
}

/** Serves on the ports in `argv` (forwarder 8080, echo 8000) until SIGINT or SIGTERM; prints where it listens. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, echo, forward } = await startExample({ forwardPort: Number(argv[0] ?? 8080), echoPort: Number(argv[1] ?? 8000) });
  app.haltOnSignals();
  console.log(`forwarder listening on 127.0.0.1:${forward.port}, echo on 127.0.0.1:${echo.port}`);
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
