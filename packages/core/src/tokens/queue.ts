import { InvalidYield, QueueClosed } from '../errors.js';
import { CustomToken, type TokenContext } from '../hub.js';
import { currentRunner } from '../runner.js';
import { Ring } from '../sync/ring.js';
import { WaitLine } from '../sync/wait-line.js';
import { type GroupRole, NOT_NOW, refused, type Teardown } from './token.js';

/**
 * Options of a `Queue`.
 * @example
 * const jobs = new Queue<string>({ maxSize: 100 }); // producers wait once 100 are queued
 */
export interface QueueOptions {
  /** Most items held; `put` suspends while the queue is full (default: unbounded). */
  maxSize?: number;
}

/**
 * A FIFO between routines (eventlet's `Queue`, trio's memory channel) with backpressure:
 * `put` suspends while the queue is full, `get` while it is empty. Waiters on either side
 * are served in arrival order; one that stops waiting (a group's other member won, it was
 * cancelled, the app halted) leaves nothing behind — an item handed to a getter that
 * never resumed goes back to the front.
 *
 * The end signal: after `close()`, `put` throws `QueueClosed`; getters first drain what
 * is left, then `get` throws `QueueClosed` (`DIESEL_ERR_QUEUE_CLOSED`) — to them, and to
 * every getter already waiting on an empty queue. A consumer loop ends with a `catch`.
 * @example
 * const jobs = new Queue<string>({ maxSize: 64 });
 * function* producer() { for (const url of urls) yield* jobs.put(url); jobs.close(); }
 * function* consumer() {
 *   try {
 *     for (;;) yield* fetchOne(yield* jobs.get());
 *   } catch (error) {
 *     if (!(error instanceof QueueClosed)) throw error;
 *   }
 * }
 */
export class Queue<T> {
  readonly maxSize: number;
  readonly #items = new Ring<T>();
  readonly #getters = new WaitLine<T>((item) => this.#giveBack(item));
  readonly #putters = new WaitLine<undefined>();
  readonly #get: QueueGetToken<T>;
  #closed = false;

  constructor(options: QueueOptions = {}) {
    const maxSize = options.maxSize ?? Infinity;
    if (maxSize !== Infinity && !(Number.isInteger(maxSize) && maxSize >= 1)) throw new RangeError(`Queue: maxSize must be a positive integer, got ${String(maxSize)}`);
    this.maxSize = maxSize;
    this.#get = new QueueGetToken(this);
  }

  /** Items in the queue now. */
  get size(): number {
    return this.#items.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Routines suspended in `get`. */
  get waitingGetters(): number {
    return this.#getters.size;
  }

  /** Routines suspended in `put`. */
  get waitingPutters(): number {
    return this.#putters.size;
  }

  /**
   * Suspends: only while the queue is full (or earlier putters still wait). Throws
   * `QueueClosed` if the queue is closed, or is closed while this waits (the item is not
   * added then).
   * @example
   * yield* queue.put(job);
   */
  put(item: T): QueuePutToken<T> {
    return new QueuePutToken(this, item);
  }

  /**
   * Suspends: only while the queue is empty. Groupable:
   * `first(untilEol(), queue.get(), sleep(30))`. Throws `QueueClosed` once the queue is
   * closed and drained.
   * @example
   * const job = yield* queue.get();
   */
  get(): QueueGetToken<T> {
    return this.#get;
  }

  /**
   * Suspends: no. Adds `item` if there is room now; returns whether it did. Throws
   * `QueueClosed` on a closed queue.
   * @example
   * if (!queue.tryPut(line)) dropped++;
   */
  tryPut(item: T): boolean {
    if (this.#closed) throw new QueueClosed();
    const getter = this.#getters.peek();
    if (getter !== null) {
      getter.grant(item);
      return true;
    }
    if (this.size >= this.maxSize || this.#putters.size > 0) return false;
    this.#items.push(item);
    return true;
  }

  /**
   * Suspends: no. Takes the oldest item, or returns `undefined` if there is none (check
   * `size` first if your items may themselves be `undefined`).
   * @example
   * const next = queue.tryGet();
   */
  tryGet(): T | undefined {
    if (this.size === 0) return undefined;
    return this.#take();
  }

  /**
   * Suspends: no. Closes the queue: waiting putters get `QueueClosed` (their items are
   * not added), and so do waiting getters — there is nothing left for them. Items
   * already queued can still be taken. Idempotent.
   * @example
   * queue.close();
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#putters.failAll(new QueueClosed());
    // Getters wait only on an empty queue, so every one of them has seen the end.
    this.#getters.failAll(new QueueClosed());
  }

  #take(): T {
    const item = this.#items.shift();
    // A slot freed: the longest-waiting putter's item goes in.
    const putter = this.#putters.peek();
    if (putter !== null) {
      this.#items.push(putter.item as T);
      putter.grant(undefined);
    }
    return item;
  }

  /** An item granted to a getter that stopped waiting: to the next getter, or the front. */
  readonly #giveBack = (item: T): void => {
    const getter = this.#getters.peek();
    if (getter !== null) getter.grant(item);
    else this.#items.unshift(item);
  };

  /** @internal QueueGetToken's fast path: the same decisions as `startGet`, without a context. */
  attemptGet(): T | typeof NOT_NOW {
    if (this.size > 0) return this.#take();
    if (this.#closed) throw new QueueClosed('the queue is closed and drained');
    return NOT_NOW;
  }

  /** @internal QueueGetToken */
  startGet(context: TokenContext<T>): void | Teardown {
    if (this.size > 0) return context.resolve(this.#take());
    if (this.#closed) return context.reject(new QueueClosed('the queue is closed and drained'));
    return this.#getters.push(context);
  }

  /** @internal QueuePutToken */
  startPut(context: TokenContext<undefined>, item: T): void | Teardown {
    if (this.tryPut(item)) return context.resolve(undefined);
    // A putter granted a slot already has its item in the queue: the put happened, even
    // if the routine is cancelled before it resumes, so its line gives nothing back.
    return this.#putters.push(context, item);
  }
}

/**
 * What `queue.get()` yields. One per queue: it holds no state while waited on.
 * @example
 * const url = yield* jobs.get();
 * const [job, idle] = yield* first(jobs.get(), sleep(30));
 */
export class QueueGetToken<T> extends CustomToken<T> {
  /** A wait-like token: it may be one of a group's waits. */
  override get group(): GroupRole {
    return 'wait';
  }
  readonly #queue: Queue<T>;
  constructor(queue: Queue<T>) {
    super();
    this.#queue = queue;
  }
  start(context: TokenContext<T>): void | Teardown {
    return this.#queue.startGet(context);
  }
  /** Takes an item without suspending when there is one (see `Operation.attempt`). */
  override attempt(): T | typeof NOT_NOW {
    return this.#queue.attemptGet();
  }
}

/**
 * The result of every put's `yield*` that ended: one shared object, because a `yield*`
 * reads `done` and `value` at once and keeps nothing, and it saves an allocation per put.
 */
const PUT_DONE: IteratorResult<never, undefined> = Object.freeze({ value: undefined, done: true });

/** Who is suspended in a put driven outside any routine (by hand, in a test). */
const BY_HAND = {};

/**
 * What `queue.put(item)` yields (one per call, its own `yield*` iterator: see below).
 * @example
 * yield* jobs.put('https://example.com/'); // waits while the queue is full
 */
export class QueuePutToken<T> extends CustomToken<undefined> implements Iterator<QueuePutToken<T>, undefined, unknown> {
  readonly #queue: Queue<T>;
  readonly #item: T;
  /** The routine suspended in this token's `yield*` (BY_HAND outside any), or null. */
  #waiter: object | null = null;
  constructor(queue: Queue<T>, item: T) {
    super();
    this.#queue = queue;
    this.#item = item;
  }
  start(context: TokenContext<undefined>): void | Teardown {
    return this.#queue.startPut(context, this.#item);
  }
  /** Adds the item without suspending when there is room (see `Operation.attempt`). */
  override attempt(): undefined | typeof NOT_NOW {
    return this.#queue.tryPut(this.#item) ? undefined : NOT_NOW;
  }
  /**
   * Its own `yield*` iterator: `put()` makes a token per call anyway, so a `yield*` on it
   * allocates nothing more, and a put with room ends inside `next()` without leaving the
   * generator. A bare microbenchmark on this machine (shared cores): a `yield*` that
   * suspends through a separate iterator object 55 ns, one that ends inside `next()`
   * 17 ns; bench 7 went from 0.84× to about 1.1–1.3× the async/await queue with this and
   * the same fast path for `get` (in `TokenIterator`).
   */
  override [Symbol.iterator](): this {
    return this;
  }

  /** The `yield*` protocol: adds the item now, or yields the token to the hub; then returns once it was added. */
  next(): IteratorResult<this, undefined> {
    const runner = currentRunner();
    const waiter = this.#waiter;
    if (waiter !== null) {
      // Remembering who waits is what makes a token kept and yielded by two routines at
      // once an error instead of a put that silently did nothing.
      if (waiter !== (runner ?? BY_HAND)) throw new InvalidYield('this put token is already being waited on by another routine: call queue.put() for each put');
      this.#waiter = null;
      return PUT_DONE;
    }
    // Only inside a routine's step (and not once it asked to be killed): then it is the
    // runner's routine that puts, exactly as the runner's own `attempt` would.
    if (runner !== null && !runner.stopping) {
      if (this.#queue.tryPut(this.#item)) return PUT_DONE;
      refused.token = this;
    }
    this.#waiter = runner ?? BY_HAND;
    return { value: this, done: false };
  }

  /** The routine stopped waiting (its frame unwound): the token may be yielded again. */
  return(): IteratorResult<this, undefined> {
    this.#waiter = null;
    return { value: undefined, done: true };
  }

  /** An error the hub throws in (a cancel, a closed queue) surfaces at the `yield*`. */
  throw(error?: unknown): IteratorResult<this, undefined> {
    this.#waiter = null;
    throw error;
  }
}
