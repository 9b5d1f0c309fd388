// Benchmark 5: the cost of structured concurrency's smallest unit. diesel: one routine
// doing `yield* spawn(empty)` then `yield* task.join()` N times; the peer: an async
// function doing `await Promise.all([empty()])` N times with an empty async function.
// Alternating rounds in one process; median and spread of ns per spawn+join (wall) and
// of CPU per spawn+join.
import { Hub, run, spawn } from '../dist/index.js';
import { median, tell } from './shared.mjs';

const N = Number(process.argv[3] ?? 100_000);
const ROUNDS = Number(process.argv[2] ?? 7);

function* empty() {}
function* dieselLoop(n) {
  for (let i = 0; i < n; i++) {
    const task = yield* spawn(empty);
    yield* task.join();
  }
}
async function emptyAsync() {}
async function promiseLoop(n) {
  for (let i = 0; i < n; i++) await Promise.all([emptyAsync()]);
}

const hub = new Hub();
const sides = {
  diesel: () => run(dieselLoop(N), { hub }),
  promise: () => promiseLoop(N),
};

async function timed(round) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await round();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ns: (ms * 1e6) / N, cpuNs: ((used.user + used.system) * 1000) / N };
}

for (let i = 0; i < 2; i++) for (const round of Object.values(sides)) await round();
const samples = { diesel: [], promise: [] };
for (let r = 0; r < ROUNDS; r++) for (const [name, round] of Object.entries(sides)) samples[name].push(await timed(round));
const summary = (list) => ({
  ns: median(list.map((s) => s.ns)),
  nsMin: Math.min(...list.map((s) => s.ns)),
  nsMax: Math.max(...list.map((s) => s.ns)),
  cpuNs: median(list.map((s) => s.cpuNs)),
});
// `samples` (one { rate, cpu } per round: iterations/s, CPU ns each) let run.mjs report the spread.
const perRound = (list) => list.map((s) => ({ rate: 1e9 / s.ns, cpu: s.cpuNs }));
const result = { diesel: summary(samples.diesel), promise: summary(samples.promise), rounds: ROUNDS, n: N, samples: { diesel: perRound(samples.diesel), promise: perRound(samples.promise) } };
tell(result);
if (process.send === undefined) console.log(result);
