/**
 * CPU-heavy work off the hub: a routine hands the job to a piscina worker pool and yields
 * the Promise it gets back. The routine suspends until the worker is done, and meanwhile
 * the hub serves every other connection — nothing runs the job on the hub's thread.
 *
 *   node examples-dist/cpu-off-the-hub.js [port]      (8000)
 *   then: nc localhost 8000, and type `burn 3` (a three-second job) or any line (echoed)
 */
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { Application, Service, until, type RemoteAddress } from '@diesel/core';

/** What the worker (examples/cpu-worker.mjs) returns. */
export interface BurnResult {
  rounds: number;
  digest: string;
}

// Resolved from the source folder, so both examples/ (tests) and examples-dist/ (the
// compiled example) find the one worker file.
const WORKER = new URL('../examples/cpu-worker.mjs', import.meta.url).href;

/**
 * Makes the handler: `burn <seconds>` runs a job in `pool`, any other line is echoed.
 * @example
 * const pool = new Piscina({ filename: WORKER });
 * app.addService(new Service(cpuHandler(pool), 8000));
 */
export function cpuHandler(pool: Piscina) {
  return function* handleCpu(_remote: RemoteAddress) {
    while (true) {
      const line = yield* until('\r\n');
      const job = /^burn (\d+(?:\.\d+)?)\r\n$/.exec(line);
      if (job === null) {
        yield `echo: ${line}`;
        continue;
      }
      // Yielding a Promise suspends this routine only; the hub goes on serving others.
      const result = (yield pool.run({ seconds: Number(job[1]) })) as BurnResult;
      yield `burned ${result.rounds} rounds: ${result.digest}\r\n`;
    }
  };
}

/**
 * The application and its pool; `stop()` halts the app and then the pool's threads.
 * @example
 * const { app, stop } = createCpuApp({ port: 0 });
 * await app.start();
 * await stop();
 */
export function createCpuApp(options: { port?: number; threads?: number } = {}): { app: Application; service: Service; pool: Piscina; stop(): Promise<void> } {
  const pool = new Piscina({ filename: WORKER, maxThreads: options.threads ?? 2 });
  const app = new Application();
  const service = new Service(cpuHandler(pool), options.port ?? 8000);
  app.addService(service);
  const stop = async (): Promise<void> => {
    app.halt();
    await app.halted();
    // After the app: a job still running finishes (or is dropped) with no routine waiting.
    await pool.destroy();
  };
  return { app, service, pool, stop };
}

/** Serves until Ctrl-C; prints the port once listening. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, service, stop } = createCpuApp({ port: Number(argv[0] ?? 8000) });
  await app.start();
  console.log(`cpu-off-the-hub listening on ${service.port}`);
  process.once('SIGINT', () => void stop());
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
