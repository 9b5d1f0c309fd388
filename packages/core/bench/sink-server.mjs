// A TCP sink in its own process, for bench/bulk.mjs: `raw` (node:net counting 'data'
// chunks), `bytes` (diesel reading `bytes(65536)` until the peer's FIN) or `receive`
// (diesel reading `receive()` until FIN). Each connection's byte count goes to the parent
// over IPC when it ends, so the parent times the whole transfer as the server saw it.
import net from 'node:net';
import { Application, ConnectionClosed, Service, bytes, receive } from '../dist/index.js';
import { serveCpu } from '../../../scripts/bench/lib.mjs';

const kind = process.argv[2];
const CHUNK = 65536;
serveCpu();

function* sinkBytes() {
  let total = 0;
  try {
    for (;;) total += (yield* bytes(CHUNK)).length;
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

if (kind === 'raw') {
  const server = net.createServer((socket) => {
    let total = 0;
    socket.on('data', (chunk) => (total += chunk.length));
    socket.on('end', () => {
      process.send({ done: total });
      socket.end();
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else if (kind === 'bytes' || kind === 'receive') {
  const app = new Application();
  const service = new Service(kind === 'bytes' ? sinkBytes : sinkReceive, { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  process.send({ port: service.port });
} else {
  throw new Error(`sink-server: unknown kind ${kind}`);
}
