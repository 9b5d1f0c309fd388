import type { TokenContext } from '../hub.js';
import { Suspension } from '../runner.js';
import { onMicrotask, rethrowLater } from './microtask.js';

const WAITING = 0;
const GRANTED = 1;
const DONE = 2;
const FAILING = 3;

/**
 * Waiters granted in this turn, resumed together by one microtask: cheaper than a
 * microtask (and a closure) each when a producer hands out many items in one step.
 */
/** What the batch needs of a waiter. */
interface Deliverable {
  deliver(): void;
}
// Two arrays used in turn rather than a new one per batch, each with its own count: a
// batch of a hundred waiters otherwise regrows a fresh backing store several times every
// turn — and so does an array cleared with `length = 0`, which gives its store back.
let due: (Deliverable | undefined)[] = [];
let dueCount = 0;
let spare: (Deliverable | undefined)[] = [];
function deliverAll(): void {
  // Swap first: a resumed routine may grant again, and that goes in the next batch.
  const batch = due;
  const count = dueCount;
  due = spare;
  dueCount = 0;
  for (let i = 0; i < count; i++) {
    const waiter = batch[i]!;
    // Not kept alive by the batch once delivered.
    batch[i] = undefined;
    try {
      waiter.deliver();
    } catch (error) {
      // Only a user's exit callback can throw this far: it surfaces as an uncaught
      // exception, and the rest of the batch is still resumed.
      rethrowLater(error);
    }
  }
  spare = batch;
}
function deliverLater(waiter: Deliverable): void {
  due[dueCount++] = waiter;
  if (dueCount === 1) onMicrotask(deliverAll);
}

/**
 * One suspended routine in a FIFO line (a queue's getters, a lock's acquirers). It is
 * granted its value at once — so the order is fair and nobody can barge in between —
 * but resumed on a microtask, so the routine that granted it keeps running until it
 * suspends (the order `fire` wakes waiters in) and no generator is ever re-entered.
 */
export class Waiter<T> {
  /** @internal */ prev: Waiter<T> | null = null;
  /** @internal */ next: Waiter<T> | null = null;
  /** @internal */ state = WAITING;
  /** @internal */ value: T | undefined = undefined;
  /** What a waiter carries in (a putter's item); unused by most lines. */
  readonly item: unknown;
  readonly #context: TokenContext<T>;
  readonly #line: WaitLine<T>;

  constructor(line: WaitLine<T>, context: TokenContext<T>, item: unknown) {
    this.#line = line;
    this.#context = context;
    this.item = item;
  }

  /** Gives the waiter `value` now and resumes it on a microtask; it left the line. */
  grant(value: T): void {
    if (this.state !== WAITING) return;
    this.#line.remove(this);
    this.state = GRANTED;
    this.value = value;
    deliverLater(this);
  }

  /** Throws `error` into the waiter (on a microtask, like `grant`); it left the line. */
  fail(error: unknown): void {
    if (this.state !== WAITING) return;
    this.#line.remove(this);
    this.state = FAILING;
    this.value = error as T;
    deliverLater(this);
  }

  /** @internal the microtask's half of `grant` and `fail`. */
  deliver(): void {
    const state = this.state;
    if (state !== GRANTED && state !== FAILING) return;
    // DONE first: resolving resumes the routine, which then calls our cancel.
    this.state = DONE;
    const context = this.#context;
    // A routine's own suspension (not a group member's): resumed without the runner
    // calling our `cancel`, which has nothing left to do now.
    if (context instanceof Suspension) context.settleFrom(this, state === FAILING, this.value);
    else if (state === GRANTED) context.resolve(this.value as T);
    else context.reject(this.value);
  }

  /**
   * The token's teardown: called when the routine stops waiting for any reason (a group
   * member won, it was cancelled, the app halted — and also after it was resumed
   * normally). A waiter still in line just leaves it. One that was granted a value it
   * never saw hands it back through the line's `giveBack`, so nothing granted is lost.
   */
  cancel(): void {
    if (this.state === WAITING) {
      this.#line.remove(this);
      this.state = DONE;
    } else if (this.state === GRANTED) {
      this.state = DONE;
      this.#line.giveBack?.(this.value as T, this.item);
    } else if (this.state === FAILING) {
      this.state = DONE;
    }
  }
}

/** A FIFO of waiters with O(1) removal from anywhere (cancelled waiters leave from the middle). */
export class WaitLine<T> {
  /** Where a value granted to a waiter that stopped waiting goes (the next waiter, the queue's front). */
  readonly giveBack: ((value: T, item: unknown) => void) | undefined;
  #head: Waiter<T> | null = null;
  #tail: Waiter<T> | null = null;
  #size = 0;

  constructor(giveBack?: (value: T, item: unknown) => void) {
    this.giveBack = giveBack;
  }

  get size(): number {
    return this.#size;
  }

  /** Joins the line at the back. */
  push(context: TokenContext<T>, item?: unknown): Waiter<T> {
    const waiter = new Waiter(this, context, item);
    waiter.prev = this.#tail;
    if (this.#tail === null) this.#head = waiter;
    else this.#tail.next = waiter;
    this.#tail = waiter;
    this.#size++;
    return waiter;
  }

  /** The longest-waiting waiter, still in line, or null. */
  peek(): Waiter<T> | null {
    return this.#head;
  }

  /** @internal */
  remove(waiter: Waiter<T>): void {
    if (waiter.prev === null) {
      if (this.#head !== waiter) return;
      this.#head = waiter.next;
    } else {
      waiter.prev.next = waiter.next;
    }
    if (waiter.next === null) this.#tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = null;
    waiter.next = null;
    this.#size--;
  }

  /** Throws `error` into every waiter (a queue closed, a socket closed). */
  failAll(error: unknown): void {
    for (let waiter = this.#head; waiter !== null; waiter = this.#head) waiter.fail(error);
  }
}
