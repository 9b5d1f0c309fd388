// `pnpm bench` (after `pnpm build`): diesel's TLS against a plain node:tls server, in the
// same run, each server in its own process and the node:tls client in another.
//   1. throughput: BENCH_BYTES (default 1 GiB) echoed over one TLS connection;
//   2. handshakes/s: BENCH_HANDSHAKES (default 600) full handshakes, 4 at a time.
// Servers: `diesel` (TLS on the native fast path), `diesel-memory` (the in-memory BIO
// path that STARTTLS with pipelined bytes takes), `node` (tls.createServer + pipe).
// Each is warmed up, then measured BENCH_ROUNDS times (default 3), rounds interleaved
// so background load hits every server alike; median and min–max of the per-round
// ratios, server CPU per GiB and per handshake judged (bench-results/tls-echo.json).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtNum, markdownTable, row, writeResults } from '../../../scripts/bench/lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, '../dist/index.js'))) {
  console.error('bench: run `pnpm build` first (the benchmark imports dist/)');
  process.exit(1);
}
const { devCertificate } = await import('../dist/index.js');

const BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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
  // Warm-up: JIT, TLS session caches, TCP buffers.
  for (const { port } of servers) {
    await client(['throughput', port, files.ca, 64 * 1024 * 1024]);
    await client(['handshakes', port, files.ca, 100, PARALLEL]);
  }
  // Per server and round: { rate, cpu } for the echo (MiB/s, ms CPU per GiB) and for
  // the handshakes (per second, µs CPU per handshake), rounds in the same order each time.
  const echo = Object.fromEntries(SERVERS.map((kind) => [kind, []]));
  const shakes = Object.fromEntries(SERVERS.map((kind) => [kind, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { kind, port, cpu } of servers) {
      const cpu0 = await cpu();
      const t = await client(['throughput', port, files.ca, BYTES]);
      const cpu1 = await cpu();
      const h = await client(['handshakes', port, files.ca, HANDSHAKES, PARALLEL]);
      const cpu2 = await cpu();
      const sample = { rate: t.bytes / 1024 / 1024 / t.seconds, cpu: (cpu1 - cpu0) / 1000 / (t.bytes / 1024 ** 3) };
      const shake = { rate: h.count / h.seconds, cpu: (cpu2 - cpu1) / h.count };
      echo[kind].push(sample);
      shakes[kind].push(shake);
      console.error(`  round ${round}/${ROUNDS} ${kind.padEnd(13)} ${fmtNum(sample.rate)} MiB/s ${fmtNum(sample.cpu)} ms CPU/GiB   ${fmtNum(shake.rate)} handshakes/s ${fmtNum(shake.cpu)} µs CPU/handshake`);
    }
  }
  const gib = (BYTES / 1024 ** 3).toFixed(2);
  const rows = [
    row({ id: 'tls-echo', name: `TLS echo, ${gib} GiB, native path`, peer: 'node:tls', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: echo.diesel, other: echo.node, goal: 0.95, judge: 'cpu' }),
    row({ id: 'tls-echo-memory', name: `TLS echo, ${gib} GiB, in-memory BIO`, peer: 'node:tls', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: echo['diesel-memory'], other: echo.node, judge: 'cpu' }),
    row({ id: 'tls-handshakes', name: `${HANDSHAKES} full TLS 1.3 handshakes, ${PARALLEL} in flight`, peer: 'node:tls', unit: 'handshakes/s', cpuUnit: 'µs/handshake', diesel: shakes.diesel, other: shakes.node, goal: 0.95, judge: 'cpu' }),
  ];
  console.log(markdownTable(rows));
  writeResults('tls-echo', rows, { samples: { echo, shakes } });
  console.error(`(${((Date.now() - began) / 1000).toFixed(0)} s)`);
} finally {
  for (const { child } of servers) child.kill('SIGTERM');
}
