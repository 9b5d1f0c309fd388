import { type Clock, systemClock } from './clock.js';
import type { Connection } from './connection.js';
import { ConnectionClosed, DieselError, Halted } from './errors.js';
import { type EventBus, eventJson, isLocalBus } from './event-bus.js';
import { haltGoodbye } from './extensions.js';
import { ConsoleLogger, type DieselLogger } from './logger.js';
import type { Loop } from './loop.js';
import { Runner, describe, type Routine, type SpawnOptions } from './runner.js';
import type { EventWaiter } from './tokens/wait-fire.js';
import type { Yieldable } from './yieldable.js';

export { Runner, describe, isRoutine, type Outcome, type Routine, type SpawnOptions } from './runner.js';
export { CustomToken, type TokenContext } from './tokens/token.js';
export { CallToken, type CallTarget } from './tokens/call.js';

/**
 * Where an uncaught routine error came from, as `Application({ onError })` sees it.
 * @example
 * new Application({
 *   onError(error, where: ErrorSite) {
 *     const peer = where.remote === undefined ? '' : ` for ${where.remote.host}:${where.remote.port}`;
 *     console.error(`${where.kind} ${where.name}${peer}:`, error);
 *   },
 * });
 */
export interface ErrorSite {
  /** A connection handler's routine, a `Loop`, or a `DatagramService` handler. */
  readonly kind: 'handler' | 'loop' | 'datagram';
  /** The service's or loop's name, as in log lines. */
  readonly name: string;
  /** The peer, for a connection handler. */
  readonly remote?: { readonly host: string; readonly port: number };
}

/**
 * Receives every routine error no routine caught (pyuv's `excepthook`): the `onError`
 * option. It must not throw (a throw is logged, never rethrown).
 * @example
 * const onError: ErrorHandler = (error, where) => console.error(`${where.kind} ${where.name}:`, error);
 * const app = new Application({ onError });
 */
export type ErrorHandler = (error: unknown, where: ErrorSite) => void;

/**
 * What `new Hub(options)` takes (an `Application` hands its own options on); all optional.
 * @example
 * const hub = new Hub({ clock: new FakeClock(), logger: new MemoryLogger() });
 */
export interface HubOptions {
  /** Time source for `sleep`, timeouts and loop restarts (default: `systemClock`). */
  clock?: Clock;
  /** Where the hub's messages go (default: a `ConsoleLogger`, warnings and worse to stderr). */
  logger?: DieselLogger;
  /** Called for every uncaught routine error (default: log it). */
  onError?: ErrorHandler;
  /** Carries `fire` to other processes (default: none, events stay in this process). */
  events?: EventBus;
}

/**
 * Told of every `fire` of one event in this process, local or delivered by the bus.
 * @example
 * const onChat: EventListener = (value) => console.log('chat:', value);
 * const stop = hub.listen('chat', onChat); // stop() when done
 */
export type EventListener = (value: unknown) => void;

/**
 * The hub runs routines cooperatively: it resumes one when what it waits for is ready
 * (bytes in the buffer, a timer, an event, a promise), and keeps the event registry
 * that `wait`/`fire` use. One hub per Application (`app.hub`); tests may make their own.
 * @example
 * const app = new Application();
 * const stop = app.hub.onHalt(() => watcher.close()); // not a connection, closed on halt all the same
 */
export class Hub {
  readonly clock: Clock;
  logger: DieselLogger;
  readonly #events = new Map<string, EventWaiter[]>();
  readonly #runners = new Set<Runner>();
  readonly #connections = new Set<Connection>();
  readonly #restarts = new Set<unknown>();
  readonly #closers = new Set<() => void>();
  readonly #onError: ErrorHandler | undefined;
  readonly #listeners = new Map<string, Set<EventListener>>();
  /** Null for the in-process default: `publish` is then exactly `fire`. */
  readonly #bus: EventBus | null;
  #busOpen = false;
  #halting = false;

  constructor(options: HubOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? new ConsoleLogger();
    this.#onError = options.onError;
    this.#bus = isLocalBus(options.events) ? null : options.events!;
  }

  /** True when an event bus carries `fire` to other processes (values must then be JSON). */
  get spansProcesses(): boolean {
    return this.#bus !== null;
  }

  /**
   * Hands an uncaught routine error to the `onError` handler, or logs it: a `DieselError`
   * is a peer's fault reported clearly (one line at warn, no stack), anything else a bug
   * (error, with the stack). A handler that throws is logged, never rethrown: it runs
   * from the hub's own callbacks, where a throw would take the process down.
   */
  reportError(error: unknown, where: ErrorSite): void {
    if (this.#onError !== undefined) {
      try {
        this.#onError(error, where);
      } catch (failure) {
        this.logger.error(`onError failed: ${describe(failure)} (handling: ${describe(error)})`);
      }
      return;
    }
    const peer = where.remote === undefined ? '' : `${where.remote.host}:${where.remote.port}`;
    if (where.kind === 'loop') this.logger.error(`loop ${where.name} failed: ${describe(error)}`);
    else if (error instanceof DieselError && peer !== '') this.logger.warn(`${where.name}: ${peer}: ${error.code}: ${error.message}`);
    else if (peer !== '') this.logger.error(`${where.name}: handler for ${peer} failed: ${describe(error)}`);
    else this.logger.error(`${where.name}: handler failed: ${describe(error)}`);
  }

  /**
   * Runs `close` when the hub halts (a UDP socket, a signal listener): for resources that
   * are not connections. Returns a function that unregisters it (call it once closed).
   */
  onHalt(close: () => void): () => void {
    if (this.#halting) {
      close();
      return () => {};
    }
    this.#closers.add(close);
    return () => {
      this.#closers.delete(close);
    };
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
          if (!outcome.ok && !outcome.halted) this.reportError(outcome.error, { kind: 'loop', name: loop.name });
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

  /**
   * What the `fire` token does: with an event bus, checks that `value` is JSON (else
   * throws `EventNotJson`, before anything is woken) and hands it to the bus for the
   * other processes; then wakes this process's waiters at once. Returns how many
   * routines of this process it woke (remote ones are not counted: they are not known
   * here).
   */
  publish(event: string, value: unknown): number {
    const bus = this.#bus;
    if (bus !== null) {
      // Checked even before the bus opens, so a bad value fails the same way every time.
      const json = eventJson(event, value);
      if (this.#busOpen) bus.publish(event, json);
    }
    return this.fire(event, value);
  }

  /**
   * Wakes every routine of this process waiting on `event` and tells its listeners;
   * returns how many routines woke. Never leaves the process: core's own wake-ups use it.
   */
  fire(event: string, value: unknown): number {
    if (this.#listeners.size !== 0) this.#tell(event, value);
    const waiters = this.#events.get(event);
    if (waiters === undefined) return 0;
    this.#events.delete(event);
    let woken = 0;
    for (const waiter of waiters) {
      if (waiter.fired(value)) woken++;
    }
    return woken;
  }

  #tell(event: string, value: unknown): void {
    const listeners = this.#listeners.get(event);
    if (listeners === undefined) return;
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.logger.error(`listener of event ${JSON.stringify(event)} failed: ${describe(error)}`);
      }
    }
  }

  /**
   * Calls `listener` synchronously for every fire of `event` in this process — local or
   * delivered from another process by the event bus — until the returned function is
   * called. Unlike `wait`, a listener misses nothing between two fires: for relays that
   * must see every event (a chat room's lines). A listener that throws is logged.
   * @example
   * const stop = hub.listen('chat', (value) => log.push(value));
   */
  listen(event: string, listener: EventListener): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.#listeners.get(event);
      if (current === undefined) return;
      current.delete(listener);
      if (current.size === 0) this.#listeners.delete(event);
    };
  }

  /** @internal False while an event bus is configured and not (yet) open: `start()` waits for it. */
  get eventsReady(): boolean {
    return this.#bus === null || this.#busOpen;
  }

  /** @internal Opens the event bus (Application.run does, before services listen). */
  async openEvents(): Promise<void> {
    const bus = this.#bus;
    if (bus === null || this.#busOpen) return;
    await bus.open({ hub: this, deliver: (event, value) => this.fire(event, value) });
    this.#busOpen = true;
  }

  #closeEvents(): void {
    if (this.#bus === null || !this.#busOpen) return;
    this.#busOpen = false;
    try {
      this.#bus.close();
    } catch (error) {
      this.logger.error(`error closing the event bus: ${describe(error)}`);
    }
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
    // After the routines, whose finally blocks may still publish, and before the
    // connections, so that a bus can write what it holds on its own.
    this.#closeEvents();
    // After the routines, so their finally blocks could still say goodbye on these; a
    // layer's own goodbye (TLS close_notify) comes last, while the stream is still open.
    for (const connection of this.#connections) {
      const goodbye = connection.closed ? undefined : haltGoodbye(connection.stream);
      if (goodbye !== undefined) {
        try {
          goodbye(connection);
        } catch (error) {
          this.logger.error(`error saying goodbye on a connection on halt: ${describe(error)}`);
        }
      }
      connection.destroy();
    }
    this.#connections.clear();
    for (const close of [...this.#closers]) {
      try {
        close();
      } catch (error) {
        this.logger.error(`error closing a resource on halt: ${describe(error)}`);
      }
    }
    this.#closers.clear();
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

/**
 * True for errors that only mean "the peer went away" (`ConnectionClosed`, or the
 * application halting) — not worth an error log line.
 * @example
 * try {
 *   yield* relay(upstream);
 * } catch (error) {
 *   if (!isDisconnect(error)) throw error; // a real failure; a client leaving is not one
 * }
 */
export function isDisconnect(error: unknown): boolean {
  return error instanceof ConnectionClosed || (error instanceof DieselError && error.code === 'DIESEL_ERR_HALTED');
}
