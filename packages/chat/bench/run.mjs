// diesel-chat against a bare node:net chat server speaking the same protocol, both in
// child processes, driven by the same clients: throughput (lines delivered per second
// to 50 listeners) and fan-out latency (one line until all 50 have it), with each
// server's CPU per delivered line and per fan-out (from /proc). BENCH_PASSES (default 3)
// alternating passes after a warm-up; results in bench-results/chat.json (median,
// min–max). Run after build.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { markdownTable, procCpuMicros, row, writeResults } from '../../../scripts/bench/lib.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../dist/cli.js');
if (!existsSync(CLI)) {
  console.error('dist/cli.js is missing: run `pnpm build` first');
  process.exit(1);
}
const LISTENERS = Number(process.env.BENCH_LISTENERS ?? 50);
const LINES = Number(process.env.BENCH_LINES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 500);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
const children = [];

function server(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(proc);
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /line protocol on 127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolve({ port: Number(match[1]), pid: proc.pid });
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

/** A client that counts lines and can wait for one with a given text. */
function client(port, nick) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let buffer = '';
    let waiter = null;
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk;
      if (waiter === null) {
        // Only the tail matters: keep the last partial line.
        const at = buffer.lastIndexOf('\n');
        if (at !== -1) buffer = buffer.slice(at + 1);
        return;
      }
      for (let at = buffer.indexOf('\n'); at !== -1; at = buffer.indexOf('\n')) {
        const line = buffer.slice(0, at).replace(/\r$/, '');
        buffer = buffer.slice(at + 1);
        if (waiter && line === waiter.line) {
          const w = waiter;
          waiter = null;
          w.resolve();
        }
      }
    });
    const api = {
      socket,
      send: (text) => socket.write(text),
      waitFor: (line) => new Promise((done) => (waiter = { line, resolve: done })),
    };
    socket.once('connect', async () => {
      const joined = api.waitFor(`* ${nick} joined`);
      socket.write(`${nick}\n`);
      await joined;
      resolve(api);
    });
  });
}

async function room(port, tag) {
  const listeners = [];
  for (let i = 0; i < LISTENERS; i++) listeners.push(await client(port, `${tag}l${i}`));
  const speaker = await client(port, `${tag}s`);
  return { listeners, speaker, nick: `${tag}s`, close: () => [...listeners, speaker].forEach((c) => c.socket.destroy()) };
}

async function throughput(r, lines, label) {
  const last = `${r.nick}: ${label} ${lines - 1}`;
  const all = Promise.all(r.listeners.map((l) => l.waitFor(last)));
  const start = process.hrtime.bigint();
  // Lines go in batches of 100 per write, as a busy client's would.
  for (let i = 0; i < lines; i += 100) {
    let batch = '';
    for (let j = i; j < Math.min(i + 100, lines); j++) batch += `${label} ${j}\n`;
    if (!r.speaker.send(batch)) await new Promise((resolve) => r.speaker.socket.once('drain', resolve));
  }
  await all;
  return (lines * r.listeners.length) / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function latency(r, rounds, label) {
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const line = `${r.nick}: ${label} ${i}`;
    const all = Promise.all(r.listeners.map((l) => l.waitFor(line)));
    const start = process.hrtime.bigint();
    r.speaker.send(`${label} ${i}\n`);
    await all;
    samples.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  samples.sort((a, b) => a - b);
  return { mean: samples.reduce((a, b) => a + b, 0) / rounds, p99: samples[Math.floor(rounds * 0.99)] };
}

async function main() {
  const paths = [
    ['node:net chat', await server([here('./node-chat.mjs')])],
    ['diesel-chat', await server([CLI, '--no-web', '--port', '0', '--host', '127.0.0.1'])],
  ];
  const rooms = [];
  for (const [name, { port, pid }] of paths) rooms.push([name, pid, await room(port, name.startsWith('diesel') ? 'd' : 'n')]);
  for (const [, , r] of rooms) {
    await throughput(r, 2000, 'warm');
    await latency(r, 50, 'warmlat');
  }
  // Per server and pass: { rate, cpu } for throughput (lines delivered/s, server CPU µs
  // per delivered line) and for fan-out (fan-outs/s from the mean latency, CPU µs each).
  const results = new Map(rooms.map(([name]) => [name, { lines: [], fanout: [] }]));
  const perPass = Math.floor(ROUNDS / PASSES);
  const linesPerPass = Math.floor(LINES / PASSES);
  for (let pass = 0; pass < PASSES; pass++) {
    for (const [name, pid, r] of rooms) {
      const entry = results.get(name);
      const c0 = procCpuMicros(pid);
      const rate = await throughput(r, linesPerPass, `t${pass}`);
      const c1 = procCpuMicros(pid);
      const lat = await latency(r, perPass, `l${pass}`);
      const c2 = procCpuMicros(pid);
      entry.lines.push({ rate, cpu: (c1 - c0) / (linesPerPass * r.listeners.length) });
      entry.fanout.push({ rate: 1e6 / lat.mean, cpu: (c2 - c1) / perPass, p99: lat.p99 });
      console.error(`  pass ${pass + 1}/${PASSES} ${name.padEnd(14)} ${rate.toFixed(0)} lines/s, fan-out ${lat.mean.toFixed(0)} µs (p99 ${lat.p99.toFixed(0)})`);
    }
  }
  const diesel = results.get('diesel-chat');
  const peer = results.get('node:net chat');
  const rows = [
    row({ id: 'chat-lines', name: `chat: ${LINES} lines to ${LISTENERS} listeners`, peer: 'node:net chat', unit: 'lines/s', cpuUnit: 'µs/line', diesel: diesel.lines, other: peer.lines, judge: 'cpu' }),
    row({ id: 'chat-fanout', name: `chat: one line until all ${LISTENERS} have it`, peer: 'node:net chat', unit: 'fan-outs/s', cpuUnit: 'µs/fan-out', diesel: diesel.fanout, other: peer.fanout, judge: 'cpu' }),
  ];
  console.log(`\n${LISTENERS} listeners, ${LINES} lines, ${ROUNDS} fan-out round trips, ${PASSES} passes; node ${process.version}\n`);
  console.log(markdownTable(rows));
  writeResults('chat', rows, { samples: Object.fromEntries(results) });
  for (const [, , r] of rooms) r.close();
}

try {
  await main();
} finally {
  for (const proc of children) proc.kill();
}
