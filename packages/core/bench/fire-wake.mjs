// Wake-ups from inside a step: one routine fires an event that 100 routines wait for,
// 2,000 times a round, so every waiter is woken while the firing routine is mid-step
// (the runner's deferred resume). The async/await peer: 100 async functions each
// awaiting a promise that an EventEmitter listener resolves, the emitter driven by one
// async function. Alternating rounds (the order flipped every round), median and spread
// (min–max), CPU ns per wake-up next to the wall-clock rate.
//
//   node bench/fire-wake.mjs [rounds]      (7)
import { EventEmitter } from 'node:events';
import { Hub, fire, run, wait } from '../dist/index.js';
import { median } from './shared.mjs';

const ROUNDS = Number(process.argv[2] ?? 7);
const WAITERS = 100;
const FIRES = 2_000;
const WAKES = WAITERS * FIRES;

async function measure(body) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const woken = await body();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (woken !== WAKES) throw new Error(`${woken} of ${WAKES} wake-ups`);
  return { rate: woken / seconds, cpuNanos: ((used.user + used.system) * 1000) / woken };
}

function diesel() {
  return measure(async () => {
    const hub = new Hub();
    let woken = 0;
    function* waiter() {
      for (;;) {
        if ((yield* wait('tick')) === 'end') return;
        woken++;
      }
    }
    const waiters = Array.from({ length: WAITERS }, () => run(waiter(), { hub }));
    function* firer() {
      for (let i = 0; i < FIRES; i++) {
        yield* fire('tick', i);
        yield Promise.resolve(); // let the woken routines run, as the peer's await does
      }
      yield* fire('tick', 'end');
    }
    await run(firer(), { hub });
    await Promise.all(waiters);
    return woken;
  });
}

function peer() {
  return measure(async () => {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    let woken = 0;
    const next = () => new Promise((resolve) => emitter.once('tick', resolve));
    async function waiter() {
      for (;;) {
        if ((await next()) === 'end') return;
        woken++;
      }
    }
    const waiters = Array.from({ length: WAITERS }, () => waiter());
    for (let i = 0; i < FIRES; i++) {
      emitter.emit('tick', i);
      await Promise.resolve();
    }
    emitter.emit('tick', 'end');
    await Promise.all(waiters);
    return woken;
  });
}

const samples = { diesel: [], peer: [] };
for (let round = -3; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ['diesel', 'peer'] : ['peer', 'diesel'];
  for (const side of order) {
    const result = await (side === 'diesel' ? diesel() : peer());
    if (round >= 0) samples[side].push(result);
  }
}
const summary = (list, key) => ({ median: median(list.map((s) => s[key])), min: Math.min(...list.map((s) => s[key])), max: Math.max(...list.map((s) => s[key])) });
const result = Object.fromEntries(Object.entries(samples).map(([side, list]) => [side, { rate: summary(list, 'rate'), cpuNanos: summary(list, 'cpuNanos') }]));
console.log(JSON.stringify(result));
process.exit(0);
