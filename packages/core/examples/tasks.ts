/**
 * Tasks, timeouts and cancellation: a slow echo service (a line "3 hello" is answered
 * after 3 seconds), clients that give up after a deadline or race two servers, a handler
 * whose helper task never outlives its connection, and per-routine state with `Local`.
 *
 *   node examples-dist/tasks.js [port]      (8000), then: nc -C localhost 8000
 */
import { pathToFileURL } from 'node:url';
import {
  Application,
  Cancelled,
  Client,
  Local,
  Service,
  Timeout,
  all,
  call,
  race,
  sleep,
  spawn,
  timeout,
  until,
  type RemoteAddress,
} from '@diesel/core';

/** Echoes each line; a line starting with a number of seconds is answered that much later. */
export function* handleSlowEcho(_remote: RemoteAddress) {
  while (true) {
    const line = yield* until('\r\n');
    const delay = Number.parseFloat(line);
    if (delay > 0) yield* sleep(delay);
    yield `you said: ${line}`;
  }
}

/** One request at a time on one connection, as in chapter 3. */
export class EchoClient extends Client {
  @call *echo(message: string) {
    yield `${message}\r\n`;
    return yield* until('\r\n');
  }
}

/** The reply, or null if none came within `seconds` (the call is cancelled, the client usable again). */
export function* echoWithin(client: EchoClient, message: string, seconds: number) {
  try {
    return yield* timeout(seconds, client.echo(message));
  } catch (error) {
    if (error instanceof Timeout) return null;
    throw error;
  }
}

/** Asks every client at once; the first reply wins and the other calls are cancelled. */
export function* fastestReply(clients: readonly EchoClient[], message: string) {
  return yield* race(clients.map((client) => client.echo(message)));
}

/** Asks every client at once and waits for all the replies, in order. */
export function* everyReply(clients: readonly EchoClient[], message: string) {
  return yield* all(clients.map((client) => client.echo(message)));
}

/** Writes a heartbeat on the connection every `seconds` until cancelled. */
export function* heartbeat(seconds: number, beats: { sent: number; stopped: boolean }) {
  try {
    while (true) {
      yield* sleep(seconds);
      yield 'beat\r\n';
      beats.sent++;
    }
  } finally {
    beats.stopped = true; // runs when the handler ends: the task is its child
  }
}

/** A handler with a helper: the heartbeat task is cancelled when the handler returns. */
export function heartbeatHandler(seconds: number, beats = { sent: 0, stopped: false }) {
  return function* handleWithHeartbeat(_remote: RemoteAddress) {
    yield* spawn(heartbeat, seconds, beats);
    while (true) {
      const line = yield* until('\r\n');
      if (line === 'bye\r\n') return; // closes the connection and cancels the heartbeat
      yield `got ${line}`;
    }
  };
}

/** A worker that cleans up when it is cancelled, with a last write of its own. */
export function* cancellableWorker(log: string[]) {
  try {
    while (true) {
      yield* sleep(1);
      log.push('working');
    }
  } catch (error) {
    if (error instanceof Cancelled) log.push('cancelled');
    throw error;
  } finally {
    yield* sleep(0.01); // a cancelled routine may still yield while it cleans up
    log.push('cleaned up');
  }
}

/** The current request's id: each routine sees its own, children start with a copy. */
export const requestId = new Local('-');

/** A log line tagged with the running routine's request id. */
export function tagged(message: string): string {
  return `[${requestId.value}] ${message}`;
}

/** Handles one request: sets its id, then logs from itself and from a child task. */
export function* handleRequest(id: string, lines: string[]) {
  requestId.value = id;
  lines.push(tagged('start'));
  const child = yield* spawn(function* lookup() {
    yield* sleep(0.01);
    lines.push(tagged('child looked it up')); // the parent's id, copied at spawn
  });
  yield* child.join();
  lines.push(tagged('done'));
}

/**
 * The slow echo service.
 * @example
 * const { app, service } = createSlowEchoApp(0);
 */
export function createSlowEchoApp(port = 8000, host?: string): { app: Application; service: Service } {
  const app = new Application();
  const service = new Service(handleSlowEcho, { port, host });
  app.addService(service);
  return { app, service };
}

/** Serves until Ctrl-C; prints the port once listening. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, service } = createSlowEchoApp(Number(argv[0] ?? 8000));
  await app.haltOnSignals().start();
  console.log(`slow echo service listening on port ${service.port}`);
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
