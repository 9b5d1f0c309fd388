import cluster from 'node:cluster';
import type { Clock } from './clock.js';
import { UsageError } from './errors.js';
import { Hub, isRoutine, yieldOnce, type ErrorHandler, type Outcome, type Routine } from './hub.js';
import type { EventBus } from './event-bus.js';
import type { DieselLogger } from './logger.js';
import { Loop } from './loop.js';
import { Service } from './service.js';
import type { Token } from './tokens.js';
import { WorkerPool } from './worker-pool.js';
import { startWorker, workerId, workerSettings, type RunOptions, type WorkerSettings } from './workers.js';

/**
 * What `new Application(options)` takes; every field is optional.
 * @example
 * const app = new Application({
 *   logger: new ConsoleLogger('info'),
 *   onError: (error, where) => console.error(`${where.kind} ${where.name} failed`, error),
 * });
 */
export interface ApplicationOptions {
  /** Where core's messages go (default: warnings and worse to stderr). `@diesel/log`'s `Logger` fits. */
  logger?: DieselLogger;
  /** Time source for `sleep` (default: the system clock; tests use `FakeClock`). */
  clock?: Clock;
  /**
   * Called with every error a routine did not catch — a connection handler's, a loop's, a
   * datagram handler's — and where it came from (pyuv's `excepthook`). The default logs
   * it: a `DieselError` at warn in one line, anything else at error with its stack. A peer
   * leaving (`ConnectionClosed`) is not an error and does not come here.
   * @example
   * new Application({ onError: (error, where) => metrics.count(where.kind) });
   */
  onError?: ErrorHandler;
  /**
   * The event bus that carries `fire` to other processes (default: the in-process bus,
   * `localEvents()`: events stay here). It opens when the application runs, before the
   * services listen (`run()` fails if it cannot), and closes when it halts.
   * @example
   * new Application({ events: redisEvents({ url: 'redis://127.0.0.1:6379' }) });
   */
  events?: EventBus;
}

/**
 * What `addService` takes: a TCP `Service` or a UDP `DatagramService`.
 * @example
 * const listeners: Listener[] = [new Service(handleEcho, 8000), new DatagramService(udpEcho, { port: 8053 })];
 * for (const listener of listeners) app.addService(listener);
 */
export interface Listener {
  /** The bound address while listening, else null. */
  readonly address: object | null;
  /** @internal */
  listen(hub: Hub): Promise<void>;
  /** @internal */
  close(): Promise<void>;
}

/** A TCP `Service`, a `DatagramService`, or anything else with their listen/close shape. */
function isListener(value: unknown): value is Listener {
  const candidate = value as Partial<Listener> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.listen === 'function' && typeof candidate.close === 'function';
}

/**
 * One program's services and loops, run by one hub.
 * @example
 * const app = new Application();
 * app.addService(new Service(handleEcho, 8000));
 * app.addLoop(new Loop(tick));
 * await app.run(); // until app.halt()
 */
export class Application {
  readonly hub: Hub;
  readonly #loops: Loop[] = [];
  readonly #services: Listener[] = [];
  #running = false;
  #stopped: (() => void) | null = null;
  #halted: Promise<void> | null = null;
  /** In the primary of `run({ workers })`: its workers. */
  #pool: WorkerPool | null = null;

  constructor(options: ApplicationOptions = {}) {
    this.hub = new Hub(options);
  }

  get logger(): DieselLogger {
    return this.hub.logger;
  }

  /** True from `run()`/`start()` until halted — in the primary of `run({ workers })` too, while its workers run. */
  get running(): boolean {
    return this.#running || this.#pool !== null;
  }

  /**
   * This process's worker number, 1…n, when it is a worker of `run({ workers: n })` (a
   * restarted worker keeps its number), else null — in the primary, and in an application
   * that runs in one process. Known from the start of the script, before `run()`.
   * @example
   * yield `answered by worker ${app.worker ?? '-'} (pid ${process.pid})\r\n`;
   */
  get worker(): number | null {
    return workerId();
  }

  /** The TCP services added (UDP ones are not listed here). */
  get services(): readonly Service[] {
    return this.#services.filter((service): service is Service => service instanceof Service);
  }

  /** Adds a loop; it starts with `run()`, or at once if the app is running. */
  addLoop<A extends unknown[]>(typed: Loop<A>): this {
    if (!(typed instanceof Loop)) throw new UsageError('DIESEL_ERR_INVALID_ARGUMENT', 'addLoop() takes a Loop: app.addLoop(new Loop(fn, ...args))');
    // Loop<A> is not assignable to Loop<unknown[]> (fn's parameters are contravariant); the args travel with it.
    const loop = typed as unknown as Loop;
    this.#loops.push(loop);
    if (this.#running) this.hub.spawnLoop(loop);
    return this;
  }

  /** Adds a service (TCP or UDP); it listens with `run()`, or at once (errors logged) if the app is running. */
  addService(service: Listener): this {
    if (!isListener(service)) throw new UsageError('DIESEL_ERR_INVALID_ARGUMENT', 'addService() takes a Service or a DatagramService: app.addService(new Service(handler, port))');
    this.#services.push(service);
    if (this.#running) service.listen(this.hub).catch((error: unknown) => this.hub.logger.error(String(error)));
    return this;
  }

  /**
   * Listens on every service, starts every loop, and resolves when `halt()` is called.
   * Rejects (after closing whatever did start) if a service cannot listen, with the
   * address in the message. Call it once, or `start()` once: on an application that is
   * already running it rejects with `UsageError` `DIESEL_ERR_ALREADY_RUNNING`.
   *
   * With `{ workers: n }` (an integer ≥ 2, or `'auto'` for one per core) this process
   * becomes the primary of `n` worker processes (node:cluster). Each runs the same script,
   * so builds the same application, and runs it: their services share the listening ports
   * and the kernel spreads connections over them. The primary listens on nothing and runs
   * no routine; it restarts a worker that dies (after `restartDelay`, doubling while it
   * keeps dying quickly, at most `maxRestartDelay`), and on SIGINT/SIGTERM (or `halt()`)
   * halts every worker gracefully — each runs its own `halt()` — killing any still alive
   * after `gracePeriod`; then `run()` resolves. If a worker cannot start the first time
   * (a port in use), the others are halted and `run()` rejects with that worker's error.
   * Bad values are a `UsageError` `DIESEL_ERR_INVALID_ARGUMENT`.
   * @example
   * const app = new Application();
   * app.addService(new Service(handleEcho, 8000));
   * await app.run({ workers: 'auto' }); // the primary and every worker get here; each resolves once halted
   */
  async run(options: RunOptions = {}): Promise<void> {
    if (workerSettings(options) !== null) {
      await this.start(options);
      return this.halted();
    }
    if (this.#running || this.#pool !== null) throw alreadyRunning();
    this.hub.reset();
    this.#running = true;
    const worker = this.worker;
    this.hub.logger.info(worker === null ? 'Starting diesel application' : `Starting diesel application (worker ${worker}, pid ${process.pid})`);
    const stopped = new Promise<void>((resolve) => (this.#stopped = resolve));
    this.#halted = stopped;
    try {
      await this.hub.openEvents();
      for (const service of this.#services) await service.listen(this.hub);
    } catch (error) {
      await this.#shutdown();
      throw error;
    }
    if (this.#running) {
      for (const loop of this.#loops) this.hub.spawnLoop(loop);
    }
    await stopped;
  }

  /**
   * Listens and starts loops, resolving once everything is up — so `service.port` is the
   * bound port (the real one when 0 was asked for). `halt()` stops it, `halted()` waits
   * for that. Rejects like `run()`: a `ListenError`, or `DIESEL_ERR_ALREADY_RUNNING`.
   * @example
   * const service = new Service(handleEcho, 0);
   * const app = new Application().addService(service);
   * await app.haltOnSignals().start();
   * console.log(`listening on port ${service.port}`);
   * await app.halted(); // until Ctrl-C or SIGTERM
   *
   * With `{ workers }` (as for `run()`): in the primary it resolves once every worker
   * listens (rejecting if one cannot start), in a worker once that worker listens.
   * @example
   * await app.start({ workers: 2 });
   * if (app.worker !== null) console.log(`worker ${app.worker} listening on ${service.port}`);
   * await app.halted(); // in the primary: until every worker has halted
   */
  async start(options: RunOptions = {}): Promise<void> {
    const settings = workerSettings(options);
    if (settings !== null) return this.#startWorkers(settings);
    // Checked here too: run()'s own rejection would arrive after the wait below has seen a running app.
    if (this.#running || this.#pool !== null) throw alreadyRunning();
    let failed: unknown = null;
    const running = this.run().catch((error: unknown) => {
      failed = error;
    });
    // run() awaits each listen; wait until it is past them or has failed.
    while (failed === null && this.#running && !this.#servicesListening()) await new Promise((r) => setImmediate(r));
    if (failed !== null) {
      await running;
      throw failed;
    }
  }

  async #startWorkers(settings: WorkerSettings): Promise<void> {
    if (this.running) throw alreadyRunning();
    // A worker runs the application here, as without workers, and answers to the primary.
    if (this.worker !== null) return startWorker(this);
    if (cluster.isWorker) throw new UsageError('DIESEL_ERR_INVALID_ARGUMENT', 'run({ workers }) in a cluster worker that diesel did not fork: fork with run({ workers }) in the primary only, or call run() without workers here');
    const pool = new WorkerPool(this.hub.logger, settings);
    this.#pool = pool;
    this.#halted = pool.stopped.then(() => {
      if (this.#pool === pool) this.#pool = null;
    });
    this.hub.logger.info(`Starting diesel application: ${settings.workers} workers (primary pid ${process.pid})`);
    try {
      await pool.start();
    } catch (error) {
      await pool.stopped;
      this.#pool = null;
      throw error;
    }
  }

  #servicesListening(): boolean {
    return this.hub.eventsReady && this.#services.every((service) => service.address !== null);
  }

  /**
   * Halts the application on the first of `signals` (Ctrl-C, a service manager's stop),
   * instead of the process dying with routines mid-step. Returns the application. Not
   * needed with `run({ workers })`, whose primary and workers handle SIGINT and SIGTERM
   * themselves; there it is harmless.
   * @example
   * await app.haltOnSignals().run();
   */
  haltOnSignals(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): this {
    const stop = (): void => {
      for (const signal of signals) process.off(signal, stop);
      this.halt();
    };
    for (const signal of signals) process.once(signal, stop);
    return this;
  }

  /**
   * Resolves once the application has halted and closed everything (at once if it is
   * not running) — for code that used `start()` and now waits for the end.
   * @example
   * await app.start();
   * console.log(`listening on ${service.port}`);
   * await app.haltOnSignals().halted();
   */
  halted(): Promise<void> {
    return this.#halted ?? Promise.resolve();
  }

  /**
   * Stops the application: every routine's finally blocks run, every connection and
   * listener is closed, and `run()` resolves once that is done. In the primary of
   * `run({ workers })` it halts every worker (as SIGTERM to the primary does); in a worker,
   * that worker only — and the primary, which did not ask for it, starts it again.
   */
  halt(): void {
    if (this.#pool !== null) return this.#pool.halt('app.halt()');
    if (!this.#running) return;
    void this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    this.#running = false;
    this.hub.halt();
    await Promise.all(this.#services.map((service) => service.close()));
    const stopped = this.#stopped;
    this.#stopped = null;
    stopped?.();
  }
}

function alreadyRunning(): UsageError {
  return new UsageError(
    'DIESEL_ERR_ALREADY_RUNNING',
    'the application is already running (run() or start() was called before): use one of them once; to read the bound ports, `await app.start()` and then `service.port`, and `await app.halted()` to wait for the end',
  );
}

/**
 * Runs one routine (or a single token, such as a `@call`) outside any Application and
 * resolves with its result — the bridge from async code into diesel.
 * @example
 * const reply = await run(client.echo('hi'));
 */
export function run<T>(operation: Routine<T> | Token<T>, options: { hub?: Hub } = {}): Promise<T> {
  const hub = options.hub ?? defaultHub();
  const routine: Routine = isRoutine(operation) ? operation : yieldOnce(operation);
  return new Promise<T>((resolve, reject) => {
    hub.spawn(routine, {
      name: 'run',
      onExit: (outcome: Outcome) => (outcome.ok ? resolve(outcome.value as T) : reject(outcome.error)),
    });
  });
}

let shared: Hub | null = null;
function defaultHub(): Hub {
  return (shared ??= new Hub());
}


