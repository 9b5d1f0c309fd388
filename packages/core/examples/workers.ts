/**
 * The echo service on every core: `run({ workers })` forks worker processes that run this
 * same file and share its port; each answer says which worker took the connection.
 *
 *   node examples-dist/workers.js [port] [workers]   (defaults 8000 and 2; "auto": one per core)
 *   then, several times: nc -C localhost 8000
 */
import { pathToFileURL } from 'node:url';
import { Application, Service, until, type RemoteAddress } from '@diesel/core';

/**
 * An echo handler whose every line names the worker (and process) answering it.
 * @example
 * app.addService(new Service(workerEcho(app.worker), 8000));
 */
export function workerEcho(worker: number | null) {
  const name = worker === null ? `pid ${process.pid}` : `worker ${worker} (pid ${process.pid})`;
  return function* handleEcho(_remote: RemoteAddress) {
    yield `${name} here\r\n`;
    while (true) {
      const message = yield* until('\r\n');
      yield `${name}: ${message}`;
    }
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.argv[2] ?? 8000);
  const workers = process.argv[3] === 'auto' ? 'auto' : Number(process.argv[3] ?? 2);
  const app = new Application();
  app.addService(new Service(workerEcho(app.worker), { port, host: '127.0.0.1' }));
  // The primary and every worker run this line; each gets past it once it is up.
  await app.start({ workers });
  if (app.worker === null) console.log(`primary (pid ${process.pid}): every worker listens on port ${port}; Ctrl-C stops them all`);
  await app.halted();
  if (app.worker === null) console.log('every worker halted');
}
