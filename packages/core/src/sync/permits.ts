import { LockNotHeld } from '../errors.js';
import { CustomToken, type Routine, type Runner, type TokenContext } from '../hub.js';
import { currentRunner } from '../runner.js';
import type { Token } from '../tokens.js';
import { WaitLine } from './wait-line.js';
import type { GroupRole, Teardown } from '../tokens/token.js';

/** What a routine holds of one lock or semaphore, and the hook that frees it if the routine ends. */
interface Holding {
  count: number;
  unhook: () => void;
}

/**
 * The shared machinery of `Lock` and `Semaphore` (use those; this is exported for
 * `instanceof` and typing): `size` permits, handed out first come,
 * first served, each held by a routine. A routine that ends while holding permits gives
 * them back (its end hook), so nothing is held by a routine that has ended — whether it
 * returned, threw, was cancelled or was halted.
 * @example
 * function* guarded(gate: Permits) { return yield* gate.hold(work()); }
 */
export abstract class Permits {
  readonly size: number;
  #available: number;
  // Granted but never resumed (a group's other member won, or it was cancelled in
  // between): the permit it was given goes on to the next waiter.
  readonly #line = new WaitLine<true>((_granted, runner) => {
    const holding = this.#holders.get(runner as Runner);
    if (holding !== undefined) this.#drop(runner as Runner, holding, 1);
  });
  readonly #holders = new Map<Runner, Holding>();
  readonly #acquire: AcquireToken;
  readonly #what: string;

  protected constructor(size: number, what: string) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`${what}: size must be a positive integer, got ${String(size)}`);
    this.size = size;
    this.#available = size;
    this.#what = what;
    this.#acquire = new AcquireToken(this);
  }

  /** Permits free now. */
  get available(): number {
    return this.#available;
  }

  /** Routines waiting to acquire. */
  get waiting(): number {
    return this.#line.size;
  }

  /** True if the running routine holds at least one permit. */
  get held(): boolean {
    const runner = currentRunner();
    return runner !== null && this.#holders.has(runner);
  }

  /**
   * Suspends: only while no permit is free (or others were waiting first: FIFO, no
   * barging). Groupable: `first(lock.acquire(), sleep(1))` gives up after a second.
   * @example
   * yield* lock.acquire();
   * try { … } finally { lock.release(); }
   */
  acquire(): AcquireToken {
    return this.#acquire;
  }

  /**
   * Suspends: no. Gives back one permit the running routine holds, to the longest
   * waiter if there is one. Throws `LockNotHeld` (`DIESEL_ERR_LOCK_NOT_HELD`) if the
   * running routine holds none (or if called outside any routine).
   * @example
   * lock.release();
   */
  release(): void {
    const runner = currentRunner();
    const holding = runner === null ? undefined : this.#holders.get(runner);
    if (runner === null || holding === undefined) throw new LockNotHeld(this.#what);
    this.#drop(runner, holding, 1);
  }

  /**
   * Suspends: as `acquire` and then `operation` do. Acquires, runs `operation` (a
   * routine or a token) and releases in `finally` — also when it throws or the routine
   * is cancelled. Returns what `operation` returns.
   * @example
   * const balance = yield* lock.hold(transfer(from, to, 10));
   */
  *hold<T>(operation: Routine<T> | Token<T>): Routine<T> {
    yield* this.#acquire;
    try {
      return yield* operation;
    } finally {
      this.release();
    }
  }

  /** Called by a lock to refuse something before queueing (a routine re-acquiring its lock). */
  protected checkAcquire(_runner: Runner, _holding: number): void {}

  #drop(runner: Runner, holding: Holding, count: number): void {
    holding.count -= count;
    if (holding.count === 0) {
      this.#holders.delete(runner);
      holding.unhook();
    }
    for (let i = 0; i < count; i++) this.#free();
  }

  /** One permit is free: the longest waiter gets it, or it goes back to the pool. */
  #free(): void {
    const waiter = this.#line.peek();
    if (waiter === null) {
      this.#available++;
      return;
    }
    this.#grantTo(waiter.item as Runner);
    waiter.grant(true);
  }

  #grantTo(runner: Runner): void {
    const holding = this.#holders.get(runner);
    if (holding !== undefined) {
      holding.count++;
      return;
    }
    const created: Holding = { count: 1, unhook: () => {} };
    // A routine that ends holding permits gives them all back.
    created.unhook = runner.onEnd(() => {
      if (this.#holders.get(runner) !== created) return;
      this.#drop(runner, created, created.count);
    });
    this.#holders.set(runner, created);
  }

  /** @internal AcquireToken */
  startAcquire(context: TokenContext<true>): void | Teardown {
    const runner = context.runner;
    this.checkAcquire(runner, this.#holders.get(runner)?.count ?? 0);
    if (this.#available > 0 && this.#line.size === 0) {
      this.#available--;
      this.#grantTo(runner);
      return context.resolve(true);
    }
    return this.#line.push(context, runner);
  }
}

/**
 * What `lock.acquire()` / `semaphore.acquire()` yields.
 * @example
 * yield* lock.acquire();
 * try { yield* writeRecord(record); } finally { lock.release(); }
 */
export class AcquireToken extends CustomToken<true> {
  /** A wait-like token: it may be one of a group's waits. */
  override get group(): GroupRole {
    return 'wait';
  }
  readonly #owner: Permits;
  constructor(owner: Permits) {
    super();
    this.#owner = owner;
  }
  start(context: TokenContext<true>): void | Teardown {
    return this.#owner.startAcquire(context);
  }
}
