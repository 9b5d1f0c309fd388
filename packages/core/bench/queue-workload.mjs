// Benchmark 7's workload, shared by bench/queue-lock.mjs (diesel vs the async/await peer)
// and bench/queue-ceiling.mjs (the same two beside the leanest generator scheduler):
// PRODUCERS producer and CONSUMERS consumer routines move ITEMS items through a queue of
// MAX_SIZE. Each function runs the whole workload once and checks every item arrived.
import { Hub, Queue, QueueClosed, run } from '../dist/index.js';

export const PRODUCERS = 100;
export const CONSUMERS = 100;
export const PER_PRODUCER = 2_000;
export const MAX_SIZE = 64;
export const ITEMS = PRODUCERS * PER_PRODUCER; // 200,000 items a round

/**
 * The async/await peer's queue: bounded, FIFO on both sides, closeable — written to be
 * fair: a fast path without a new Promise when it need not wait, the same backpressure.
 */
export class AsyncBoundedQueue {
  #items = [];
  #getters = [];
  #putters = [];
  #closed = false;
  constructor(maxSize) {
    this.maxSize = maxSize;
  }
  put(item) {
    if (this.#getters.length > 0) {
      this.#getters.shift().resolve(item);
      return Promise.resolve();
    }
    if (this.#items.length < this.maxSize && this.#putters.length === 0) {
      this.#items.push(item);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#putters.push({ item, resolve }));
  }
  get() {
    if (this.#items.length > 0) {
      const item = this.#items.shift();
      const putter = this.#putters.shift();
      if (putter !== undefined) {
        this.#items.push(putter.item);
        putter.resolve();
      }
      return Promise.resolve(item);
    }
    if (this.#closed) return Promise.reject(new Error('closed'));
    return new Promise((resolve, reject) => this.#getters.push({ resolve, reject }));
  }
  close() {
    this.#closed = true;
    for (const getter of this.#getters.splice(0)) getter.reject(new Error('closed'));
  }
}

/** The workload on diesel's hub and `Queue`. */
export async function dieselQueueRound() {
  const hub = new Hub();
  const queue = new Queue({ maxSize: MAX_SIZE });
  let consumed = 0;
  function* producer() {
    for (let i = 0; i < PER_PRODUCER; i++) yield* queue.put(i);
  }
  function* consumer() {
    try {
      for (;;) {
        yield* queue.get();
        consumed++;
      }
    } catch (error) {
      if (!(error instanceof QueueClosed)) throw error;
    }
  }
  const consumers = Array.from({ length: CONSUMERS }, () => run(consumer(), { hub }));
  await Promise.all(Array.from({ length: PRODUCERS }, () => run(producer(), { hub })));
  queue.close();
  await Promise.all(consumers);
  if (consumed !== ITEMS) throw new Error(`diesel queue: ${consumed} of ${ITEMS}`);
}

/** The workload with async functions and `AsyncBoundedQueue`. */
export async function asyncQueueRound() {
  const queue = new AsyncBoundedQueue(MAX_SIZE);
  let consumed = 0;
  async function producer() {
    for (let i = 0; i < PER_PRODUCER; i++) await queue.put(i);
  }
  async function consumer() {
    try {
      for (;;) {
        await queue.get();
        consumed++;
      }
    } catch {
      // closed
    }
  }
  const consumers = Array.from({ length: CONSUMERS }, () => consumer());
  await Promise.all(Array.from({ length: PRODUCERS }, () => producer()));
  queue.close();
  await Promise.all(consumers);
  if (consumed !== ITEMS) throw new Error(`async queue: ${consumed} of ${ITEMS}`);
}
