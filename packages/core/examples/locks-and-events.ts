/**
 * A lock around a read-modify-write that suspends in the middle, a semaphore that bounds
 * how many routines do something at once, and an event that holds workers back until
 * the application is ready.
 *
 *   node examples-dist/locks-and-events.js
 */
import { pathToFileURL } from 'node:url';
import { Event, Lock, Semaphore, run, sleep, spawn, type Routine } from '@diesel/core';

export interface Account {
  balance: number;
}

/** Moves money with a pause (a slow store) between reading and writing the balance. */
export function* move(from: Account, to: Account, amount: number): Routine<boolean> {
  const balance = from.balance;
  yield* sleep(0.001);
  if (balance < amount) return false;
  from.balance = balance - amount;
  to.balance += amount;
  return true;
}

const ledger = new Lock();

/** The same move under a lock: no other transfer reads the balance until this one wrote it. */
export function* transfer(from: Account, to: Account, amount: number): Routine<boolean> {
  return yield* ledger.hold(move(from, to, amount));
}

/** Runs `jobs` with at most `limit` of them inside `work` at once. */
export function* bounded(jobs: number, limit: number, work: (job: number) => Routine<void>): Routine<void> {
  const slots = new Semaphore(limit);
  const tasks = [];
  for (let job = 0; job < jobs; job++) tasks.push(yield* spawn(() => slots.hold(work(job))));
  for (const task of tasks) yield* task.join();
}

/** Workers wait for `ready`; the starter sets it once, and late workers do not wait at all. */
export function* startWhenReady(log: string[]): Routine<void> {
  const ready = new Event();
  function* worker(name: string): Routine<void> {
    yield* ready.wait();
    log.push(`${name} started`);
  }
  const early = [yield* spawn(worker, 'a'), yield* spawn(worker, 'b')];
  yield* sleep(0.01); // loading configuration
  log.push('ready');
  ready.set(); // the two waiting workers run once this routine suspends
  for (const task of early) yield* task.join();
  const late = yield* spawn(worker, 'c'); // the event is still set: c does not wait
  yield* late.join();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const a: Account = { balance: 100 };
  const b: Account = { balance: 0 };
  await run(
    (function* (): Routine<void> {
      const tasks = [];
      for (let i = 0; i < 20; i++) tasks.push(yield* spawn(transfer, a, b, 10));
      for (const task of tasks) yield* task.join();
    })(),
  );
  console.log(`a: ${a.balance}, b: ${b.balance}`); // a: 0, b: 100
}
