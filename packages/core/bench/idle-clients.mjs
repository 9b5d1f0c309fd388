// The client side of benchmark 3: opens COUNT connections to the server (a few hundred
// connects in flight at a time), says so, and holds them until killed.
import net from 'node:net';
import { tell } from './shared.mjs';

const [port, total] = process.argv.slice(2).map(Number);
const IN_FLIGHT = 256;
const sockets = [];

function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      sockets.push(socket);
      resolve();
    });
    socket.once('error', reject);
  });
}

let next = 0;
async function worker() {
  while (next < total) {
    next++;
    await open();
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
tell({ open: sockets.length });
process.on('disconnect', () => process.exit(0));
