// How fast bench 7's workload could go with diesel's API shape, to show where the queue's
// missing speed is. Three queues, the same 100 producers and 100 consumers through a
// bounded queue of 64, in alternating rounds in one process, CPU ns per item:
//   - diesel's Queue on the hub,
//   - a ceiling: the leanest scheduler one can write for generators that `yield*` a get
//     token (shared, an iterator per `yield*`) and a put token (one per call, its own
//     iterator), with the same complete-now fast path and FIFO waiters — and nothing
//     else: no cancellation, groups, errors, halting, frames or connections,
//   - the async/await peer of bench 7.
// If the ceiling is far below diesel, the difference is the runner's and the wait line's
// bookkeeping, not the language or the API: that is what is left to cut for the goal.
//
//   node bench/queue-ceiling.mjs [rounds]      (9)
import { CONSUMERS, ITEMS, MAX_SIZE, PER_PRODUCER, PRODUCERS, asyncQueueRound, dieselQueueRound } from './queue-workload.mjs';
import { median } from './shared.mjs';

const ROUNDS = Number(process.argv[2] ?? 9);
const settled = Promise.resolve();

// ---- the ceiling scheduler ----
const NOT_NOW = Symbol('not now');
let due = [];
let spare = [];
function flush() {
  const batch = due;
  due = spare;
  for (let i = 0; i < batch.length; i++) step(batch[i], batch[i].value);
  batch.length = 0;
  spare = batch;
}
function wake(routine) {
  if (due.push(routine) === 1) void settled.then(flush);
}
/** A FIFO on a power-of-two ring: no shifting, no compaction. */
class Ring {
  slots = new Array(256);
  head = 0;
  size = 0;
  push(x) {
    this.slots[(this.head + this.size++) & 255] = x;
  }
  shift() {
    if (this.size === 0) return undefined;
    const x = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & 255;
    this.size--;
    return x;
  }
}
class GetIterator {
  #token;
  done = false;
  value;
  constructor(token) {
    this.#token = token;
    this.value = token;
  }
  next(value) {
    const token = this.#token;
    if (token !== null) {
      this.#token = null;
      const now = token.queue.tryGet();
      if (now !== NOT_NOW) {
        this.done = true;
        this.value = now;
      }
      return this;
    }
    this.done = true;
    this.value = value;
    return this;
  }
}
class GetToken {
  constructor(queue) {
    this.queue = queue;
  }
  [Symbol.iterator]() {
    return new GetIterator(this);
  }
  park(routine) {
    this.queue.getters.push(routine);
  }
}
const PUT_DONE = Object.freeze({ value: undefined, done: true });
class PutToken {
  waiting = false;
  constructor(queue, item) {
    this.queue = queue;
    this.item = item;
  }
  [Symbol.iterator]() {
    return this;
  }
  next() {
    if (this.waiting) {
      this.waiting = false;
      return PUT_DONE;
    }
    if (this.queue.tryPut(this.item)) return PUT_DONE;
    this.waiting = true;
    return { value: this, done: false };
  }
  park(routine) {
    routine.item = this.item;
    this.queue.putters.push(routine);
  }
}
class CeilingQueue {
  items = new Ring();
  getters = new Ring();
  putters = new Ring();
  constructor(maxSize) {
    this.maxSize = maxSize;
    this.getToken = new GetToken(this);
  }
  get() {
    return this.getToken;
  }
  put(item) {
    return new PutToken(this, item);
  }
  tryGet() {
    if (this.items.size === 0) return NOT_NOW;
    const item = this.items.shift();
    const putter = this.putters.shift();
    if (putter !== undefined) {
      this.items.push(putter.item);
      putter.value = undefined;
      wake(putter);
    }
    return item;
  }
  tryPut(item) {
    const getter = this.getters.shift();
    if (getter !== undefined) {
      getter.value = item;
      wake(getter);
      return true;
    }
    if (this.items.size < this.maxSize) {
      this.items.push(item);
      return true;
    }
    return false;
  }
}
class Routine {
  value = undefined;
  item = undefined;
  constructor(gen) {
    this.gen = gen;
  }
}
function step(routine, value) {
  const result = routine.gen.next(value);
  if (!result.done) result.value.park(routine);
}

function measure(body) {
  return async () => {
    const cpu = process.cpuUsage();
    await body();
    const used = process.cpuUsage(cpu);
    return ((used.user + used.system) * 1000) / ITEMS;
  };
}

const ceiling = measure(
  () =>
    new Promise((resolve, reject) => {
      const queue = new CeilingQueue(MAX_SIZE);
      let consumed = 0;
      let producing = PRODUCERS;
      function* producer() {
        for (let i = 0; i < PER_PRODUCER; i++) yield* queue.put(i);
        // The last item may still sit in the queue: let its consumer run, then count.
        if (--producing === 0) void settled.then(() => settled).then(() => (consumed === ITEMS ? resolve() : reject(new Error(`ceiling: ${consumed} of ${ITEMS}`))));
      }
      function* consumer() {
        for (;;) {
          yield* queue.get();
          consumed++;
        }
      }
      for (let i = 0; i < CONSUMERS; i++) step(new Routine(consumer()));
      for (let i = 0; i < PRODUCERS; i++) step(new Routine(producer()));
    }),
);

const diesel = measure(dieselQueueRound);
const peer = measure(asyncQueueRound);

const sides = { ceiling, diesel, async: peer };
const samples = { ceiling: [], diesel: [], async: [] };
const order = Object.keys(sides);
for (let round = -3; round < ROUNDS; round++) {
  // Rotated every round, so no side always runs after the same one.
  const turn = order.map((_, i) => order[(i + round + 3) % order.length]);
  for (const name of turn) {
    const ns = await sides[name]();
    if (round >= 0) samples[name].push(ns);
  }
}
const summary = (list) => ({ ns: median(list), min: Math.min(...list), max: Math.max(...list) });
const result = Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, summary(list)]));
console.log(`CPU ns per item, median [min–max] of ${ROUNDS} rounds (node ${process.version}):`);
for (const [name, s] of Object.entries(result)) console.log(`  ${name.padEnd(8)} ${s.ns.toFixed(0)} [${s.min.toFixed(0)}–${s.max.toFixed(0)}]`);
console.log(`  async / diesel ${(result.async.ns / result.diesel.ns).toFixed(2)}×, async / ceiling ${(result.async.ns / result.ceiling.ns).toFixed(2)}×`);
process.exit(0);
