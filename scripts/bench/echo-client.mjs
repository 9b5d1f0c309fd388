// A node:net client for scripts/bench/go.mjs: ROUND_TRIPS (argv[3]) echo round trips, one
// at a time, on one connection to 127.0.0.1:port (argv[2]); checks each reply; prints the
// seconds taken as JSON.
import net from 'node:net';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => {
  socket.setEncoding('utf8');
  let pending = '';
  let i = 0;
  let message = `hello, world #${i}!`;
  const started = performance.now();
  socket.on('data', (chunk) => {
    pending += chunk;
    const at = pending.indexOf('\r\n');
    if (at === -1) return;
    const line = pending.slice(0, at + 2);
    pending = pending.slice(at + 2);
    if (line !== `you said: ${message}\r\n`) throw new Error(`bad reply ${JSON.stringify(line)}`);
    if (++i === count) {
      process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000 }));
      socket.destroy();
      return;
    }
    message = `hello, world #${i}!`;
    socket.write(`${message}\r\n`);
  });
  socket.write(`${message}\r\n`);
});
socket.on('error', (error) => {
  console.error(`echo-client: ${error.message}`);
  process.exit(1);
});
