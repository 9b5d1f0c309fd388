/**
 * An Application whose core messages (service listening, a handler that throws) go
 * through a Logger, next to the handler's own lines from a sub-logger. The handler
 * throws on `boom`; the error is logged, that connection closes, and the service keeps
 * serving everyone else.
 *
 *   [Sun Sep 20 19:55:22 2009] {info} commands listening on 127.0.0.1:8000
 *   [Sun Sep 20 19:55:22 2009] {commands:info} 127.0.0.1:50312 says hello
 *   [Sun Sep 20 19:55:22 2009] {error} commands: handler for 127.0.0.1:50312 failed: Error: boom
 *       at handleCommands (…)
 *   [Sun Sep 20 19:55:22 2009] {commands:info} 127.0.0.1:50318 says again
 *
 * Try it: `nc 127.0.0.1 8000`, type `hello`, then `boom`.
 */
import { pathToFileURL } from 'node:url';
import { Application, Service, untilEol, type RemoteAddress } from '@diesel/core';
import { LOGLVL_INFO, Logger, type LogOutput } from '@diesel/log';

export function createApp(options: { port?: number; outputs?: LogOutput | LogOutput[] } = {}) {
  const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: options.outputs ?? process.stdout });
  const commandsLog = logger.getSublogger('commands');

  function* handleCommands(remote: RemoteAddress) {
    while (true) {
      const word = (yield* untilEol()).trim();
      if (word === 'boom') throw new Error('boom'); // logged by core through `logger`
      commandsLog.info(`${remote.host}:${remote.port} says ${word}`);
      yield `ok ${word}\r\n`;
    }
  }

  const app = new Application({ logger });
  const service = new Service(handleCommands, { port: options.port ?? 8000, host: '127.0.0.1', name: 'commands' });
  app.addService(service);
  return { app, service, logger };
}

/** Serves on the port in `argv[0]` (default 8000) until SIGINT or SIGTERM; core logs where it listens. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app } = createApp({ port: Number(argv[0] ?? 8000) });
  await app.haltOnSignals().run();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
