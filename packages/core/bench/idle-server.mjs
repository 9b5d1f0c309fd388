// The server side of benchmark 3, in its own process (run with --expose-gc): `raw`
// (node:net, an echo data handler per socket) or `diesel` (Service + the seed's echo
// handler, each connection's routine suspended in `until`). Reports its memory when asked.
import net from 'node:net';
import { Application, Service, until } from '../dist/index.js';
import { sleepMs, tell, rawEcho } from './shared.mjs';

const kind = process.argv[2];
let count = () => 0;

function* handleEcho() {
  while (true) {
    const message = yield* until('\r\n');
    yield `you said: ${message}`;
  }
}

async function memory() {
  // Several collections with pauses, so what is left is what the connections hold.
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleepMs(100);
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers, connections: count() };
}

process.on('message', async (message) => {
  if (message.memory === true) tell({ memory: await memory() });
  if (message.waitFor !== undefined) {
    while (count() < message.waitFor) await sleepMs(50);
    tell({ connections: count() });
  }
  if (message.stop === true) process.exit(0);
});
process.on('disconnect', () => process.exit(0));

if (kind === 'diesel') {
  const app = new Application();
  const service = new Service(handleEcho, { port: 0, host: '127.0.0.1', backlog: 4096 });
  app.addService(service);
  await app.start();
  count = () => service.connectionCount;
  tell({ port: service.port });
} else if (kind === 'raw') {
  let open = 0;
  const server = net.createServer({ noDelay: true }, (socket) => {
    open++;
    socket.once('close', () => open--);
    rawEcho(socket);
  });
  count = () => open;
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => tell({ port: server.address().port }));
} else {
  throw new Error(`idle-server: unknown kind ${kind}`);
}
