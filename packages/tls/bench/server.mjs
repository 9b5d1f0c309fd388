// One echo server for the benchmark, in its own process: `diesel` (the fast path),
// `diesel-memory` (the in-memory BIO path), or `node` (a plain node:tls server, the
// baseline). Prints "PORT <n>" once listening; answers a "cpu" line on stdin with
// "CPU <microseconds of CPU used so far>"; exits on SIGTERM.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { Application, Service, receive } from '@diesel/core';
import '../dist/index.js';

const [kind, keyPath, certPath] = process.argv.slice(2);

// CPU time is what a shared, loaded machine measures best: wall-clock rates move with
// everyone else's load, the CPU a server spends per byte or per handshake much less.
let pending = '';
process.stdin.on('data', (chunk) => {
  pending += chunk;
  while (pending.includes('\n')) {
    const line = pending.slice(0, pending.indexOf('\n'));
    pending = pending.slice(line.length + 1);
    if (line === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`CPU ${user + system}\n`);
    }
  }
});
const key = readFileSync(keyPath);
const cert = readFileSync(certPath);

function* echo() {
  for (;;) {
    const chunk = yield* receive();
    yield chunk;
  }
}

if (kind === 'node') {
  // noDelay as diesel's Service sets it, so neither side waits on Nagle + delayed ACKs.
  const server = tls.createServer({ key, cert, noDelay: true }, (socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
  process.once('SIGTERM', () => process.exit(0));
} else {
  const transport = kind === 'diesel-memory' ? 'memory' : 'auto';
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, critical() {} };
  const app = new Application({ logger: quiet });
  const service = new Service(echo, { port: 0, host: '127.0.0.1', tls: { key, cert, transport } });
  app.addService(service);
  await app.start();
  console.log(`PORT ${service.port}`);
  process.once('SIGTERM', () => {
    app.halt();
    process.exit(0);
  });
}
