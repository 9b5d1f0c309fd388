// HTTP hello world, req/s with `app.run({ workers: 2 })` vs one process, side by side:
// both servers (bench/servers/diesel-workers.mjs) are up at once, each is driven in turn
// by wrk (C, one thread, 100 connections) in a third process, rounds alternating,
// BENCH_ROUNDS (default 5) of BENCH_SECONDS (default 5) after a warm-up each. Reported:
// req/s, and CPU µs per request summed over every process of a server (its workers and
// its primary, read from /proc) — the figure to judge on a shared machine.
//
// On a 2-core machine wrk itself needs most of a core, so two workers cannot double the
// rate here; what they buy is the second core when the load generator is elsewhere.
import { execFileSync, fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { alternate, have, machine, markdownTable, procCpuMicros, row, writeResults } from '../../../scripts/bench/lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);

if (!(await have('wrk'))) {
  console.error('bench/workers.mjs: wrk is not installed (scripts/install-peers.sh installs it); skipped');
  process.exit(0);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer(workers) {
  const port = await freePort();
  const child = fork(fileURLToPath(new URL('servers/diesel-workers.mjs', import.meta.url)), [String(port), String(workers)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`diesel-workers.mjs ${workers} exited with ${code}`)));
  });
  return { child, port: ready.port, pids: ready.pids };
}

function cpuOf(server) {
  return server.pids.reduce((sum, pid) => sum + procCpuMicros(pid), 0);
}

function wrk(port, seconds) {
  const out = execFileSync('wrk', ['-t1', '-c100', `-d${seconds}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  if (/Socket errors|Non-2xx/.test(out)) console.error(out);
  return { rps, requests };
}

function side(server) {
  return async () => {
    const before = cpuOf(server);
    const { rps, requests } = wrk(server.port, SECONDS);
    const after = cpuOf(server);
    return { rate: rps, cpu: (after - before) / requests };
  };
}

const many = await startServer(WORKERS);
const one = await startServer(1);
let samples;
try {
  console.error(`HTTP hello: workers: ${WORKERS} (pids ${many.pids.join(', ')}) vs one process (pid ${one.pids[0]}); wrk -t1 -c100, ${ROUNDS} × ${SECONDS} s each`);
  samples = await alternate({ [`workers: ${WORKERS}`]: side(many), 'one process': side(one) }, { rounds: ROUNDS, warmup: 1 });
} finally {
  for (const server of [many, one]) server.child.disconnect();
}

const rows = [
  row({
    id: 'http-workers-hello',
    name: `HTTP hello, run({ workers: ${WORKERS} })`,
    peer: 'diesel, one process',
    unit: 'req/s',
    cpuUnit: 'µs/req',
    diesel: samples[`workers: ${WORKERS}`],
    other: samples['one process'],
    note: `wrk -t1 -c100 in a third process on the same ${machine().cpus} cores; CPU summed over the primary and every worker`,
  }),
];
console.log(markdownTable(rows));
writeResults('http-workers', rows);
