/**
 * The primary's side of `run({ workers })`: forks the workers, restarts one that dies
 * (after a delay that doubles while it keeps dying quickly), and on SIGINT/SIGTERM or
 * `halt()` halts them all and waits for them, killing any that outlives the grace period.
 * The primary listens on nothing and runs no routine: node:cluster hands each worker's
 * `listen()` to a handle shared by all of them (round-robin on Linux).
 */
import cluster, { type Worker } from 'node:cluster';
import { DieselError } from './errors.js';
import type { DieselLogger } from './logger.js';
import { HALT_SIGNALS, WORKER_ID_VARIABLE, isWorkerMessage, type WorkerSettings } from './workers.js';

/** One worker number (1…n) and the process that currently has it. */
interface Slot {
  readonly id: number;
  worker: Worker | null;
  /** When the current process said it listens (ms), or null: tells a quick death from a long life. */
  readyAt: number | null;
  /** Has any process of this slot listened? Until then a death means the app cannot start. */
  everReady: boolean;
  /** Consecutive quick deaths: the exponent of the restart delay. */
  quickDeaths: number;
  /** What the current process said when it could not start. */
  failure: { code: string; message: string } | null;
  restartTimer: NodeJS.Timeout | null;
  killTimer: NodeJS.Timeout | null;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** The workers of one `run({ workers })` in the primary. */
export class WorkerPool {
  readonly #logger: DieselLogger;
  readonly #settings: WorkerSettings;
  readonly #slots: Slot[];
  readonly #started = deferred();
  readonly #stopped = deferred();
  #starting = true;
  #halting = false;
  #startError: DieselError | null = null;
  readonly #onSignal = (signal: NodeJS.Signals): void => this.halt(signal);

  constructor(logger: DieselLogger, settings: WorkerSettings) {
    this.#logger = logger;
    this.#settings = settings;
    this.#slots = Array.from({ length: settings.workers }, (_, i) => ({
      id: i + 1,
      worker: null,
      readyAt: null,
      everReady: false,
      quickDeaths: 0,
      failure: null,
      restartTimer: null,
      killTimer: null,
    }));
    // start() rejecting is how a failed start is reported; stopped only ever resolves.
    this.#started.promise.catch(() => {});
  }

  /** Forks every worker; resolves once each listens, rejects (after halting the rest) if one cannot start. */
  start(): Promise<void> {
    // First in line, so the log names the signal even when haltOnSignals() also listens.
    for (const signal of HALT_SIGNALS) process.prependListener(signal, this.#onSignal);
    for (const slot of this.#slots) this.#fork(slot);
    return this.#started.promise;
  }

  /** Resolves once every worker has exited after a halt (or a failed start). */
  get stopped(): Promise<void> {
    return this.#stopped.promise;
  }

  /** Halts every worker gracefully (SIGTERM: their `halt()` runs), killing those still alive after the grace period. */
  halt(reason = 'halt()'): void {
    if (this.#halting) return;
    this.#halting = true;
    const live = this.#slots.filter((slot) => slot.worker !== null);
    this.#logger.info(`halting ${live.length} worker${live.length === 1 ? '' : 's'} (${reason})`);
    for (const slot of this.#slots) {
      if (slot.restartTimer !== null) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
    }
    for (const slot of live) {
      try {
        slot.worker!.process.kill('SIGTERM');
      } catch {
        // Already gone: its exit event is on the way.
      }
      this.#armKill(slot, slot.worker!);
    }
    this.#finishIfDone();
  }

  #fork(slot: Slot): void {
    const worker = cluster.fork({ [WORKER_ID_VARIABLE]: String(slot.id) });
    slot.worker = worker;
    slot.readyAt = null;
    slot.failure = null;
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.type === 'diesel:worker-failed') {
        slot.failure = { code: message.code, message: message.message };
        this.#logger.error(`worker ${slot.id} (pid ${worker.process.pid}) could not start: ${message.message}`);
        return;
      }
      slot.everReady = true;
      slot.readyAt = Date.now();
      this.#logger.info(`worker ${slot.id} (pid ${worker.process.pid}) listening${message.ports.length > 0 ? ` on port ${message.ports.join(', ')}` : ''}`);
      if (this.#starting && this.#slots.every((s) => s.everReady)) {
        this.#starting = false;
        this.#started.resolve();
      }
    });
    // A worker that halted on its own (a SIGTERM sent to it, app.halt() in it) closes its
    // IPC channel first; if something of the user's keeps it alive, it is killed like a
    // worker that does not halt.
    worker.on('disconnect', () => this.#armKill(slot, worker));
    worker.on('error', (error: Error) => this.#logger.warn(`worker ${slot.id} (pid ${worker.process.pid}): ${error.message}`));
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => this.#exited(slot, worker, code, signal));
  }

  #armKill(slot: Slot, worker: Worker): void {
    if (slot.killTimer !== null || slot.worker !== worker) return;
    const grace = this.#settings.gracePeriod;
    slot.killTimer = setTimeout(() => {
      slot.killTimer = null;
      if (slot.worker !== worker) return;
      this.#logger.warn(`worker ${slot.id} (pid ${worker.process.pid}) did not halt within ${grace} s; killing it`);
      worker.process.kill('SIGKILL');
    }, grace * 1000);
  }

  #exited(slot: Slot, worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    if (slot.killTimer !== null) clearTimeout(slot.killTimer);
    slot.killTimer = null;
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
    const who = `worker ${slot.id} (pid ${worker.process.pid})`;
    if (this.#halting) {
      if (code === 0) this.#logger.info(`${who} halted`);
      else this.#logger.warn(`${who} ${how} while halting`);
      this.#finishIfDone();
      return;
    }
    if (this.#starting && !slot.everReady) {
      // The same script fails the same way on every restart (a port in use, a bad
      // configuration): fail run() in the primary instead of restarting forever.
      const reason = slot.failure?.message ?? `it ${how} before it listened`;
      this.#startError ??= new DieselError(slot.failure?.code ?? 'DIESEL_ERR_WORKER_START', `worker ${slot.id} could not start: ${reason}`);
      this.halt(`worker ${slot.id} could not start`);
      return;
    }
    const { restartDelay, maxRestartDelay } = this.#settings;
    // Doubling, bounded: a worker that dies at once on every start is retried at most every
    // maxRestartDelay seconds, never in a tight loop; one that listened that long starts
    // afresh. Counted from listening, not forking, so a slow start on a loaded machine
    // does not pass for a long life.
    if (slot.readyAt !== null && Date.now() - slot.readyAt >= maxRestartDelay * 1000) slot.quickDeaths = 0;
    const delay = Math.min(restartDelay * 2 ** slot.quickDeaths, maxRestartDelay);
    slot.quickDeaths++;
    this.#logger.warn(`${who} ${how}; restarting it in ${delay} s`);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (!this.#halting) this.#fork(slot);
    }, delay * 1000);
  }

  #finishIfDone(): void {
    if (!this.#halting || this.#slots.some((slot) => slot.worker !== null)) return;
    for (const signal of HALT_SIGNALS) process.off(signal, this.#onSignal);
    this.#logger.info('every worker halted');
    if (this.#startError !== null) this.#started.reject(this.#startError);
    else this.#started.resolve();
    this.#stopped.resolve();
  }
}
