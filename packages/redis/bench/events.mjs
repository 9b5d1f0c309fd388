#!/usr/bin/env node
// fire→wait across processes through Redis (redisEvents) against the same in one process,
// in the same run, alternating rounds. Each sample is a ping-pong: a routine fires
// `ping` and waits for `pong`; the echo routine (here, or in a child process on the same
// Redis) waits for `ping` and fires `pong`. One way is half a round trip. Three
// contenders:
//   in-process      no bus: both routines in this process (the default path)
//   bus, local      the same two routines, with redisEvents configured (events are also
//                   published to Redis, but the local waiter does not wait for it)
//   across procs    the echo routine in a child process: ping and pong each cross Redis
// Reports the median over rounds of each round's p50 and p99 round trip, the spread
// (min–max of the rounds' p50), and CPU time per round trip: this process, plus the
// child and redis-server for "across procs" (from /proc). Run after `pnpm build`.
//
//   node bench/events.mjs                 # 7 rounds of 2,000 round trips
//   BENCH_QUICK=1 node bench/events.mjs   # short smoke run
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Application, Loop, fire, run, wait } from '@diesel/core';
import { redisEvents } from '../dist/index.js';
import { startRedis } from '../dist/testing/index.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 2 : 7;
const TRIPS = QUICK ? 300 : 2000;
const CHANNEL = 'diesel:bench:events';


/** utime + stime of a process, in µs (Linux /proc; 0 elsewhere). */
function procCpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function* pingPong(ping, pong, samples) {
  for (let i = 0; i < TRIPS; i++) {
    const t0 = performance.now();
    yield* fire(ping, i);
    const back = yield* wait(pong);
    samples.push(performance.now() - t0);
    if (back !== i) throw new Error(`pong ${back} for ping ${i}`);
  }
}

const redis = await startRedis();

// in-process, no bus
const plain = new Application();
plain.addLoop(new Loop(function* echo() { for (;;) yield* fire('pong', yield* wait('ping')); }));
await plain.start();

// the same with a bus configured (own channel, so the child does not answer)
const withBus = new Application({ events: redisEvents({ url: redis.url, channel: `${CHANNEL}:local` }) });
withBus.addLoop(new Loop(function* echo() { for (;;) yield* fire('pong', yield* wait('ping')); }));
await withBus.start();

// across processes
const across = new Application({ events: redisEvents({ url: redis.url, channel: CHANNEL }) });
await across.start();
const child = fork(fileURLToPath(new URL('./events-echo.mjs', import.meta.url)), [redis.url, CHANNEL], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const fromChild = (key) => new Promise((resolve) => child.on('message', function on(m) { if (key in m) { child.off('message', on); resolve(m); } }));
await fromChild('ready');
const childCpu = async () => {
  const reply = fromChild('cpu');
  child.send('cpu');
  const { cpu } = await reply;
  return cpu.user + cpu.system;
};

async function measure(app, remote) {
  const samples = [];
  const cpu0 = process.cpuUsage();
  const child0 = remote ? await childCpu() : 0;
  const redis0 = remote ? procCpuMicros(redis.pid) : 0;
  await run(pingPong('ping', 'pong', samples), { hub: app.hub });
  const cpu = process.cpuUsage(cpu0);
  const others = remote ? (await childCpu()) - child0 + (procCpuMicros(redis.pid) - redis0) : 0;
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50) * 1000, p99: percentile(samples, 99) * 1000, cpu: (cpu.user + cpu.system + others) / TRIPS };
}

const contenders = [
  { name: 'in-process (no bus)', run: () => measure(plain, false) },
  { name: 'in-process, redisEvents configured', run: () => measure(withBus, false) },
  { name: 'across processes via Redis', run: () => measure(across, true) },
];
const results = new Map(contenders.map((c) => [c.name, []]));
for (const c of contenders) await c.run(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? contenders : [...contenders].reverse();
  for (const c of order) results.get(c.name).push(await c.run());
}

console.log(`\nfire→wait round trips (ping, then pong), ${TRIPS} per round, ${ROUNDS} rounds; Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`  ${'contender'.padEnd(38)} ${'p50 µs'.padStart(9)} ${'(spread)'.padStart(16)} ${'p99 µs'.padStart(9)} ${'CPU µs/trip'.padStart(12)}`);
const summary = {};
for (const [name, rounds] of results) {
  const p50s = rounds.map((r) => r.p50);
  const row = { p50: median(p50s), p50Min: Math.min(...p50s), p50Max: Math.max(...p50s), p99: median(rounds.map((r) => r.p99)), cpu: median(rounds.map((r) => r.cpu)) };
  summary[name] = row;
  console.log(`  ${name.padEnd(38)} ${row.p50.toFixed(1).padStart(9)} ${`${row.p50Min.toFixed(1)}–${row.p50Max.toFixed(1)}`.padStart(16)} ${row.p99.toFixed(1).padStart(9)} ${row.cpu.toFixed(1).padStart(12)}`);
}
const base = summary['in-process (no bus)'];
const remote = summary['across processes via Redis'];
console.log(`  one way across processes ≈ ${(remote.p50 / 2).toFixed(1)} µs at p50; the round trip is ${(remote.p50 / base.p50).toFixed(0)}× the in-process one (CPU ${(remote.cpu / base.cpu).toFixed(0)}×, counting the child and redis-server)`);
console.log('  (CPU for "across processes" adds the echo child and redis-server; the in-process rows are this process only)');

child.send('stop');
await new Promise((resolve) => child.once('exit', resolve));
for (const app of [plain, withBus, across]) {
  app.halt();
  await app.halted();
}
await redis.stop();
