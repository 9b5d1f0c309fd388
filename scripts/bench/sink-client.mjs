// The load for the bulk sink benchmarks, in its own process: a node:net client (or a
// node:tls one when a CA file is given) that writes `bytes` (argv[3]) to
// 127.0.0.1:port (argv[2]) in 64 KiB writes with backpressure, then half-closes and
// exits once the server closes.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const port = Number(process.argv[2]);
const total = Number(process.argv[3]);
const caPath = process.argv[4];
const chunk = Buffer.alloc(65536, 120);
const connect = caPath ? (cb) => tls.connect({ port, host: '127.0.0.1', ca: readFileSync(caPath), servername: 'localhost' }, cb) : (cb) => net.connect({ port, host: '127.0.0.1' }, cb);
const socket = connect(() => {
  let sent = 0;
  const more = () => {
    while (sent < total) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void socket.once('drain', more);
    }
    socket.end();
  };
  more();
});
socket.on('data', () => {});
socket.on('close', () => process.exit(0));
socket.on('end', () => socket.destroy());
socket.on('error', (error) => {
  console.error(`sink-client: ${error.message}`);
  process.exit(1);
});
