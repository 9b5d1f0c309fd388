import type { Clock } from '../clock.js';
import { Cancelled, OutsideRoutine, Timeout } from '../errors.js';
import type { Hub } from '../hub.js';
import { currentRunner, type Runner } from '../runner.js';
import type { Yieldable } from '../yieldable.js';
import type { ResultOf, Runnable } from './task.js';

/**
 * Suspends: until `op` finishes or `seconds` pass. Returns `op`'s result; on expiry `op`
 * is cancelled (it sees `Cancelled` at its suspension point, its `finally` blocks run)
 * and `Timeout` is thrown here. `op` runs in the current routine (no child is made).
 * @example
 * const reply = yield* timeout(5, client.echo('hi'));
 */
export function* timeout<O extends Runnable>(seconds: number, op: O): Generator<Yieldable, ResultOf<O>, unknown> {
  if (typeof seconds !== 'number' || !(seconds >= 0)) throw new RangeError(`timeout(): seconds must be a non-negative number, got ${seconds}`);
  // The body runs inside the calling routine's step, so the routine is at hand without
  // yielding a token for it (which would cost a suspension object per timeout).
  const runner = currentRunner();
  if (runner === null) throw new OutsideRoutine('timeout()');
  const queue = queueOf(runner.hub);
  const deadline = new Deadline(queue, runner, queue.clock.now() + seconds * 1000);
  queue.add(deadline);
  try {
    return (yield op as Yieldable) as ResultOf<O>;
  } catch (error) {
    if (error !== null && error === deadline.signal) throw new Timeout(seconds);
    throw error;
  } finally {
    deadline.clear();
  }
}

/** One pending timeout: when it passes, its routine is interrupted with its own `Cancelled`, which only its `timeout` turns into `Timeout`. */
class Deadline {
  /** Made only when the deadline passes: an Error captures a stack, which costs more than a round trip. */
  signal: Cancelled | null = null;
  live = true;
  constructor(
    readonly queue: DeadlineQueue,
    readonly runner: Runner,
    readonly at: number,
  ) {}
  clear(): void {
    this.queue.remove(this);
  }
}

const queues = new WeakMap<Hub, DeadlineQueue>();
// The last hub asked about, and its queue: a program has one hub, and a WeakMap lookup
// was a tenth of what a timeout cost (bench 6's microbenchmark, ~200 ns in all). It keeps
// that one hub reachable (with its queue's cleared entries, not yet compacted) until a
// timeout on another hub takes its place; a halted hub's queue holds no live deadline.
let lastHub: Hub | null = null;
let lastQueue: DeadlineQueue | null = null;
function queueOf(hub: Hub): DeadlineQueue {
  if (hub === lastHub) return lastQueue!;
  let queue = queues.get(hub);
  if (queue === undefined) queues.set(hub, (queue = new DeadlineQueue(hub.clock)));
  lastHub = hub;
  lastQueue = queue;
  return queue;
}

/**
 * Every pending timeout of a hub, in deadline order, under one clock timer. Most
 * timeouts are cleared long before they pass, and usually in the order they were set
 * (the same `seconds` again and again), so a new one is appended and a cleared one only
 * marked: no timer is set or cleared per operation. A timer per timeout cost 12 % of the
 * CPU of an echo round trip (bench 6: 32.3 µs against 28.7 µs bare, shared machine);
 * setting and clearing one empties and rebuilds Node's timer list for that duration each
 * time. The one timer stays set for the earliest deadline, even after it was cleared; it
 * then fires once for nothing.
 */
class DeadlineQueue {
  #entries: Deadline[] = [];
  #live = 0;
  #dead = 0;
  #timer: unknown = null;
  #armedAt = Infinity;
  constructor(readonly clock: Clock) {}

  add(deadline: Deadline): void {
    const entries = this.#entries;
    const last = entries[entries.length - 1];
    if (last === undefined || last.at <= deadline.at) entries.push(deadline);
    else entries.splice(this.#insertionPoint(deadline.at), 0, deadline);
    this.#live++;
    if (deadline.at < this.#armedAt) this.#arm(deadline.at);
  }

  remove(deadline: Deadline): void {
    if (!deadline.live) return;
    deadline.live = false;
    this.#live--;
    // Compacted once the cleared outnumber the live: amortised O(1) per timeout.
    if (++this.#dead > 64 && this.#dead > this.#live) {
      this.#entries = this.#entries.filter((entry) => entry.live);
      this.#dead = 0;
    }
  }

  #insertionPoint(at: number): number {
    const entries = this.#entries;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (entries[mid]!.at <= at) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #arm(at: number): void {
    if (this.#timer !== null) this.clock.cancel(this.#timer);
    this.#armedAt = at;
    this.#timer = this.clock.schedule(this.#fire, Math.max(0, at - this.clock.now()));
  }

  readonly #fire = (): void => {
    this.#timer = null;
    this.#armedAt = Infinity;
    const now = this.clock.now();
    const entries = this.#entries;
    let due = 0;
    while (due < entries.length && entries[due]!.at <= now) due++;
    const expired: Deadline[] = [];
    for (const deadline of entries.splice(0, due)) {
      if (deadline.live) {
        deadline.live = false;
        this.#live--;
        expired.push(deadline);
      } else {
        this.#dead--;
      }
    }
    const next = this.#entries.find((entry) => entry.live);
    if (next !== undefined) this.#arm(next.at);
    // After the bookkeeping: interrupting runs the routine, which may set or clear timeouts.
    for (const deadline of expired) this.#expire(deadline);
  };

  #expire(deadline: Deadline): void {
    deadline.signal = new Cancelled('the operation timed out');
    deadline.runner.interrupt(deadline.signal);
  }
}
