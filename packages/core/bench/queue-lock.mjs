// Benchmarks 5 and 6: diesel's Queue and Lock against what a Node programmer writes with
// async functions — a promise-based bounded queue (below, written to be fair: a fast path
// without a new Promise when it need not wait, FIFO waiters, the same backpressure) and
// async-mutex's Mutex. Diesel and its peer run in the same process, in alternating
// rounds; each round reports wall-clock rate and CPU time per unit of work, and the
// parent takes the median and the spread (min–max) over rounds.
//
//   node bench/queue-lock.mjs [rounds]      (15)
import { Mutex } from 'async-mutex';
import { Hub, Lock, run } from '../dist/index.js';
import { ITEMS, asyncQueueRound, dieselQueueRound } from './queue-workload.mjs';
import { median, tell } from './shared.mjs';

const ROUNDS = Number(process.argv[2] ?? 15);
const UNCONTENDED = 200_000;
const CONTENDERS = 100;
const PER_CONTENDER = 500; // 50,000 contended holds a round

async function measure(body, units) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await body();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { rate: units / seconds, cpuNanos: ((used.user + used.system) * 1000) / units };
}

const dieselQueue = () => measure(dieselQueueRound, ITEMS);
const asyncQueue = () => measure(asyncQueueRound, ITEMS);

function* nothing() {
  return 1;
}

function dieselUncontended() {
  const hub = new Hub();
  const lock = new Lock();
  return measure(
    () =>
      run(
        (function* () {
          let sum = 0;
          for (let i = 0; i < UNCONTENDED; i++) sum += yield* lock.hold(nothing());
          if (sum !== UNCONTENDED) throw new Error('lock sum');
        })(),
        { hub },
      ),
    UNCONTENDED,
  );
}

function mutexUncontended() {
  const mutex = new Mutex();
  const one = () => 1;
  return measure(async () => {
    let sum = 0;
    for (let i = 0; i < UNCONTENDED; i++) sum += await mutex.runExclusive(one);
    if (sum !== UNCONTENDED) throw new Error('mutex sum');
  }, UNCONTENDED);
}

// Contended: the critical section suspends once (on a resolved promise), so every other
// contender is queued on the lock while it is held.
function dieselContended() {
  const hub = new Hub();
  const lock = new Lock();
  let inside = 0;
  function* critical() {
    if (++inside !== 1) throw new Error('two holders');
    yield Promise.resolve();
    inside--;
  }
  function* contender() {
    for (let i = 0; i < PER_CONTENDER; i++) yield* lock.hold(critical());
  }
  return measure(() => Promise.all(Array.from({ length: CONTENDERS }, () => run(contender(), { hub }))), CONTENDERS * PER_CONTENDER);
}

function mutexContended() {
  const mutex = new Mutex();
  let inside = 0;
  const critical = async () => {
    if (++inside !== 1) throw new Error('two holders');
    await Promise.resolve();
    inside--;
  };
  async function contender() {
    for (let i = 0; i < PER_CONTENDER; i++) await mutex.runExclusive(critical);
  }
  return measure(() => Promise.all(Array.from({ length: CONTENDERS }, () => contender())), CONTENDERS * PER_CONTENDER);
}

const pairs = {
  queue: [dieselQueue, asyncQueue],
  uncontended: [dieselUncontended, mutexUncontended],
  contended: [dieselContended, mutexContended],
};

const summary = (runs) => {
  const rates = runs.map((r) => r.rate);
  const cpu = runs.map((r) => r.cpuNanos);
  return { rate: median(rates), rateMin: Math.min(...rates), rateMax: Math.max(...rates), cpuNanos: median(cpu), cpuMin: Math.min(...cpu), cpuMax: Math.max(...cpu) };
};

const result = {};
for (const [name, [diesel, peer]] of Object.entries(pairs)) {
  const rounds = { diesel: [], peer: [] };
  // Three warm-up rounds each (the same for both), then alternating rounds, the order
  // flipped every round. One was not enough for diesel's runner to reach steady state:
  // its first measured queue round cost twice the later ones, the peer's did not move.
  for (let warm = 0; warm < 3; warm++) {
    await diesel();
    await peer();
  }
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      rounds.diesel.push(await diesel());
      rounds.peer.push(await peer());
    } else {
      rounds.peer.push(await peer());
      rounds.diesel.push(await diesel());
    }
  }
  // `samples` (one { rate, cpu } per round) let run.mjs report the spread.
  const perRound = (list) => list.map((r) => ({ rate: r.rate, cpu: r.cpuNanos }));
  result[name] = { diesel: summary(rounds.diesel), peer: summary(rounds.peer), rounds: ROUNDS, samples: { diesel: perRound(rounds.diesel), peer: perRound(rounds.peer) } };
}
tell(result);
if (process.send === undefined) console.log(JSON.stringify(result, null, 2));
process.exit(0);
