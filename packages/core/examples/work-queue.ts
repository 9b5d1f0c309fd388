/**
 * A bounded work queue between routines: producers wait while it is full (backpressure),
 * consumers wait while it is empty, and `close()` tells the consumers there is no more.
 *
 *   node examples-dist/work-queue.js
 */
import { pathToFileURL } from 'node:url';
import { Queue, QueueClosed, run, sleep, spawn, type Routine } from '@diesel/core';

/** Puts jobs 1..count on the queue, suspending whenever it is full. */
export function* produce(jobs: Queue<number>, count: number): Routine<void> {
  for (let job = 1; job <= count; job++) yield* jobs.put(job);
}

/** Takes jobs until the queue is closed and drained; returns the jobs it did. */
export function* consume(jobs: Queue<number>): Routine<number[]> {
  const done: number[] = [];
  try {
    for (;;) {
      const job = yield* jobs.get(); // throws QueueClosed once closed and empty
      yield* sleep(0.001); // the work
      done.push(job);
    }
  } catch (error) {
    if (!(error instanceof QueueClosed)) throw error;
  }
  return done;
}

/** Three consumers share 30 jobs through a queue of at most 4. */
export function* pipeline(): Routine<number[][]> {
  const jobs = new Queue<number>({ maxSize: 4 });
  const consumers = [yield* spawn(consume, jobs), yield* spawn(consume, jobs), yield* spawn(consume, jobs)];
  yield* produce(jobs, 30);
  jobs.close(); // the consumers drain what is left, then see the end
  const results: number[][] = [];
  for (const consumer of consumers) results.push(yield* consumer.join());
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await run(pipeline());
  results.forEach((jobs, i) => console.log(`consumer ${i + 1} did ${jobs.length} jobs`));
}
