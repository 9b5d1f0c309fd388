// The diesel hello-world server for bench/workers.mjs: `node diesel-workers.mjs PORT N`
// runs it in N worker processes (`app.run({ workers: N })`), or with N = 1 in this one
// process. The primary (or the single process) tells the bench, over IPC, the pids whose
// CPU time it should add up: the workers and the primary (which accepts the connections
// and hands them to the workers under node:cluster's round-robin).
import cluster from 'node:cluster';
import { Application, Service } from '@diesel/core';
import { HttpServer, httpResponse } from '../../dist/index.js';

const [port, workers] = process.argv.slice(2).map(Number);

function* hello(req) {
  return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, 'Hello, World!');
}

const app = new Application();
app.addService(new Service(new HttpServer(hello), { port, host: '127.0.0.1' }));
await app.start(workers > 1 ? { workers } : {});
if (app.worker === null) {
  const pids = [process.pid, ...Object.values(cluster.workers ?? {}).map((worker) => worker.process.pid)];
  process.send({ port, pids });
  // The bench ends this server by disconnecting (or dying): halt everything then.
  process.on('disconnect', () => app.halt());
  await app.halted();
}
