// Throughput and request/response latency through diesel-forward vs a direct connection
// (and, as references, a bare node:net pipe() forwarder and socat when installed). Servers and forwarders run in
// child processes; the same client code drives every path. Run after `pnpm build`.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../dist/cli.js');
if (!existsSync(CLI)) {
  console.error('dist/cli.js is missing: run `pnpm build` first');
  process.exit(1);
}
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const TRANSFER = Number(process.env.BENCH_BYTES ?? GiB);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 20_000);
const children = [];

function child(command, args, readyPattern) {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(proc);
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const match = readyPattern.exec(out);
      if (match) resolve(Number(match[1]));
    });
    proc.once('exit', (code) => reject(new Error(`${command} exited (${code}) before it was ready: ${out}`)));
  });
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function download(port, bytes) {
  const socket = await connect(port);
  const head = Buffer.alloc(9);
  head.write('D');
  head.writeBigUInt64BE(BigInt(bytes), 1);
  const start = process.hrtime.bigint();
  socket.write(head);
  let got = 0;
  socket.on('data', (chunk) => (got += chunk.length));
  await new Promise((resolve) => socket.once('end', resolve));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  if (got !== bytes) throw new Error(`download: got ${got} of ${bytes} bytes`);
  return bytes / seconds;
}

async function upload(port, bytes) {
  const socket = await connect(port);
  const block = Buffer.alloc(256 * 1024, 'y');
  const start = process.hrtime.bigint();
  socket.write('U');
  let reply = '';
  socket.on('data', (chunk) => (reply += chunk));
  const done = new Promise((resolve) => socket.once('end', resolve));
  let left = bytes;
  while (left > 0) {
    const n = Math.min(left, block.length);
    left -= n;
    if (!socket.write(n === block.length ? block : block.subarray(0, n))) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  await done;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  if (Number(reply) !== bytes) throw new Error(`upload: server counted ${reply} of ${bytes} bytes`);
  return bytes / seconds;
}

async function latency(port, rounds) {
  const socket = await connect(port);
  socket.write('E');
  const message = Buffer.alloc(64, 'z');
  const samples = new Float64Array(rounds);
  let pending = 0;
  let resolveRound = null;
  socket.on('data', (chunk) => {
    pending -= chunk.length;
    if (pending <= 0 && resolveRound) resolveRound();
  });
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    pending = message.length;
    await new Promise((resolve) => {
      resolveRound = resolve;
      socket.write(message);
    });
    samples[i] = Number(process.hrtime.bigint() - start) / 1e3;
  }
  socket.destroy();
  samples.sort();
  const mean = samples.reduce((a, b) => a + b, 0) / rounds;
  return { mean, p50: samples[Math.floor(rounds * 0.5)], p99: samples[Math.floor(rounds * 0.99)] };
}

function hasSocat() {
  try {
    execFileSync('which', ['socat'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const target = await child(process.execPath, [here('./server.mjs')], /^(\d+)\n/);
  const paths = [['direct', target]];
  const forwardPort = await child(process.execPath, [CLI, '127.0.0.1:0', `127.0.0.1:${target}`], /listening on 127\.0\.0\.1:(\d+)/);
  paths.push(['diesel-forward', forwardPort]);
  paths.push(['node pipe()', await child(process.execPath, [here('./node-pipe.mjs'), String(target)], /^(\d+)\n/)]);
  if (hasSocat()) {
    const socatPort = await freePort();
    const proc = spawn('socat', [`TCP-LISTEN:${socatPort},bind=127.0.0.1,reuseaddr,fork`, `TCP:127.0.0.1:${target}`], { stdio: 'ignore' });
    children.push(proc);
    for (let i = 0; i < 100; i++) {
      try {
        (await connect(socatPort)).destroy();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    paths.push(['socat', socatPort]);
  }

  // Warm up every path (JIT, TCP buffers), then measure them interleaved so machine
  // noise hits all paths alike.
  for (const [, port] of paths) {
    await download(port, 64 * MiB);
    await upload(port, 64 * MiB);
    await latency(port, 2000);
  }
  const results = new Map(paths.map(([name]) => [name, { down: [], up: [], lat: [] }]));
  const rounds = 2;
  for (let r = 0; r < rounds; r++) {
    for (const [name, port] of paths) {
      const entry = results.get(name);
      entry.down.push(await download(port, TRANSFER / rounds));
      entry.up.push(await upload(port, TRANSFER / rounds));
      entry.lat.push(await latency(port, ROUND_TRIPS / rounds));
    }
  }
  const avg = (list) => list.reduce((a, b) => a + b, 0) / list.length;
  const direct = results.get('direct');
  const base = { down: avg(direct.down), up: avg(direct.up), mean: avg(direct.lat.map((l) => l.mean)) };
  console.log(`\n${TRANSFER / MiB} MiB each way per path, ${ROUND_TRIPS} round trips of 64 bytes; node ${process.version}\n`);
  console.log('| path | download MiB/s | ratio | upload MiB/s | ratio | round trip mean µs | p99 µs | ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, entry] of results) {
    const down = avg(entry.down);
    const up = avg(entry.up);
    const mean = avg(entry.lat.map((l) => l.mean));
    const p99 = avg(entry.lat.map((l) => l.p99));
    console.log(`| ${name} | ${(down / MiB).toFixed(0)} | ${(down / base.down).toFixed(2)} | ${(up / MiB).toFixed(0)} | ${(up / base.up).toFixed(2)} | ${mean.toFixed(1)} | ${p99.toFixed(1)} | ${(mean / base.mean).toFixed(2)} |`);
  }
}

try {
  await main();
} finally {
  for (const proc of children) proc.kill();
}
