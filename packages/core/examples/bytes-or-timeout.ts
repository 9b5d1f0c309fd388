/**
 * Two bytes or a three-second timeout: a group (`first`) resumes with whichever member
 * fires first. Bytes that arrive too late are not lost — they stay buffered for the
 * next read.
 *
 *   node examples-dist/bytes-or-timeout.js [port] [seconds]     (8000, 3)
 *   then: nc localhost 8000
 */
import { pathToFileURL } from 'node:url';
import { Application, Service, bytes, first, sleep, type Clock, type RemoteAddress } from '@diesel/core';

/**
 * Makes the handler: greets, then forever waits for two bytes, or `seconds` of silence.
 * @example
 * app.addService(new Service(bytesOrTimeout(3), 8000));
 */
export function bytesOrTimeout(seconds = 3) {
  return function* handleBytesOrTimeout(_remote: RemoteAddress) {
    yield `send me two bytes; I wait ${seconds} s for them\r\n`;
    while (true) {
      // Suspends until two bytes are buffered or the sleep ends; the loser is cancelled.
      const [data, timedOut] = yield* first(bytes(2), sleep(seconds));
      if (timedOut === true) yield `timed out after ${seconds} s\r\n`;
      else if (data !== undefined) yield `you sent: ${data.toString('latin1')}\r\n`;
    }
  };
}

export interface BytesOrTimeoutOptions {
  port?: number;
  seconds?: number;
  /** Time source for `sleep` (tests pass `FakeClock`). */
  clock?: Clock;
}

/**
 * The application serving `bytesOrTimeout(seconds)`.
 * @example
 * const { app, service } = createBytesOrTimeoutApp({ port: 0 });
 */
export function createBytesOrTimeoutApp(options: BytesOrTimeoutOptions = {}): { app: Application; service: Service } {
  const app = new Application(options.clock === undefined ? {} : { clock: options.clock });
  const service = new Service(bytesOrTimeout(options.seconds ?? 3), options.port ?? 8000);
  app.addService(service);
  return { app, service };
}

/** Serves until Ctrl-C; prints the port once listening. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, service } = createBytesOrTimeoutApp({ port: Number(argv[0] ?? 8000), seconds: Number(argv[1] ?? 3) });
  await app.start();
  console.log(`bytes-or-timeout service listening on port ${service.port}`);
  await app.haltOnSignals().halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
