// The server side of benchmark 2, in its own process: `raw` (node:net) or `diesel`
// (Service + the seed's echo handler). Tells the parent its port, then serves until killed.
import net from 'node:net';
import { Application, Service, until } from '../dist/index.js';
import { tell, rawEcho } from './shared.mjs';

const kind = process.argv[2];
// Exit (writing a --cpu-prof profile, if asked for) when the parent says so or goes away.
process.on('message', (message) => {
  if (message?.stop === true) process.exit(0);
  if (message?.cpu === true) tell({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => process.exit(0));

function* handleEcho() {
  while (true) {
    const message = yield* until('\r\n');
    yield `you said: ${message}`;
  }
}

if (kind === 'diesel') {
  const app = new Application();
  const service = new Service(handleEcho, { port: 0, host: '127.0.0.1', backlog: 1024 });
  app.addService(service);
  await app.start();
  tell({ port: service.port });
} else if (kind === 'raw') {
  const server = net.createServer({ noDelay: true }, rawEcho);
  server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, () => tell({ port: server.address().port }));
} else {
  throw new Error(`echo-pipeline-server: unknown kind ${kind}`);
}
