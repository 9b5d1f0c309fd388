import { type Clock, systemClock } from './clock.js';
import type { Connection } from './connection.js';
import { ConnectionClosed, DieselError, Halted } from './errors.js';
import { ConsoleLogger, type DieselLogger } from './logger.js';
import type { Loop } from './loop.js';
import { Runner, describe, type Routine, type SpawnOptions } from './runner.js';
import type { EventWaiter } from './tokens/wait-fire.js';
import type { Yieldable } from './yieldable.js';

export { Runner, describe, isRoutine, type Outcome, type Routine, type SpawnOptions } from './runner.js';
export { CustomToken, type TokenContext } from './tokens/token.js';
export { CallToken, type CallTarget } from './tokens/call.js';

export interface HubOptions {
  clock?: Clock;
  logger?: DieselLogger;
}

/**
 * The hub runs routines cooperatively: it resumes one when what it waits for is ready
 * (bytes in the buffer, a timer, an event, a promise), and keeps the event registry
 * that `wait`/`fire` use. One hub per Application.
 */
export class Hub {
  readonly clock: Clock;
  logger: DieselLogger;
  readonly #events = new Map<string, EventWaiter[]>();
  readonly #runners = new Set<Runner>();
  readonly #connections = new Set<Connection>();
  readonly #restarts = new Set<unknown>();
  #halting = false;

  constructor(options: HubOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? new ConsoleLogger();
  }

  /** Routines currently alive (tests use it to prove nothing outlived its connection). */
  get size(): number {
    return this.#runners.size;
  }

  get halting(): boolean {
    return this.#halting;
  }

  /** Starts a routine now; it runs until its first suspension before this returns. */
  spawn(routine: Routine, options: SpawnOptions = {}): Runner {
    if (this.#halting) throw new Halted();
    const runner = new Runner(this, routine, options);
    this.#runners.add(runner);
    runner.start();
    return runner;
  }

  /** Starts a `Loop`, restarting it when it ends or fails if it is `keepAlive`. */
  spawnLoop(loop: Loop): void {
    const start = (): void => {
      if (this.#halting) return;
      this.spawn(loop.create(), {
        name: loop.name,
        onExit: (outcome) => {
          if (!outcome.ok && !outcome.halted) this.logger.error(`loop ${loop.name} failed: ${describe(outcome.error)}`);
          if (!loop.keepAlive || this.#halting) return;
          const delay = outcome.ok ? 0 : loop.restartDelay;
          this.logger.info(`restarting keep-alive loop ${loop.name}`);
          // Kept so halt() can cancel it: a pending restart must not hold the process open.
          const handle = this.clock.schedule(() => {
            this.#restarts.delete(handle);
            start();
          }, delay * 1000);
          this.#restarts.add(handle);
        },
      });
    };
    start();
  }

  /** Wakes every routine waiting on `event`; returns how many. */
  fire(event: string, value: unknown): number {
    const waiters = this.#events.get(event);
    if (waiters === undefined) return 0;
    this.#events.delete(event);
    let woken = 0;
    for (const waiter of waiters) {
      if (waiter.fired(value)) woken++;
    }
    return woken;
  }

  /** @internal */
  addWaiter(event: string, waiter: EventWaiter): void {
    const list = this.#events.get(event);
    if (list === undefined) this.#events.set(event, [waiter]);
    else list.push(waiter);
  }

  /** @internal */
  removeWaiter(event: string, waiter: EventWaiter): void {
    const list = this.#events.get(event);
    if (list === undefined) return;
    const at = list.indexOf(waiter);
    if (at !== -1) list.splice(at, 1);
    if (list.length === 0) this.#events.delete(event);
  }

  /**
   * Closes `connection` when the hub halts. Connections a routine opens (`connect`,
   * clients) are tracked so that halting leaves no socket behind.
   */
  track(connection: Connection): void {
    if (this.#halting) {
      connection.destroy();
      return;
    }
    connection.trackIn(this.#connections);
  }

  /** @internal */
  exited(runner: Runner): void {
    this.#runners.delete(runner);
  }

  /**
   * Stops every routine: each generator's `finally` blocks run (innermost first, as a
   * thrown exception would unwind them) and its connection is closed.
   */
  halt(): void {
    this.#halting = true;
    for (const runner of [...this.#runners]) runner.kill();
    this.#events.clear();
    for (const handle of this.#restarts) this.clock.cancel(handle);
    this.#restarts.clear();
    // After the routines, so their finally blocks could still say goodbye on these.
    for (const connection of this.#connections) connection.destroy();
    this.#connections.clear();
  }

  /** Lets a halted hub be run again (an Application may be run more than once). */
  reset(): void {
    this.#halting = false;
  }
}

/** A routine made of one operation (a token, a write, …): it yields it and returns the result. */
export function* yieldOnce(operation: unknown): Routine {
  // Untyped on purpose: run() and on() take what the caller gives; the runner checks it.
  return yield operation as Yieldable;
}

/** True for errors that only mean "the peer went away" — not worth an error log line. */
export function isDisconnect(error: unknown): boolean {
  return error instanceof ConnectionClosed || (error instanceof DieselError && error.code === 'DIESEL_ERR_HALTED');
}
