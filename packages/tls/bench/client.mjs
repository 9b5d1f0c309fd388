// The benchmark's client, a plain node:tls client in its own process.
//   node client.mjs throughput PORT CA BYTES           -> echoes BYTES over one connection
//   node client.mjs handshakes PORT CA COUNT PARALLEL  -> COUNT full handshakes, PARALLEL at a time
// Prints one JSON line: { seconds, bytes } or { seconds, count }.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [mode, portText, caPath, amountText, parallelText = '4'] = process.argv.slice(2);
const port = Number(portText);
const ca = readFileSync(caPath);
const amount = Number(amountText);
const options = { host: '127.0.0.1', port, ca, servername: 'localhost' };

function connect() {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function throughput() {
  const socket = await connect();
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const started = process.hrtime.bigint();
  let sent = 0;
  let received = 0;
  await new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (data) => {
      received += data.length;
      if (received >= amount) resolve();
    });
    const pump = () => {
      while (sent < amount) {
        const n = Math.min(chunk.length, amount - sent);
        sent += n;
        if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  socket.destroy();
  return { seconds, bytes: received };
}

async function handshakes() {
  const parallel = Number(parallelText);
  let next = 0;
  const one = async () => {
    const socket = await connect();
    // One byte there and back: the server has finished its side and run the handler.
    await new Promise((resolve, reject) => {
      socket.once('data', resolve);
      socket.once('error', reject);
      socket.write('x');
    });
    socket.destroy();
  };
  const worker = async () => {
    while (next < amount) {
      next++;
      await one();
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: parallel }, worker));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, count: amount };
}

const result = mode === 'throughput' ? await throughput() : await handshakes();
console.log(JSON.stringify(result));
