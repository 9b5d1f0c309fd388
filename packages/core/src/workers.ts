/**
 * `app.run({ workers })`: the options, and what a worker process does. The primary's side
 * (forking, restarting, halting) is in worker-pool.ts.
 *
 * The protocol between the two is deliberately small. The primary halts a worker with
 * SIGTERM, not an IPC message: a message sent before the worker's script has reached
 * `run()` would be lost, while a signal either finds the worker's handler (a graceful
 * halt) or kills a worker that has not started anything yet. The worker tells the primary
 * only that it listens (`ready`) or that it could not start (`failed`).
 */
import cluster from 'node:cluster';
import os from 'node:os';
import { DieselError, UsageError, errorMessage } from './errors.js';

/**
 * What `run()` and `start()` take. Without `workers` the application runs in this process;
 * with it, this process becomes the primary of `workers` processes that each run the same
 * script and so build the same application (see `Application.run`).
 * @example
 * await app.run({ workers: 'auto', restartDelay: 1, gracePeriod: 10 });
 */
export interface RunOptions {
  /**
   * How many worker processes (an integer ≥ 2), or `'auto'` for
   * `os.availableParallelism()` (one worker per core; one worker on a one-core machine).
   * Absent: no workers, the application runs here.
   */
  workers?: number | 'auto';
  /** Seconds before a worker that died is started again, doubling after each quick death (default 1). */
  restartDelay?: number;
  /** The most the restart delay grows to (default 30 s); a worker that listened this long resets it. */
  maxRestartDelay?: number;
  /** Seconds a worker gets to halt (its `finally` blocks, closing connections) before it is killed (default 10). */
  gracePeriod?: number;
}

/** The option values a pool runs with, checked. */
export interface WorkerSettings {
  workers: number;
  restartDelay: number;
  maxRestartDelay: number;
  gracePeriod: number;
}

/** The variable that tells a forked process which worker it is (1…n, kept across restarts). */
export const WORKER_ID_VARIABLE = 'DIESEL_WORKER_ID';

/** The signals the primary turns into a graceful halt of every worker, and a worker into its own. */
export const HALT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** What a worker tells the primary. */
export type WorkerMessage =
  | { type: 'diesel:worker-ready'; ports: number[] }
  | { type: 'diesel:worker-failed'; code: string; message: string };

/** Is `value` one of the messages above (and not something the user's code sent)? */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'diesel:worker-ready' || type === 'diesel:worker-failed';
}

/** The checked settings of `options`, or null when it asks for no workers; throws `UsageError` on a bad value. */
export function workerSettings(options: RunOptions): WorkerSettings | null {
  const { workers, restartDelay = 1, maxRestartDelay = 30, gracePeriod = 10 } = options;
  if (workers === undefined) {
    for (const [name, value] of Object.entries({ restartDelay: options.restartDelay, maxRestartDelay: options.maxRestartDelay, gracePeriod: options.gracePeriod })) {
      if (value !== undefined) throw new UsageError('DIESEL_ERR_INVALID_ARGUMENT', `${name} only applies with workers: run({ workers: 4, ${name}: ${String(value)} })`);
    }
    return null;
  }
  let count: number;
  if (workers === 'auto') count = os.availableParallelism();
  else if (typeof workers === 'number' && Number.isInteger(workers) && workers >= 2) count = workers;
  else if (workers === 1) throw new UsageError('DIESEL_ERR_INVALID_ARGUMENT', 'workers: 1 would fork one process to do what this one can: call run() without workers, or ask for 2 or more (or "auto", one per core)');
  else throw new UsageError('DIESEL_ERR_INVALID_ARGUMENT', `workers must be an integer of 2 or more, or "auto" (one per core): got ${typeof workers === 'string' ? JSON.stringify(workers) : String(workers)}`);
  seconds('restartDelay', restartDelay);
  seconds('maxRestartDelay', maxRestartDelay);
  seconds('gracePeriod', gracePeriod);
  if (maxRestartDelay < restartDelay) throw new UsageError('DIESEL_ERR_INVALID_ARGUMENT', `maxRestartDelay (${maxRestartDelay} s) is below restartDelay (${restartDelay} s)`);
  return { workers: count, restartDelay, maxRestartDelay, gracePeriod };
}

function seconds(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UsageError('DIESEL_ERR_INVALID_ARGUMENT', `${name} is in seconds, a finite number ≥ 0: got ${String(value)}`);
  }
}

/** This process's worker number (1…n) when a diesel primary forked it, else null. */
export function workerId(): number | null {
  if (!cluster.isWorker) return null;
  const id = Number(process.env[WORKER_ID_VARIABLE]);
  return Number.isInteger(id) && id > 0 ? id : null;
}

/** What the worker side needs of an Application (kept small so this module does not import it). */
export interface WorkerApplication {
  start(): Promise<void>;
  halted(): Promise<void>;
  halt(): void;
  readonly services: readonly { readonly port: number }[];
}

/**
 * The worker side of `run({ workers })`: starts `app` here, reports to the primary, and
 * halts on SIGINT/SIGTERM. Resolves once the app listens; rejects like `start()`.
 */
export async function startWorker(app: WorkerApplication): Promise<void> {
  // Installed before anything starts and kept until the app has halted: a Ctrl-C reaches
  // the worker and the primary's SIGTERM follows it, and that second signal must not kill
  // a worker whose finally blocks are still running.
  const halt = (): void => app.halt();
  for (const signal of HALT_SIGNALS) process.on(signal, halt);
  const release = (): void => {
    for (const signal of HALT_SIGNALS) process.off(signal, halt);
    // The IPC channel would keep this process alive; without it, the process ends once the
    // user's code after run() is done (or the primary kills it after its grace period).
    if (cluster.worker?.isConnected() === true) cluster.worker.disconnect();
  };
  try {
    await app.start();
  } catch (error) {
    const code = error instanceof DieselError ? error.code : 'DIESEL_ERR_WORKER_START';
    tell({ type: 'diesel:worker-failed', code, message: errorMessage(error) });
    release();
    throw error;
  }
  tell({ type: 'diesel:worker-ready', ports: app.services.map((service) => service.port) });
  void app.halted().then(release);
}

function tell(message: WorkerMessage): void {
  try {
    process.send?.(message);
  } catch {
    // The primary is gone: nobody to tell, and this worker will be halted or orphaned anyway.
  }
}
