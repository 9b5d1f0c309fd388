// One echo server for bench/ws.mjs, in its own process: `node bench/ws-server.mjs diesel|ws`.
// Tells its parent (IPC) the port it listens on, and answers 'memory' with its RSS and CPU time.
import { Application, Service } from '@diesel/core';
import * as http from '../dist/index.js';
import { WebSocketServer } from 'ws';

const kind = process.argv[2];
const MAX = 80 * 1024 * 1024; // room for the 64 MiB message

function* echo(ws) {
  for (let m = yield* ws.wait(); m !== null; m = yield* ws.wait()) yield* ws.send(m);
}

async function diesel() {
  const endpoint = http.websocket(echo, { maxMessageSize: MAX, origins: '*' });
  const handler = new http.HttpServer(http.router({ '/': endpoint }), { logRequests: false });
  const app = new Application();
  const service = new Service(handler, { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  return service.port;
}

async function ws() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: MAX, perMessageDeflate: false });
  server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise((resolve) => server.once('listening', resolve));
  return server.address().port;
}

const port = kind === 'diesel' ? await diesel() : kind === 'ws' ? await ws() : null;
if (port === null) throw new Error(`usage: ws-server.mjs diesel|ws, got ${kind}`);
process.on('message', (message) => {
  if (message === 'memory') {
    const cpu = process.cpuUsage();
    process.send({ maxRss: process.resourceUsage().maxRSS * 1024, rss: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ port });
