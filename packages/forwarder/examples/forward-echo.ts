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

export async function main(): Promise<void> {
  const { echo, forward } = await startExample();
  console.log(`echo on 127.0.0.1:${echo.port}, forwarded from 127.0.0.1:${forward.port}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
