/**
 * Producers and backpressure. A producer is an async iterable of chunks (an async
 * generator, a file stream): yielding one streams it to the connection, one chunk at a
 * time, each written only once the socket has taken the one before.
 *
 *   node examples-dist/producers.js 8002 8003
 *   then: nc -C localhost 8002     and type `count 5` or `cat producers.ts`;
 *         nc localhost 8003 > /dev/null for the firehose
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Application, ConnectionClosed, Service, untilEol, type RemoteAddress } from '@diesel/core';

/** A producer: it makes chunks and knows nothing about sockets. */
export async function* countTo(n: number) {
  for (let i = 1; i <= n; i++) yield `${i}\r\n`;
}

/**
 * A line protocol whose answers are producers: `count N` streams N lines, `cat NAME`
 * streams a file of `dir`. A failing producer (a missing file) throws into the handler.
 */
export function producerHandler(dir: string) {
  return function* handleProducers(_remote: RemoteAddress) {
    while (true) {
      const [command = '', argument = ''] = (yield* untilEol()).trim().split(/\s+/, 2);
      try {
        if (command === 'count') yield countTo(Number(argument));
        else if (command === 'cat') yield fs.createReadStream(path.join(dir, path.basename(argument)));
        else yield `unknown command ${JSON.stringify(command)}\r\n`;
        yield '.\r\n';
      } catch (error) {
        if (error instanceof ConnectionClosed) throw error; // the client left: end here
        yield `error: ${(error as NodeJS.ErrnoException).code ?? String(error)}\r\n`;
      }
    }
  };
}

/**
 * Writes numbered lines as fast as the client reads them, forever. Each write suspends
 * while the socket's buffer is full, so a client that stops reading stops the loop:
 * memory stays bounded. `progress` is told how many lines were written.
 */
export function firehose(progress: (lines: number) => void = () => {}) {
  return function* handleFirehose(_remote: RemoteAddress) {
    for (let n = 0; ; n++) {
      yield `line ${n} ${'x'.repeat(1000)}\r\n`;
      progress(n + 1);
    }
  };
}

/** Both services in one application: the producers on `port`, the firehose on `firehosePort`. */
export function createProducersApp(options: { port?: number; firehosePort?: number; dir?: string; progress?: (lines: number) => void } = {}) {
  const app = new Application();
  const producers = new Service(producerHandler(options.dir ?? process.cwd()), { port: options.port ?? 8002, host: '127.0.0.1' });
  const hose = new Service(firehose(options.progress), { port: options.firehosePort ?? 8003, host: '127.0.0.1' });
  app.addService(producers).addService(hose);
  return { app, producers, hose };
}

/** Serves on the ports in `argv` (producers 8002, firehose 8003) until SIGINT or SIGTERM; prints where it listens. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, producers, hose } = createProducersApp({ port: Number(argv[0] ?? 8002), firehosePort: Number(argv[1] ?? 8003) });
  await app.haltOnSignals().start();
  console.log(`producers listening on 127.0.0.1:${producers.port}, firehose on 127.0.0.1:${hose.port}`);
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
