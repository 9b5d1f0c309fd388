// Throughput and request/response latency through diesel-forward vs a direct connection
// (and, as references, a bare node:net pipe() forwarder and socat when installed).
// Servers and forwarders run in child processes; the same client code drives every path.
// Rounds (BENCH_ROUNDS, default 3, after a warm-up) go through the paths in turn; each
// forwarder's CPU time per GiB and per round trip comes from /proc. Results go to
// bench-results/forwarder-paths.json (median, min–max). Run after `pnpm build`.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { markdownTable, procTreeCpuMicros, row, writeResults } from '../../../scripts/bench/lib.mjs';

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
/** The process behind each port (a forwarder's, for its CPU time from /proc). */
const pids = new Map();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function child(command, args, readyPattern) {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(proc);
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const match = readyPattern.exec(out);
      if (match) {
        pids.set(Number(match[1]), proc.pid);
        resolve(Number(match[1]));
      }
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
    pids.set(socatPort, proc.pid);
    paths.push(['socat', socatPort]);
  }

  // Warm up every path (JIT, TCP buffers), then measure them interleaved so machine
  // noise hits all paths alike.
  for (const [, port] of paths) {
    await download(port, 64 * MiB);
    await upload(port, 64 * MiB);
    await latency(port, 2000);
  }
  // Per path and round: { rate, cpu } — MiB/s and the forwarding process's CPU ms per GiB
  // for transfers, round trips/s and its CPU µs per round trip for latency (no CPU for
  // `direct`, which has no process in between).
  const results = new Map(paths.map(([name]) => [name, { down: [], up: [], lat: [] }]));
  // socat's per-connection child must exit and be reaped before its CPU shows in the
  // parent (procTreeCpuMicros counts reaped children): give it a moment before reading.
  const cpuOf = async (port) => {
    if (!pids.has(port) || port === target) return NaN;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return procTreeCpuMicros(pids.get(port));
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, port] of paths) {
      const entry = results.get(name);
      const bytes = Math.floor(TRANSFER / ROUNDS);
      const c0 = await cpuOf(port);
      const down = await download(port, bytes);
      const c1 = await cpuOf(port);
      const up = await upload(port, bytes);
      const c2 = await cpuOf(port);
      const lat = await latency(port, Math.floor(ROUND_TRIPS / ROUNDS));
      const c3 = await cpuOf(port);
      entry.down.push({ rate: down / MiB, cpu: (c1 - c0) / 1000 / (bytes / GiB) });
      entry.up.push({ rate: up / MiB, cpu: (c2 - c1) / 1000 / (bytes / GiB) });
      entry.lat.push({ rate: 1e6 / lat.mean, cpu: (c3 - c2) / Math.floor(ROUND_TRIPS / ROUNDS), p99: lat.p99 });
      console.error(`  round ${r + 1}/${ROUNDS} ${name.padEnd(15)} down ${(down / MiB).toFixed(0)} MiB/s, up ${(up / MiB).toFixed(0)} MiB/s, round trip ${lat.mean.toFixed(1)} µs (p99 ${lat.p99.toFixed(1)})`);
    }
  }
  const diesel = results.get('diesel-forward');
  const size = `${(TRANSFER / MiB).toFixed(0)} MiB`;
  const rows = [];
  // Against a direct connection only the rate means something; against the other
  // forwarders the CPU each spends per byte copied (or per round trip) is the figure.
  const against = (peer, judge, goal) => {
    const other = results.get(peer);
    if (other === undefined) return;
    const id = peer === 'direct' ? '' : `-vs-${peer.replace(/\W+/g, '-').replace(/-$/, '')}`;
    rows.push(row({ id: `forward-down${id}`, name: `through diesel-forward: ${size} download`, peer, unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: diesel.down, other: other.down, goal, judge }));
    rows.push(row({ id: `forward-up${id}`, name: `through diesel-forward: ${size} upload`, peer, unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: diesel.up, other: other.up, goal, judge }));
    rows.push(row({ id: `forward-rtt${id}`, name: `through diesel-forward: 64-byte round trips`, peer, unit: 'round trips/s', cpuUnit: 'µs/round trip', diesel: diesel.lat, other: other.lat, goal: peer === 'direct' ? null : goal, judge }));
  };
  against('direct', 'rate', 1 / 1.1);
  against('socat', 'cpu', 1.0);
  against('node pipe()', 'cpu', 1.0);
  console.log(`\n${size} each way per path, ${ROUND_TRIPS} round trips of 64 bytes, ${ROUNDS} rounds; node ${process.version}\n`);
  console.log(markdownTable(rows));
  writeResults('forwarder-paths', rows, { samples: Object.fromEntries(results) });
}

try {
  await main();
} finally {
  for (const proc of children) proc.kill();
}
