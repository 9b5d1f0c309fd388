// A TLS sink in its own process, for bench/bulk.mjs: `node` (a node:tls server counting
// 'data' chunks), `bytes` (wrapTls via Service's `tls` option, reading `bytes(65536)`
// until the peer's FIN) or `receive` (the same with `receive()`). Each connection's byte
// count goes to the parent over IPC when it ends.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { Application, ConnectionClosed, Service, bytes, receive } from '@diesel/core';
import '../dist/index.js';
import { serveCpu } from '../../../scripts/bench/lib.mjs';

const [kind, keyPath, certPath] = process.argv.slice(2);
const key = readFileSync(keyPath);
const cert = readFileSync(certPath);
serveCpu();

function* sinkBytes() {
  let total = 0;
  try {
    for (;;) total += (yield* bytes(65536)).length;
  } catch (error) {
    if (!(error instanceof ConnectionClosed)) throw error;
    total += error.buffered.length;
  }
  process.send({ done: total });
}

function* sinkReceive() {
  let total = 0;
  try {
    for (;;) total += (yield* receive()).length;
  } catch (error) {
    if (!(error instanceof ConnectionClosed)) throw error;
  }
  process.send({ done: total });
}

if (kind === 'node') {
  const server = tls.createServer({ key, cert }, (socket) => {
    let total = 0;
    socket.on('data', (chunk) => (total += chunk.length));
    socket.on('end', () => {
      process.send({ done: total });
      socket.end();
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else {
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, critical() {} };
  const app = new Application({ logger: quiet });
  const service = new Service(kind === 'bytes' ? sinkBytes : sinkReceive, { port: 0, host: '127.0.0.1', tls: { key, cert } });
  app.addService(service);
  await app.start();
  process.send({ port: service.port });
}
