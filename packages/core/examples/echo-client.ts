/**
 * An echo client built on `Client`: `@call *echo(message)` runs on the client's
 * connection, and the caller reads like blocking code. Start the echo service first.
 *
 *   node examples-dist/echo.js 8000 &
 *   node examples-dist/echo-client.js [host] [port] [count]   (localhost 8000 5000)
 */
import { pathToFileURL } from 'node:url';
import { Application, Client, Loop, call, until } from '@diesel/core';

/**
 * A client for the echo service. Each `@call` method holds the connection for its whole
 * request/response, so two routines sharing one client never interleave their bytes.
 * @example
 * const client = new EchoClient();
 * yield* client.connect('localhost', 8000);
 * const reply = yield* client.echo('hi'); // 'you said: hi\r\n'
 */
export class EchoClient extends Client {
  /** Suspends: until the service's reply line has arrived; returns it (with `\r\n`). */
  @call
  *echo(message: string) {
    yield `${message}\r\n`;
    return yield* until('\r\n');
  }
}

/** What `echoLoop` did. */
export interface EchoLoopResult {
  calls: number;
  seconds: number;
}

/**
 * Connects and makes `count` echo calls one after another, checking each reply; returns
 * how long they took. Throws on a wrong reply (and `ConnectError` / `ConnectionClosed`).
 * `onReply` sees every reply, in order.
 * @example
 * const { seconds } = yield* echoLoop('localhost', 8000, 5000);
 */
export function* echoLoop(host: string, port: number, count = 5000, onReply?: (index: number, reply: string) => void) {
  const client = new EchoClient();
  yield* client.connect(host, port); // suspends until connected; throws ConnectError if refused
  try {
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const message = `hello, world #${i}!`;
      const reply = yield* client.echo(message);
      if (reply !== `you said: ${message}\r\n`) throw new Error(`call ${i}: unexpected reply ${JSON.stringify(reply)}`);
      onReply?.(i, reply);
    }
    const result: EchoLoopResult = { calls: count, seconds: (performance.now() - started) / 1000 };
    return result;
  } finally {
    client.close();
  }
}

/** Runs `echoLoop` in an Application that halts itself when the loop is done. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const [host = 'localhost', port = '8000', count = '5000'] = argv;
  const app = new Application();
  app.addLoop(
    new Loop(function* echoMain() {
      try {
        const { calls, seconds } = yield* echoLoop(host, Number(port), Number(count));
        console.log(`${calls} loops in ${seconds.toFixed(2)}s`);
      } catch (error) {
        console.error(`echo client failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      } finally {
        app.halt();
      }
    }),
  );
  await app.run();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
