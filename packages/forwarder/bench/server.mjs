// The bench's target, run as a child process: one port, three modes chosen by the first byte.
//   'D' + u64 length: the server sends that many bytes, then ends (download).
//   'U': the server counts bytes until the client ends, then answers the count and ends (upload).
//   'E': echo (request/response latency).
import net from 'node:net';

const block = Buffer.alloc(256 * 1024, 'x');

const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
  socket.on('error', () => {});
  socket.once('readable', function start() {
    const head = socket.read(1);
    if (head === null) return socket.once('readable', start);
    const mode = String.fromCharCode(head[0]);
    if (mode === 'E') return socket.pipe(socket);
    if (mode === 'U') {
      let count = 0;
      socket.on('data', (chunk) => (count += chunk.length));
      socket.on('end', () => socket.end(String(count)));
      return;
    }
    if (mode === 'D') {
      const readLength = () => {
        const length = socket.read(8);
        if (length === null) return socket.once('readable', readLength);
        let left = Number(length.readBigUInt64BE());
        const pump = () => {
          while (left > 0) {
            const n = Math.min(left, block.length);
            left -= n;
            if (!socket.write(n === block.length ? block : block.subarray(0, n))) return socket.once('drain', pump);
          }
          socket.end();
        };
        pump();
        socket.resume();
      };
      return readLength();
    }
    socket.destroy();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
