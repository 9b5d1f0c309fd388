#!/usr/bin/env node
// @diesel/redis against ioredis (auto-pipelining on) on the same redis-server, in the
// same run, alternating rounds: 100 routines doing SET+GET through one client; one
// routine sending 10,000 SETs as one pipeline; pub/sub messages delivered per second.
// redis-benchmark (C) gives the ceiling. Reports the median of the rounds, the spread
// (min–max), and CPU time per operation of this process (client side only).
// Imports the built packages: run `pnpm build` first. Needs redis-server and
// redis-benchmark (scripts/install-peers.sh).
//
//   node bench/run.mjs                 # full run (about a minute)
//   BENCH_QUICK=1 node bench/run.mjs   # short smoke run
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { Hub, run } from '@diesel/core';
import { Redis } from 'ioredis';
import { RedisClient, RespParser, encodeCommand } from '../dist/index.js';
import { startRedis } from '../dist/testing/index.js';
import { markdownTable, row, writeResults } from '../../../scripts/bench/lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 2 : 7;
const ROUTINES = 100;
const ITERATIONS = QUICK ? 50 : 300; // per routine and round; each is one SET and one GET
const PIPELINE = 10_000;
const MESSAGES = QUICK ? 5_000 : 50_000;

// ---- measuring ------------------------------------------------------------------------

async function measure(ops, body) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await body();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { rate: ops / seconds, cpuPerOp: (cpu.user + cpu.system) / ops };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function report(title, unit, results, baseline) {
  console.log(`\n${title}`);
  console.log(`  ${'contender'.padEnd(44)} ${`median ${unit}`.padStart(16)}  ${'spread (min–max)'.padEnd(20)} ${'CPU µs/op'.padStart(10)}  vs ${baseline}`);
  const base = median(results.get(baseline).map((r) => r.rate));
  for (const [name, rounds] of results) {
    const rates = rounds.map((r) => r.rate);
    const med = median(rates);
    const spread = `${Math.round(Math.min(...rates)).toLocaleString('en-US')}–${Math.round(Math.max(...rates)).toLocaleString('en-US')}`;
    const cpu = median(rounds.map((r) => r.cpuPerOp));
    console.log(`  ${name.padEnd(44)} ${Math.round(med).toLocaleString('en-US').padStart(16)}  ${spread.padEnd(20)} ${cpu.toFixed(2).padStart(10)}  ${(med / base).toFixed(2)}×`);
  }
}

async function rounds(contenders) {
  const results = new Map(contenders.map((c) => [c.name, []]));
  // One warm-up round, not counted; then the contenders alternate in every round.
  for (const contender of contenders) await contender.run();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) results.get(contender.name).push(await contender.run());
  }
  return results;
}

// ---- the contenders -------------------------------------------------------------------

const server = await startRedis();
const url = `redis://127.0.0.1:${server.port}`;
const hub = new Hub();
const diesel = new RedisClient(url);
await run(diesel.connect(), { hub });
const ioredis = new Redis({ port: server.port, host: '127.0.0.1', enableAutoPipelining: true, lazyConnect: true });
await ioredis.connect();
const ioredisPlain = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
await ioredisPlain.connect();

const value = 'x'.repeat(32);
const opsGetSet = ROUTINES * ITERATIONS * 2;

function* dieselWorker(r) {
  const key = `bench:d:${r}`;
  for (let i = 0; i < ITERATIONS; i++) {
    yield* diesel.set(key, value);
    if ((yield* diesel.get(key)) !== value) throw new Error('wrong value');
  }
}

async function ioredisWorker(client, r) {
  const key = `bench:i:${r}`;
  for (let i = 0; i < ITERATIONS; i++) {
    await client.set(key, value);
    if ((await client.get(key)) !== value) throw new Error('wrong value');
  }
}

const getSet = await rounds([
  {
    name: '@diesel/redis (one pipelined client)',
    run: () => measure(opsGetSet, () => Promise.all(Array.from({ length: ROUTINES }, (_, r) => run(dieselWorker(r), { hub })))),
  },
  {
    name: 'ioredis enableAutoPipelining',
    run: () => measure(opsGetSet, () => Promise.all(Array.from({ length: ROUTINES }, (_, r) => ioredisWorker(ioredis, r)))),
  },
  {
    name: 'ioredis without auto-pipelining',
    run: () => measure(opsGetSet, () => Promise.all(Array.from({ length: ROUTINES }, (_, r) => ioredisWorker(ioredisPlain, r)))),
  },
]);
report(`${ROUTINES} routines, SET+GET each, one client (${opsGetSet.toLocaleString('en-US')} commands per round)`, 'ops/s', getSet, 'ioredis enableAutoPipelining');

const commands = Array.from({ length: PIPELINE }, (_, i) => ['SET', `bench:p:${i}`, value]);
const pipelined = await rounds([
  {
    name: '@diesel/redis pipeline()',
    run: () =>
      measure(PIPELINE, async () => {
        const results = await run(diesel.pipeline(commands), { hub });
        if (results.length !== PIPELINE) throw new Error('short pipeline');
      }),
  },
  {
    name: 'ioredis pipeline().exec()',
    run: () =>
      measure(PIPELINE, async () => {
        const pipe = ioredisPlain.pipeline();
        for (const [, key, v] of commands) pipe.set(key, v);
        const results = await pipe.exec();
        if (results.length !== PIPELINE) throw new Error('short pipeline');
      }),
  },
]);
report(`one routine, ${PIPELINE.toLocaleString('en-US')} SETs in one pipeline`, 'SETs/s', pipelined, 'ioredis pipeline().exec()');

// Pub/sub: each contender subscribes with its own subscriber and publishes with its own
// client as fast as replies allow; timed until the subscriber has every message.
const dieselSub = await run(diesel.subscribe('bench:d'), { hub });
const ioredisSub = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
await ioredisSub.connect();
await ioredisSub.subscribe('bench:i');
let ioredisWanted = 0;
let ioredisGot = 0;
let ioredisDone = null;
ioredisSub.on('message', () => {
  if (++ioredisGot === ioredisWanted) ioredisDone();
});
const batch = Array.from({ length: 1000 }, (_, i) => ['PUBLISH', 'bench:d', `m${i}`]);
const pubsub = await rounds([
  {
    name: '@diesel/redis subscription.message()',
    run: () =>
      measure(MESSAGES, async () => {
        const reader = run(
          (function* () {
            for (let i = 0; i < MESSAGES; i++) yield* dieselSub.message();
          })(),
          { hub },
        );
        for (let sent = 0; sent < MESSAGES; sent += batch.length) await run(diesel.pipeline(batch), { hub });
        await reader;
      }),
  },
  {
    name: "ioredis on('message')",
    run: () =>
      measure(MESSAGES, async () => {
        ioredisGot = 0;
        ioredisWanted = MESSAGES;
        const done = new Promise((resolve) => (ioredisDone = resolve));
        for (let sent = 0; sent < MESSAGES; sent += 1000) {
          const pipe = ioredisPlain.pipeline();
          for (let i = 0; i < 1000; i++) pipe.publish('bench:i', `m${i}`);
          await pipe.exec();
        }
        await done;
      }),
  },
]);
report(`pub/sub: ${MESSAGES.toLocaleString('en-US')} messages published in pipelines of 1,000, timed until all are received`, 'msgs/s', pubsub, "ioredis on('message')");

// The three races in the shared result shape (bench-results/redis.json), for the README
// table and the chart: per-round samples, median and min–max of the per-round ratios.
{
  const samples = (results, name) => results.get(name).map((r) => ({ rate: r.rate, cpu: r.cpuPerOp }));
  const rows = [
    row({ id: 'redis-getset', name: `${ROUTINES} routines, SET+GET, one client`, peer: 'ioredis enableAutoPipelining', unit: 'ops/s', cpuUnit: 'µs/op', diesel: samples(getSet, '@diesel/redis (one pipelined client)'), other: samples(getSet, 'ioredis enableAutoPipelining'), goal: 1.0, judge: 'rate' }),
    row({ id: 'redis-getset-plain', name: `${ROUTINES} routines, SET+GET, one client`, peer: 'ioredis', unit: 'ops/s', cpuUnit: 'µs/op', diesel: samples(getSet, '@diesel/redis (one pipelined client)'), other: samples(getSet, 'ioredis without auto-pipelining'), judge: 'rate' }),
    row({ id: 'redis-pipeline', name: `one routine, ${PIPELINE.toLocaleString('en-US')} SETs in one pipeline`, peer: 'ioredis pipeline().exec()', unit: 'SETs/s', cpuUnit: 'µs/op', diesel: samples(pipelined, '@diesel/redis pipeline()'), other: samples(pipelined, 'ioredis pipeline().exec()'), judge: 'cpu' }),
    row({ id: 'redis-pubsub', name: `pub/sub, ${MESSAGES.toLocaleString('en-US')} messages`, peer: "ioredis on('message')", unit: 'msgs/s', cpuUnit: 'µs/msg', diesel: samples(pubsub, '@diesel/redis subscription.message()'), other: samples(pubsub, "ioredis on('message')"), judge: 'cpu' }),
  ];
  console.log(`\n${markdownTable(rows)}`);
  writeResults('redis', rows);
}

// The codec alone, no socket: parsing a buffer of 1,000 mixed replies (bulk strings,
// integers, simple strings, a small array), and encoding SET commands.
const replies = Buffer.from(
  Array.from({ length: 250 }, (_, i) => `$32\r\n${value}\r\n:${i}\r\n+OK\r\n*2\r\n$3\r\nkey\r\n$5\r\nvalue\r\n`).join(''),
);
const codec = await rounds([
  {
    name: 'RespParser.read(), whole buffer',
    run: () =>
      measure(200 * 1000, async () => {
        for (let r = 0; r < 200; r++) {
          const parser = new RespParser();
          parser.feed(replies);
          let count = 0;
          while (parser.read() !== undefined) count++;
          if (count !== 1000) throw new Error('parser lost replies');
        }
      }),
  },
  {
    name: 'RespParser.read(), 1 KiB chunks',
    run: () =>
      measure(200 * 1000, async () => {
        for (let r = 0; r < 200; r++) {
          const parser = new RespParser();
          let count = 0;
          for (let at = 0; at < replies.length; at += 1024) {
            parser.feed(replies.subarray(at, at + 1024));
            while (parser.read() !== undefined) count++;
          }
          if (count !== 1000) throw new Error('parser lost replies');
        }
      }),
  },
  {
    name: 'encodeCommand(SET key value)',
    run: () =>
      measure(200_000, async () => {
        for (let i = 0; i < 200_000; i++) encodeCommand(['SET', `bench:key:${i & 1023}`, value]);
      }),
  },
]);
report('codec alone (no socket)', 'values/s', codec, 'RespParser.read(), whole buffer');

dieselSub.close();
diesel.close();
ioredis.disconnect();
ioredisPlain.disconnect();
ioredisSub.disconnect();
hub.halt();

// The ceiling: redis-benchmark, in C, with as many connections as we had routines (no
// pipelining), then with pipelines of 100.
const execFileP = promisify(execFile);
async function redisBenchmark(args) {
  const { stdout } = await execFileP('redis-benchmark', ['-h', '127.0.0.1', '-p', String(server.port), '-q', '--csv', ...args]);
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map((cell) => cell.replace(/"/g, '')))
    .map(([test, rps]) => `${test} ${Math.round(Number(rps)).toLocaleString('en-US')}/s`);
}
const n = String(QUICK ? 20_000 : 200_000);
console.log('\nceiling: redis-benchmark (C)');
console.log(`  -c ${ROUTINES} (one command in flight per connection): ${(await redisBenchmark(['-c', String(ROUTINES), '-n', n, '-t', 'set,get', '-d', '32'])).join(', ')}`);
console.log(`  -c 1 -P 100 (one connection, pipelines of 100): ${(await redisBenchmark(['-c', '1', '-P', '100', '-n', n, '-t', 'set', '-d', '32'])).join(', ')}`);
console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}`);
await server.stop();
