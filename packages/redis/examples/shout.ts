/**
 * Shout across processes: every line a TCP client sends is shouted to the other clients
 * of every process on the same Redis — `fire` and `wait` as in one process, made to span
 * processes by one option, `events: redisEvents({ url })`.
 *
 *   node examples-dist/shout.js redis://127.0.0.1:6379 8050 &
 *   node examples-dist/shout.js redis://127.0.0.1:6379 8051 &
 *   $ ncat localhost 8050          $ ncat localhost 8051
 *   hello                          ! hello
 */
import { pathToFileURL } from 'node:url';
import { Application, Service, first, fire, untilEol, wait, type Routine } from '@diesel/core';
import { redisEvents } from '@diesel/redis';

/** The parts of a running shout server, for tests and embedding. */
export interface Shout {
  app: Application;
  service: Service;
}

/**
 * Builds the server: each connection waits for a line from its client or a shout from
 * anyone (on any process); a line is fired as a shout, a shout is written to the client.
 * The local waiters wake at `fire` already; Redis carries it to the other processes.
 * @example
 * const shout = createShout('redis://127.0.0.1:6379', 8050);
 * await shout.app.start();
 */
export function createShout(redisUrl: string, port = 0, host = '127.0.0.1'): Shout {
  function* handleShout(): Routine<void> {
    for (;;) {
      const [line, shout] = yield* first(untilEol(), wait<string>('shout'));
      if (line !== undefined) {
        const text = line.trim();
        if (text !== '') yield* fire('shout', text); // a string: JSON can carry it
      } else {
        yield `! ${shout}\r\n`;
      }
    }
  }
  const app = new Application({ events: redisEvents({ url: redisUrl }) });
  const service = new Service(handleShout, { port, host });
  app.addService(service);
  return { app, service };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const shout = createShout(argv[0] ?? 'redis://127.0.0.1:6379', Number(argv[1] ?? 8050), '0.0.0.0');
  await shout.app.haltOnSignals().start();
  console.log(`shouting on port ${shout.service.port}`);
  await shout.app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
