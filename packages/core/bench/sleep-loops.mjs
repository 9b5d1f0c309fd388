// Benchmark 4: LOOPS routines each sleeping SLEEP_MS and waking, over and over. Run once
// per peer, in a fresh process each (`node sleep-loops.mjs diesel|timeout|promise`):
// diesel Loops with `yield* sleep(s)`, raw setTimeout callbacks, and raw async functions
// awaiting a timers/promises setTimeout. Reports wakeups/s and CPU microseconds per wakeup
// (the timer cost), measured after a warm-up.
import { setTimeout as sleepPromise } from 'node:timers/promises';
import { Application, Loop, sleep } from '../dist/index.js';
import { tell } from './shared.mjs';

const kind = process.argv[2];
const LOOPS = Number(process.argv[3] ?? 10_000);
const SLEEP_MS = Number(process.argv[4] ?? 1);
const WARM_S = 1;
const MEASURE_S = Number(process.argv[5] ?? 3);

let wakeups = 0;
let stop = () => {};

if (kind === 'diesel') {
  const app = new Application();
  function* sleeper(seconds) {
    while (true) {
      yield* sleep(seconds);
      wakeups++;
    }
  }
  for (let i = 0; i < LOOPS; i++) app.addLoop(new Loop(sleeper, SLEEP_MS / 1000));
  void app.run();
  stop = () => app.halt();
} else if (kind === 'timeout') {
  let running = true;
  const tick = () => {
    wakeups++;
    if (running) setTimeout(tick, SLEEP_MS);
  };
  for (let i = 0; i < LOOPS; i++) setTimeout(tick, SLEEP_MS);
  stop = () => (running = false);
} else if (kind === 'promise') {
  let running = true;
  const sleeper = async () => {
    while (running) {
      await sleepPromise(SLEEP_MS);
      wakeups++;
    }
  };
  for (let i = 0; i < LOOPS; i++) void sleeper();
  stop = () => (running = false);
} else {
  throw new Error(`sleep-loops: unknown kind ${kind}`);
}

await new Promise((resolve) => setTimeout(resolve, WARM_S * 1000));
const before = wakeups;
const cpu = process.cpuUsage();
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, MEASURE_S * 1000));
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
const count = wakeups - before;
stop();
const result = { kind, loops: LOOPS, sleepMs: SLEEP_MS, wakeupsPerSecond: count / seconds, cpuMicrosPerWakeup: (used.user + used.system) / count };
tell(result);
if (process.send === undefined) console.log(result);
process.exit(0);
