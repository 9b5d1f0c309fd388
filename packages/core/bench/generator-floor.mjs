// The floor under benchmark 7: what the language and the hub cost per step with no queue
// work at all, measured on this machine in the same run. Three figures, CPU ns per step,
// median over rounds:
//   - a `yield*` that completes inside the iterator's next() (what a queue get or put
//     with an item or room costs at least),
//   - a `yield*` that suspends and is resumed, a bare generator driven by a loop (no hub),
//   - a routine on the hub suspending on a token that a microtask batch resolves (the
//     runner's own cost per suspension and resume), against an `await` of a resolved
//     value (the peer's cost per step).
// Bench 7 does two of the first and, counted, about 0.7 of the third per item.
//
//   node bench/generator-floor.mjs [rounds]
import { CustomToken, Hub, run } from '../dist/index.js';
import { median, tell } from './shared.mjs';

const ROUNDS = Number(process.argv[2] ?? 7);
const N = 1_000_000;
const cpuNow = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) * 1000;
};

class Done {
  next() {
    return { value: 1, done: true };
  }
  return(value) {
    return { value, done: true };
  }
  throw(error) {
    throw error;
  }
}
const completes = { [Symbol.iterator]: () => new Done() };
class Once {
  #token;
  constructor(token) {
    this.#token = token;
  }
  next(value) {
    const token = this.#token;
    if (token !== null) {
      this.#token = null;
      return { value: token, done: false };
    }
    return { value, done: true };
  }
  return(value) {
    return { value, done: true };
  }
  throw(error) {
    throw error;
  }
}
const suspends = {
  [Symbol.iterator]() {
    return new Once(this);
  },
};
function* loop(op) {
  let sum = 0;
  for (let i = 0; i < N; i++) sum += (yield* op) ?? 0;
  return sum;
}
function drive(gen) {
  let step = gen.next();
  while (!step.done) step = gen.next(1);
  return step.value;
}
function timeSync(body) {
  const started = cpuNow();
  body();
  return (cpuNow() - started) / N;
}

// The hub's own cost: 100 routines each suspending on a token resolved by one microtask per batch.
let due = [];
function flush() {
  const batch = due;
  due = [];
  for (let i = 0; i < batch.length; i++) batch[i].resolve(1);
}
class Later extends CustomToken {
  start(context) {
    if (due.push(context) === 1) queueMicrotask(flush);
  }
}
const later = new Later();
const ROUTINES = 100;
const PER_ROUTINE = N / ROUTINES;
const hub = new Hub();
function* sleeper() {
  let sum = 0;
  for (let i = 0; i < PER_ROUTINE; i++) sum += yield* later;
  return sum;
}
async function hubStep() {
  const started = cpuNow();
  await Promise.all(Array.from({ length: ROUTINES }, () => run(sleeper(), { hub })));
  return (cpuNow() - started) / N;
}
async function awaiter() {
  let sum = 0;
  for (let i = 0; i < PER_ROUTINE; i++) sum += await 1;
  return sum;
}
async function awaitStep() {
  const started = cpuNow();
  await Promise.all(Array.from({ length: ROUTINES }, () => awaiter()));
  return (cpuNow() - started) / N;
}

const samples = { completes: [], suspends: [], hub: [], await: [] };
for (let round = -1; round < ROUNDS; round++) {
  const row = {
    completes: timeSync(() => drive(loop(completes))),
    suspends: timeSync(() => drive(loop(suspends))),
    hub: await hubStep(),
    await: await awaitStep(),
  };
  if (round >= 0) for (const key of Object.keys(samples)) samples[key].push(row[key]);
}
const summary = (list) => ({ ns: median(list), min: Math.min(...list), max: Math.max(...list) });
const result = Object.fromEntries(Object.entries(samples).map(([key, list]) => [key, summary(list)]));
tell(result);
if (process.send === undefined) console.log(JSON.stringify(result, null, 2));
process.exit(0);
