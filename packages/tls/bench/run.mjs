// `pnpm bench` (after `pnpm build`): diesel's TLS against a plain node:tls server, in the
// same run, each server in its own process and the node:tls client in another.
//   1. throughput: BENCH_BYTES (default 1 GiB) echoed over one TLS connection;
//   2. handshakes/s: BENCH_HANDSHAKES (default 600) full handshakes, 4 at a time.
// Servers: `diesel` (TLS on the native fast path), `diesel-memory` (the in-memory BIO
// path that STARTTLS with pipelined bytes takes), `node` (tls.createServer + pipe).
// Each is warmed up, then measured BENCH_ROUNDS times (default 2), rounds interleaved
// so background load hits every server alike; the best round counts.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, '../dist/index.js'))) {
  console.error('bench: run `pnpm build` first (the benchmark imports dist/)');
  process.exit(1);
}
const { devCertificate } = await import('../dist/index.js');

const BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PARALLEL = 4;
const SERVERS = ['node', 'diesel', 'diesel-memory'];

const dir = mkdtempSync(join(tmpdir(), 'diesel-tls-bench-'));
const dev = devCertificate({ hosts: ['localhost'] });
const files = { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem'), ca: join(dir, 'ca.pem') };
writeFileSync(files.key, dev.key);
writeFileSync(files.cert, dev.cert);
writeFileSync(files.ca, dev.ca);

function startServer(kind) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'server.mjs'), kind, files.key, files.cert], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const waiting = [];
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /PORT (\d+)/.exec(out);
      if (match) {
        out = out.slice(match.index + match[0].length);
        resolve({ kind, child, port: Number(match[1]), cpu });
      }
      for (let cpuLine = /CPU (\d+)\n/.exec(out); cpuLine !== null; cpuLine = /CPU (\d+)\n/.exec(out)) {
        out = out.slice(cpuLine.index + cpuLine[0].length);
        waiting.shift()?.(Number(cpuLine[1]));
      }
    });
    /** Microseconds of CPU the server process has used so far. */
    function cpu() {
      return new Promise((answer) => {
        waiting.push(answer);
        child.stdin.write('cpu\n');
      });
    }
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code}) before listening`)));
  });
}

function client(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'client.mjs'), ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client ${args.join(' ')} failed (${code})`))));
  });
}

const began = Date.now();
const servers = [];
try {
  for (const kind of SERVERS) servers.push(await startServer(kind));
  const best = Object.fromEntries(SERVERS.map((kind) => [kind, { mibps: 0, hps: 0, cpuPerGiB: Infinity, cpuPerHandshake: Infinity }]));
  // Warm-up: JIT, TLS session caches, TCP buffers.
  for (const { port } of servers) {
    await client(['throughput', port, files.ca, 64 * 1024 * 1024]);
    await client(['handshakes', port, files.ca, 100, PARALLEL]);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { kind, port, cpu } of servers) {
      const cpu0 = await cpu();
      const t = await client(['throughput', port, files.ca, BYTES]);
      const cpu1 = await cpu();
      const h = await client(['handshakes', port, files.ca, HANDSHAKES, PARALLEL]);
      const cpu2 = await cpu();
      const mibps = t.bytes / 1024 / 1024 / t.seconds;
      const hps = h.count / h.seconds;
      const cpuPerGiB = (cpu1 - cpu0) / 1000 / (t.bytes / 1024 ** 3); // ms of server CPU per GiB echoed
      const cpuPerHandshake = (cpu2 - cpu1) / h.count; // µs of server CPU per handshake
      console.log(
        `round ${round} ${kind.padEnd(13)} ${mibps.toFixed(0).padStart(6)} MiB/s ${cpuPerGiB.toFixed(0).padStart(7)} ms CPU/GiB   ${hps.toFixed(0).padStart(6)} handshakes/s ${cpuPerHandshake.toFixed(0).padStart(6)} µs CPU/handshake`,
      );
      const b = best[kind];
      b.mibps = Math.max(b.mibps, mibps);
      b.hps = Math.max(b.hps, hps);
      b.cpuPerGiB = Math.min(b.cpuPerGiB, cpuPerGiB);
      b.cpuPerHandshake = Math.min(b.cpuPerHandshake, cpuPerHandshake);
    }
  }
  const base = best.node;
  console.log('');
  console.log(`TLS echo, ${(BYTES / 1024 ** 3).toFixed(2)} GiB per run; ${HANDSHAKES} full handshakes (RSA 2048, TLS 1.3), ${PARALLEL} in flight; best of ${ROUNDS}`);
  console.log('Wall-clock rates (higher is better; ratio = diesel / node:tls):');
  console.log('| server | echo MiB/s | vs node:tls | handshakes/s | vs node:tls |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const kind of SERVERS) {
    const { mibps, hps } = best[kind];
    console.log(`| ${kind} | ${mibps.toFixed(0)} | ${(mibps / base.mibps).toFixed(2)}× | ${hps.toFixed(0)} | ${(hps / base.hps).toFixed(2)}× |`);
  }
  console.log('');
  console.log('Server CPU spent (lower is better; efficiency = node:tls CPU / diesel CPU, so ≥ 1 means no more work than node):');
  console.log('| server | CPU ms per GiB echoed | efficiency | CPU µs per handshake | efficiency |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const kind of SERVERS) {
    const { cpuPerGiB, cpuPerHandshake } = best[kind];
    console.log(`| ${kind} | ${cpuPerGiB.toFixed(0)} | ${(base.cpuPerGiB / cpuPerGiB).toFixed(2)}× | ${cpuPerHandshake.toFixed(0)} | ${(base.cpuPerHandshake / cpuPerHandshake).toFixed(2)}× |`);
  }
  console.log(`\n(${((Date.now() - began) / 1000).toFixed(0)} s)`);
} finally {
  for (const { child } of servers) child.kill('SIGTERM');
}
