// A TLS sink in its own process, for bench/bulk.mjs: `node` (a node:tls server counting
// 'data' chunks), `node-join` (node:tls framing 64 KiB blocks, the work `bytes(65536)`
// does), `bytes` (wrapTls via Service's `tls` option, reading `bytes(65536)` until the
// peer's FIN) or `receive` (the same with `receive()`); the routines are
// scripts/bench/sinks.mjs, shared with core's TCP sink. Each connection's byte count goes
// to the parent over IPC when it ends.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import * as core from '@diesel/core';
import '../dist/index.js';
import { serveCpu } from '../../../scripts/bench/lib.mjs';
import { dieselSinks, nodeSink } from '../../../scripts/bench/sinks.mjs';

const [kind, keyPath, certPath] = process.argv.slice(2);
const key = readFileSync(keyPath);
const cert = readFileSync(certPath);
const report = (total) => process.send({ done: total });
serveCpu();

if (kind === 'node' || kind === 'node-join') {
  const server = tls.createServer({ key, cert }, nodeSink(report, { join: kind === 'node-join' }));
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else if (kind === 'bytes' || kind === 'receive') {
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, critical() {} };
  const app = new core.Application({ logger: quiet });
  const service = new core.Service(dieselSinks(core, report)[kind], { port: 0, host: '127.0.0.1', tls: { key, cert } });
  app.addService(service);
  await app.start();
  process.send({ port: service.port });
} else {
  throw new Error(`sink-server: unknown kind ${kind}`);
}
