// A TCP sink in its own process, for bench/bulk.mjs: `raw` (node:net counting 'data'
// chunks), `raw-join` (node:net framing 64 KiB blocks), `bytes` (diesel reading
// `bytes(65536)` until the peer's FIN) or `receive` (diesel reading `receive()` until
// FIN); the routines are scripts/bench/sinks.mjs, shared with the TLS sink. Each
// connection's byte count goes to the parent over IPC when it ends, so the parent times
// the whole transfer as the server saw it.
import net from 'node:net';
import * as core from '../dist/index.js';
import { serveCpu } from '../../../scripts/bench/lib.mjs';
import { dieselSinks, nodeSink } from '../../../scripts/bench/sinks.mjs';

const kind = process.argv[2];
const report = (total) => process.send({ done: total });
serveCpu();

if (kind === 'raw' || kind === 'raw-join') {
  const server = net.createServer(nodeSink(report, { join: kind === 'raw-join' }));
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else if (kind === 'bytes' || kind === 'receive') {
  const app = new core.Application();
  const service = new core.Service(dieselSinks(core, report)[kind], { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  process.send({ port: service.port });
} else {
  throw new Error(`sink-server: unknown kind ${kind}`);
}
