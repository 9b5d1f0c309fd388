// The load side of benchmark 2 (raw node:net, the same for both servers): CONNECTIONS
// connections, each keeping WINDOW echo lines in flight (sent in batches), counting the
// reply lines that come back. Asked by the parent, reports lines/s over a timed window.
import net from 'node:net';
import { ECHO_LINE, hear, tell } from './shared.mjs';

const [port, connections = '100', window = '64'] = process.argv.slice(2).map(Number);
const BATCH = window / 2;
const batch = ECHO_LINE.repeat(BATCH);
const expected = Buffer.byteLength(`you said: ${ECHO_LINE}`);
let received = 0;

function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let inFlight = 0;
    let bytes = 0;
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.on('data', (chunk) => {
        // Replies have a fixed length, so counting bytes counts lines.
        bytes += chunk.length;
        const lines = Math.floor(bytes / expected);
        bytes -= lines * expected;
        received += lines;
        inFlight -= lines;
        if (inFlight <= window - BATCH) {
          socket.write(batch);
          inFlight += BATCH;
        }
      });
      socket.write(batch.repeat(2));
      inFlight += window;
      resolve(socket);
    });
  });
}

const sockets = await Promise.all(Array.from({ length: connections }, open));
tell({ ready: true });
for (;;) {
  const { measure } = await hear();
  if (measure === undefined) break;
  const before = received;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, measure * 1000));
  const lines = received - before;
  tell({ linesPerSecond: lines / ((performance.now() - started) / 1000), lines });
}
for (const socket of sockets) socket.destroy();
process.exit(0);
