// HTTP bulk transfers: BENCH_MIB (default 100) MiB streamed upload (`streamBody`, chunked
// from a node:http client) and download (Content-Length, 64 KiB writes), diesel vs
// node:http. Both servers (bench/servers/*.mjs) run at once, each in its own process; the
// node:http client runs here. Rounds alternate diesel and node:http, BENCH_ROUNDS
// (default 5) after a warm-up each. Reported: MiB/s and the server's CPU ms per GiB
// (process.resourceUsage), which is what is judged on a shared machine.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { alternate, markdownTable, row, writeResults } from '../../../scripts/bench/lib.mjs';

const MIB = Number(process.env.BENCH_MIB ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SIZE = MIB * 1024 * 1024;
const prof = process.env.BENCH_CPU_PROF;

function startServer(name) {
  return new Promise((resolve, reject) => {
    const execArgv = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=http-${name}.cpuprofile`] : [];
    const child = fork(fileURLToPath(new URL(`servers/${name}.mjs`, import.meta.url)), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve({ name, child, port: m.port }));
    child.once('error', reject);
  });
}

/** Server CPU microseconds so far. */
function cpu(server) {
  return new Promise((resolve) => {
    server.child.once('message', (m) => resolve(m.cpu));
    server.child.send('rss');
  });
}

function upload(port) {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 121);
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/upload', headers: { 'Content-Type': 'application/octet-stream' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (Number(body) === SIZE ? resolve() : reject(new Error(`upload: server counted ${body}, sent ${SIZE}`))));
    });
    req.on('error', reject);
    let sent = 0;
    const more = () => {
      while (sent < SIZE) {
        const n = Math.min(chunk.length, SIZE - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

function download(port) {
  return new Promise((resolve, reject) => {
    http
      .get({ port, host: '127.0.0.1', path: `/download?size=${SIZE}` }, (res) => {
        let got = 0;
        res.on('data', (d) => (got += d.length));
        res.on('end', () => (got === SIZE ? resolve() : reject(new Error(`download: got ${got} of ${SIZE}`))));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function side(server, transfer) {
  return async () => {
    const c0 = await cpu(server);
    const started = performance.now();
    await transfer(server.port);
    const seconds = (performance.now() - started) / 1000;
    const c1 = await cpu(server);
    return { rate: MIB / seconds, cpu: (c1 - c0) / 1000 / (SIZE / 1024 ** 3) };
  };
}

const diesel = await startServer('diesel');
const node = await startServer('node');
console.error(`http bulk: ${MIB} MiB transfers, ${ROUNDS} rounds`);
const up = await alternate({ diesel: side(diesel, upload), node: side(node, upload) }, { rounds: ROUNDS, warmup: 2 });
const down = await alternate({ diesel: side(diesel, download), node: side(node, download) }, { rounds: ROUNDS, warmup: 2 });
for (const s of [diesel, node]) {
  s.child.disconnect();
  await new Promise((resolve) => s.child.once('exit', resolve));
}
const rows = [
  row({ id: 'http-upload', name: `HTTP ${MIB} MiB streamed upload (streamBody)`, peer: 'node:http', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: up.diesel, other: up.node, goal: 1.0, judge: 'cpu' }),
  row({ id: 'http-download', name: `HTTP ${MIB} MiB download`, peer: 'node:http', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: down.diesel, other: down.node, goal: 1.0, judge: 'cpu' }),
];
console.log(markdownTable(rows));
writeResults('http-bulk', rows, { samples: { up, down } });
