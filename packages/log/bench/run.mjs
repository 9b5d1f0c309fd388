#!/usr/bin/env node
// Lines per second of @diesel/log against pino, writing the same lines to the same
// destination, and the cost of a call at a disabled level. Imports the built package
// (run `pnpm build` first). Every contender runs side by side in each round, after a
// warm-up; the median and min–max of the per-round ratios are reported, with the CPU
// time per line (this process: both loggers run here) beside the rate. Results go to
// bench-results/log.json (scripts/bench/lib.mjs). The whole run takes about a minute.
//
//   node bench/run.mjs            # full run
//   BENCH_QUICK=1 node bench/run.mjs   # shorter rounds, for a smoke test
import fs from 'node:fs';
import os from 'node:os';
import { once } from 'node:events';
import pino from 'pino';
import { JsonLinesOutput, LOGLVL_INFO, LOGLVL_WARN, Logger } from '../dist/index.js';
import { markdownTable, row, stats, writeResults } from '../../../scripts/bench/lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
// BENCH_ONLY=lines or BENCH_ONLY=disabled runs one half.
const ONLY = process.env.BENCH_ONLY ?? '';
const ROUND_MS = QUICK ? 150 : 700;
const ROUNDS = QUICK ? 2 : 5;
const WARMUP_MS = QUICK ? 100 : 500;
const BATCH = 2000;

/** The lines every contender writes: a sub-logger ("http") at info, as a server would. */
const message = (i) => `GET /static/app.js 200 ${i} Host=localhost:8088`;

// ---- destinations -----------------------------------------------------------------

async function sonic(sync) {
  const dest = pino.destination({ dest: '/dev/null', sync, minLength: sync ? 0 : 4096 });
  if (!sync) await once(dest, 'ready');
  return dest;
}

async function drain(stream) {
  if (stream.writableNeedDrain) await once(stream, 'drain');
  else if (typeof stream.flush === 'function' && stream._writing) await new Promise((resolve) => stream.flush(resolve));
}

// ---- contenders: each is { name, setup() -> { log(i), stream } } -------------------

const contenders = [
  {
    name: 'diesel text -> no-op output (formatting only)',
    group: 'noop',
    setup: async () => {
      const http = new Logger({ verbosity: LOGLVL_INFO, outputs: { write() {} } }).getSublogger('http');
      return { log: (i) => http.info(message(i)) };
    },
  },
  {
    name: 'diesel JSON -> no-op output (formatting only)',
    group: 'noop',
    setup: async () => {
      const http = new Logger({ verbosity: LOGLVL_INFO, jsonLines: true, outputs: { write() {} } }).getSublogger('http');
      return { log: (i) => http.info(message(i)) };
    },
  },
  {
    name: 'pino -> no-op stream (formatting only)',
    group: 'noop',
    baseline: true,
    setup: async () => {
      const http = pino({ level: 'info' }, { write() {} }).child({ name: 'http' });
      return { log: (i) => http.info(message(i)) };
    },
  },
  {
    name: 'diesel text -> pino.destination sync',
    group: 'sync',
    setup: async () => {
      const stream = await sonic(true);
      const http = new Logger({ verbosity: LOGLVL_INFO, outputs: stream }).getSublogger('http');
      return { log: (i) => http.info(message(i)), stream };
    },
  },
  {
    name: 'diesel JSON -> pino.destination sync',
    group: 'sync',
    setup: async () => {
      const stream = await sonic(true);
      const http = new Logger({ verbosity: LOGLVL_INFO, outputs: new JsonLinesOutput(stream) }).getSublogger('http');
      return { log: (i) => http.info(message(i)), stream };
    },
  },
  {
    name: 'pino -> pino.destination sync',
    group: 'sync',
    baseline: true,
    setup: async () => {
      const stream = await sonic(true);
      const http = pino({ level: 'info' }, stream).child({ name: 'http' });
      return { log: (i) => http.info(message(i)), stream };
    },
  },
  {
    name: 'diesel text -> pino.destination async (minLength 4096)',
    group: 'async',
    setup: async () => {
      const stream = await sonic(false);
      const http = new Logger({ verbosity: LOGLVL_INFO, outputs: stream }).getSublogger('http');
      return { log: (i) => http.info(message(i)), stream };
    },
  },
  {
    name: 'pino -> pino.destination async (minLength 4096)',
    group: 'async',
    baseline: true,
    setup: async () => {
      const stream = await sonic(false);
      const http = pino({ level: 'info' }, stream).child({ name: 'http' });
      return { log: (i) => http.info(message(i)), stream };
    },
  },
  {
    name: 'diesel text -> fs.createWriteStream(/dev/null)',
    group: 'fs',
    setup: async () => {
      const stream = fs.createWriteStream('/dev/null');
      await once(stream, 'open');
      const http = new Logger({ verbosity: LOGLVL_INFO, outputs: stream }).getSublogger('http');
      return { log: (i) => http.info(message(i)), stream };
    },
  },
  {
    name: 'pino -> fs.createWriteStream(/dev/null)',
    group: 'fs',
    baseline: true,
    setup: async () => {
      const stream = fs.createWriteStream('/dev/null');
      await once(stream, 'open');
      const http = pino({ level: 'info' }, stream).child({ name: 'http' });
      return { log: (i) => http.info(message(i)), stream };
    },
  },
];

/** Lines per second over about `ms`, in batches, waiting for the stream to drain between batches; and CPU ns per line. */
async function measure(instance, ms) {
  const cpu = process.cpuUsage();
  let lines = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < end) {
    for (let i = 0; i < BATCH; i++) instance.log(lines + i);
    lines += BATCH;
    if (instance.stream) await drain(instance.stream);
    now = process.hrtime.bigint();
  }
  const used = process.cpuUsage(cpu);
  return { rate: lines / (Number(now - start) / 1e9), cpu: ((used.user + used.system) * 1000) / lines };
}


// ---- disabled level: ns per call ------------------------------------------------------

function disabledCases() {
  const diesel = new Logger({ verbosity: LOGLVL_WARN, outputs: { write() {} } });
  const dieselSub = diesel.getSublogger('http');
  const p = pino({ level: 'warn' }, { write() {} });
  const pChild = p.child({ name: 'http' });
  const nothing = () => {};
  return [
    { name: 'diesel log.debug("constant")', run: (n) => { for (let i = 0; i < n; i++) diesel.debug('GET / 200'); } },
    { name: 'diesel sub-logger .debug("constant")', run: (n) => { for (let i = 0; i < n; i++) dieselSub.debug('GET / 200'); } },
    { name: 'diesel log.debug(() => `lazy ${i}`)', run: (n) => { for (let i = 0; i < n; i++) diesel.debug(() => `lazy ${i}`); } },
    { name: 'pino logger.debug("constant")', baseline: true, run: (n) => { for (let i = 0; i < n; i++) p.debug('GET / 200'); } },
    { name: 'pino child.debug("constant")', run: (n) => { for (let i = 0; i < n; i++) pChild.debug('GET / 200'); } },
    { name: 'calling an empty function (the floor)', run: (n) => { for (let i = 0; i < n; i++) nothing('GET / 200'); } },
  ];
}

/** Calls per second and CPU ns per call over about `ms`. */
function nsPerCall(run, ms) {
  const cpu = process.cpuUsage();
  let calls = 0;
  const n = 1_000_000;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < end) {
    run(n);
    calls += n;
    now = process.hrtime.bigint();
  }
  const used = process.cpuUsage(cpu);
  return { rate: calls / (Number(now - start) / 1e9), cpu: ((used.user + used.system) * 1000) / calls };
}

// ---- run ------------------------------------------------------------------------------


async function main() {
  const began = Date.now();
  console.log(`@diesel/log bench — node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${ROUNDS} rounds of ${ROUND_MS} ms`);
  const instances = [];
  for (const contender of ONLY === 'disabled' ? [] : contenders) instances.push({ contender, instance: await contender.setup(), results: [] });
  for (const entry of instances) await measure(entry.instance, WARMUP_MS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const entry of instances) entry.results.push(await measure(entry.instance, ROUND_MS));
  }

  const rows = [];
  if (instances.length > 0) rows.push(...lineRows(instances));
  if (ONLY !== 'lines') rows.push(...disabled());
  console.log(markdownTable(rows));
  writeResults('log', rows);
  for (const { instance } of instances) {
    if (instance.stream) {
      if (typeof instance.stream.flushSync === 'function' && !instance.stream._writing) instance.stream.flushSync();
      instance.stream.end();
    }
  }
  console.log(`\ntotal ${((Date.now() - began) / 1000).toFixed(1)} s`);
}

const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** One row per contender that is not a baseline, against pino on the same destination. */
function lineRows(instances) {
  const rows = [];
  for (const { contender, results } of instances) {
    if (contender.baseline) continue;
    const base = instances.find((e) => e.contender.group === contender.group && e.contender.baseline);
    rows.push(row({ id: `log-${slug(contender.name)}`, name: contender.name, peer: base.contender.name.replace(/ -> .*/, ''), unit: 'lines/s', cpuUnit: 'ns/line', diesel: results, other: base.results, judge: 'cpu' }));
  }
  return rows;
}

/** Disabled-level calls, each against pino's `logger.debug`. */
function disabled() {
  const cases = disabledCases();
  for (const c of cases) nsPerCall(c.run, WARMUP_MS / 2);
  const timings = cases.map(() => []);
  for (let round = 0; round < ROUNDS; round++) cases.forEach((c, i) => timings[i].push(nsPerCall(c.run, ROUND_MS / 3)));
  const base = timings[cases.findIndex((c) => c.baseline)];
  // Rows for diesel's calls; pino's child and an empty function (the floor) go in a note.
  const references = cases
    .map((c, i) => [c, i])
    .filter(([c]) => !c.baseline && !c.name.startsWith('diesel'))
    .map(([c, i]) => `${c.name} ${stats(timings[i].map((t) => t.cpu)).median.toFixed(2)} ns`);
  const rows = cases
    .map((c, i) => (c.name.startsWith('diesel') ? row({ id: `log-disabled-${slug(c.name)}`, name: `disabled level: ${c.name}`, peer: 'pino logger.debug', unit: 'calls/s', cpuUnit: 'ns/call', diesel: timings[i], other: base, judge: 'cpu' }) : null))
    .filter((r) => r !== null);
  rows[rows.length - 1].note = `references, CPU per call: ${references.join('; ')}`;
  return rows;
}

await main();
