/**
 * Echo with `ConnectionClosed` handling, twice: flat (the handler reads and catches)
 * and nested (the read happens two calls down; the exception travels up the generator
 * stack, running each frame's `finally` on the way, until the handler catches it).
 *
 *   node examples-dist/echo-connection-closed.js [port]     (flat on port, nested on port+1; default 8000)
 */
import { pathToFileURL } from 'node:url';
import { Application, ConnectionClosed, Service, until, type RemoteAddress, type Routine } from '@diesel/core';

/** Told what happened, step by step (the console by default; tests collect the lines). */
export type Trace = (line: string) => void;

/**
 * The flat handler: read, echo, and when the client leaves, say so and end.
 * @example
 * app.addService(new Service(echoFlat(), 8000));
 */
export function echoFlat(trace: Trace = console.log) {
  return function* handleEchoFlat(remote: RemoteAddress) {
    const who = `${remote.host}:${remote.port}`;
    try {
      while (true) {
        const message = yield* until('\r\n');
        yield `you said: ${message}`;
      }
    } catch (error) {
      // Anything else is a real failure: let it go up (the service logs it).
      if (!(error instanceof ConnectionClosed)) throw error;
      trace(`flat: ${who} left (${error.code}: ${error.message})`);
    } finally {
      trace(`flat: handler for ${who} finished`);
    }
  };
}

/** Reads one line; the innermost frame, where `ConnectionClosed` is thrown in. */
function* readMessage(trace: Trace): Routine<string> {
  try {
    return yield* until('\r\n');
  } finally {
    trace('nested: readMessage finally');
  }
}

/** One echo round: calls `readMessage` as a nested routine and answers. */
function* echoOnce(trace: Trace): Routine<void> {
  try {
    // Yielding a generator runs it as a nested call (diesel style); its return value
    // comes back here and its exceptions are thrown here.
    const message = (yield readMessage(trace)) as string;
    yield `you said: ${message}`;
  } finally {
    trace('nested: echoOnce finally');
  }
}

/**
 * The nested handler: the same echo, with the read two calls down.
 * @example
 * app.addService(new Service(echoNested(), 8001));
 */
export function echoNested(trace: Trace = console.log) {
  return function* handleEchoNested(remote: RemoteAddress): Routine<void> {
    const who = `${remote.host}:${remote.port}`;
    try {
      while (true) yield echoOnce(trace);
    } catch (error) {
      if (!(error instanceof ConnectionClosed)) throw error;
      trace(`nested: ${who} left (${error.code}: ${error.message})`);
    } finally {
      trace(`nested: handler for ${who} finished`);
    }
  };
}

/**
 * Both handlers in one application: flat on `port`, nested on `nestedPort`.
 * @example
 * const { app, flat, nested } = createEchoClosedApp({ port: 0, nestedPort: 0 });
 */
export function createEchoClosedApp(
  options: { port?: number; nestedPort?: number; trace?: Trace } = {},
): { app: Application; flat: Service; nested: Service } {
  const port = options.port ?? 8000;
  const app = new Application();
  const flat = new Service(echoFlat(options.trace), port);
  const nested = new Service(echoNested(options.trace), options.nestedPort ?? (port === 0 ? 0 : port + 1));
  app.addService(flat).addService(nested);
  return { app, flat, nested };
}

/** Serves until Ctrl-C; prints the ports once listening. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, flat, nested } = createEchoClosedApp({ port: Number(argv[0] ?? 8000) });
  await app.start();
  console.log(`flat echo on port ${flat.port}, nested echo on port ${nested.port}`);
  await app.haltOnSignals().halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
