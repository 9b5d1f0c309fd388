// pnpm bench (after build): diesel vs node:http vs fastify, side by side in one run.
// Then runs bench/ws.mjs (WebSocket echo, diesel vs ws) unless BENCH_SKIP_WS is set.
// Each server runs in its own child process; wrk (C) generates the load so the load
// generator is not the bottleneck. Hello world runs BENCH_ROUNDS (default 3) alternating
// rounds of BENCH_SECONDS (default 5) s per server, after a warm-up each; its rows go to
// bench-results/http-hello.json (median, min–max, server CPU per request). Numbers on a
// shared machine are indicative: compare the ratios.
import { execFileSync, fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { alternate, markdownTable, row, stats, writeResults } from '../../../scripts/bench/lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const SERVERS = ['diesel', 'node', 'fastify'];
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TRANSFER = Number(process.env.BENCH_MIB ?? 100) * 1024 * 1024;

function startServer(name) {
  return new Promise((resolve, reject) => {
    const child = fork(`${here}servers/${name}.mjs`, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve({ child, port: m.port }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} server exited with ${code}`)));
  });
}

function usage(child) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m));
    child.send('rss');
  });
}

async function maxRSS(child) {
  return (await usage(child)).maxRSS / 1024;
}

/** A wrk run plus the server's CPU time per request (robust to a shared, busy machine). */
async function measured(server, seconds, script) {
  const before = (await usage(server.child)).cpu;
  const run = wrk(server.port, seconds, script);
  const after = (await usage(server.child)).cpu;
  run.cpuPerRequest = (after - before) / (run.rps * seconds);
  return run;
}

function stop({ child }) {
  child.removeAllListeners('exit');
  child.kill();
}

function wrk(port, seconds, script) {
  const args = ['-t1', '-c100', `-d${seconds}s`, '--latency'];
  if (script) args.push('-s', `${here}${script}`);
  args.push(`http://127.0.0.1:${port}/`);
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const errors = /Socket errors: (.*)/.exec(out)?.[1] ?? 'none';
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  return { rps, errors, non2xx, p99 };
}

function upload(port, size) {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 121);
    const started = performance.now();
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/upload', headers: { 'Content-Type': 'application/octet-stream' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        if (Number(body) !== size) reject(new Error(`upload: server counted ${body}, sent ${size}`));
        else resolve(performance.now() - started);
      });
    });
    req.on('error', reject);
    let sent = 0;
    const more = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

function download(port, size) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http.get({ port, host: '127.0.0.1', path: `/download?size=${size}` }, (res) => {
      let got = 0;
      res.on('data', (d) => (got += d.length));
      res.on('end', () => (got === size ? resolve(performance.now() - started) : reject(new Error(`download: got ${got} of ${size}`))));
      res.on('error', reject);
    }).on('error', reject);
  });
}

// The parser alone (no I/O): a typical browser request head, fed whole.
const { H1Parser } = await import('../dist/index.js');
const HEAD = Buffer.from(
  'GET /static/css/site.css?v=3 HTTP/1.1\r\nHost: localhost:8000\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\r\n' +
    'Accept: text/css,*/*;q=0.1\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n' +
    'Referer: http://localhost:8000/\r\nSec-Fetch-Dest: style\r\nSec-Fetch-Mode: no-cors\r\n\r\n',
  'latin1',
);
const HEAD_TEXT = HEAD.toString('latin1');
function parseHeads(parser, n) {
  for (let i = 0; i < n; i++) {
    parser.feed(HEAD, HEAD_TEXT);
    while (parser.next() !== undefined);
  }
}
const parser = new H1Parser('request');
parseHeads(parser, 20_000);
const parseStart = performance.now();
parseHeads(parser, 200_000);
const parseMicros = ((performance.now() - parseStart) * 1000) / 200_000;

// Hello world: the three servers up at once, rounds alternating (BENCH_ROUNDS, after a
// warm-up round each), one wrk run per server and round; { rate: req/s, cpu: µs/request }.
const servers = Object.fromEntries(await Promise.all(SERVERS.map(async (name) => [name, await startServer(name)])));
const load = {};
try {
  for (const server of Object.values(servers)) wrk(server.port, 1); // JIT warm-up
  for (const [key, script] of [['hello', undefined], ['pipelined', 'pipeline.lua']]) {
    const last = {};
    load[key] = await alternate(
      Object.fromEntries(
        SERVERS.map((name) => [
          name,
          async () => {
            const run = await measured(servers[name], DURATION, script);
            last[name] = run;
            return { rate: run.rps, cpu: run.cpuPerRequest };
          },
        ]),
      ),
      { rounds: ROUNDS },
    );
    load[`${key}Last`] = last;
  }
} finally {
  for (const server of Object.values(servers)) stop(server);
}
const results = {};
for (const name of SERVERS) {
  const median = (key, field) => stats(load[key][name].map((x) => x[field])).median;
  results[name] = {
    hello: { ...load.helloLast[name], rps: median('hello', 'rate'), cpuPerRequest: median('hello', 'cpu') },
    pipelined: { ...load.pipelinedLast[name], rps: median('pipelined', 'rate'), cpuPerRequest: median('pipelined', 'cpu') },
  };
  // Transfers on fresh processes, so peak RSS is the transfer's own.
  const up = await startServer(name);
  try {
    const base = await maxRSS(up.child);
    const ms = await upload(up.port, TRANSFER);
    results[name].upload = { ms, base, peak: await maxRSS(up.child) };
  } finally {
    stop(up);
  }
  const down = await startServer(name);
  try {
    const base = await maxRSS(down.child);
    const ms = await download(down.port, TRANSFER);
    results[name].download = { ms, base, peak: await maxRSS(down.child) };
  } finally {
    stop(down);
  }
}

const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));
const ratio = (a, b) => (a / b).toFixed(2);
const mib = TRANSFER / 1024 / 1024;
console.log(`\n@diesel/http benchmark: ${DURATION} s per load run, wrk -t1 -c100, median of ${ROUNDS} rounds; ${mib} MiB transfers\n`);
console.log('| test | diesel | node:http | fastify | diesel/node | diesel/fastify |');
// Ratios are diesel divided by the peer: above 1 is better for req/s and MiB/s, below 1 for CPU and RSS.
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [key, label] of [['hello', 'hello world, keep-alive (req/s)'], ['pipelined', 'hello world, 16-deep pipelining (req/s)']]) {
  const [a, b, c] = SERVERS.map((s) => results[s][key].rps);
  console.log(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${fmt(c)} | ${ratio(a, b)} | ${ratio(a, c)} |`);
}
for (const [key, label] of [['hello', 'hello world, keep-alive'], ['pipelined', 'hello world, pipelined']]) {
  const [a, b, c] = SERVERS.map((s) => results[s][key].cpuPerRequest);
  console.log(`| ${label}: server CPU per request (µs, lower is better) | ${a.toFixed(1)} | ${b.toFixed(1)} | ${c.toFixed(1)} | ${ratio(a, b)} | ${ratio(a, c)} |`);
}
for (const [key, label] of [['upload', 'upload'], ['download', 'download']]) {
  const [a, b, c] = SERVERS.map((s) => (TRANSFER / 1024 / 1024) / (results[s][key].ms / 1000));
  console.log(`| ${mib} MiB ${label} (MiB/s) | ${fmt(a)} | ${fmt(b)} | ${fmt(c)} | ${ratio(a, b)} | ${ratio(a, c)} |`);
  const [ra, rb, rc] = SERVERS.map((s) => results[s][key].peak);
  console.log(`| ${mib} MiB ${label}: server peak RSS (MiB) | ${fmt(ra)} | ${fmt(rb)} | ${fmt(rc)} | ${ratio(ra, rb)} | ${ratio(ra, rc)} |`);
}
const helloRows = [];
for (const [key, label] of [['hello', 'hello world, keep-alive, 100 connections'], ['pipelined', 'hello world, 16-deep pipelining, 100 connections']]) {
  for (const [peer, peerName] of [['node', 'node:http'], ['fastify', 'fastify']]) {
    helloRows.push(row({ id: `http-${key}-${peer}`, name: label, peer: peerName, unit: 'req/s', cpuUnit: 'µs/req', diesel: load[key].diesel, other: load[key][peer], judge: 'rate' }));
  }
}
console.log(`\n${markdownTable(helloRows)}`);
writeResults('http-hello', helloRows);
console.log(`\nparser alone: ${parseMicros.toFixed(2)} µs per ${HEAD.length}-byte request head (${Math.round(HEAD.length / parseMicros)} MB/s)`);
console.log('errors:', SERVERS.map((s) => `${s} ${results[s].hello.errors}/${results[s].pipelined.errors}, non-2xx ${results[s].hello.non2xx}/${results[s].pipelined.non2xx}`).join('; '));
console.log('startup RSS (MiB):', SERVERS.map((s) => `${s} ${fmt(results[s].upload.base)}`).join('; '));

// The WebSocket benchmark (diesel vs ws) runs after the HTTP one, in its own process.
if (process.env.BENCH_SKIP_WS === undefined) {
  console.log('\nWebSocket (bench/ws.mjs):');
  execFileSync(process.execPath, [`${here}ws.mjs`], { stdio: 'inherit' });
}
