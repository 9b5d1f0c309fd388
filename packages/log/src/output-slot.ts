/**
 * One output as a logger holds it: which format it wants, and the guard that keeps a
 * failing output from taking the application down. Internal; not exported from index.
 *
 * Failure policy:
 * - a `write` that throws, or returns a Promise that rejects, counts as one failed write;
 * - a stream that is destroyed or ended is not written to at all (writing would only make
 *   it emit 'error'); each line it misses counts as a failed write;
 * - a stream with more than `maxPendingBytes` buffered (a reader slower than the logger)
 *   is skipped until it drains; each line it misses counts as a dropped line, so a slow
 *   output never grows memory without bound;
 * - a stream's 'error' event is listened for, so an EPIPE or a closed file never becomes
 *   an uncaught exception;
 * - the first problem of each output is reported (once) through `report`; the other
 *   outputs keep getting every line.
 */
import type { EventEmitter } from 'node:events';
import { JsonLinesOutput, type LogOutput, type RecordOutput, type TextOutput } from './output.js';
import { InvalidOutput, OutputBehind, describeValue } from './errors.js';
import type { LogRecord } from './record.js';

export const TEXT = 0;
export const JSON_LINES = 1;
export const RECORD = 2;
export type SlotKind = typeof TEXT | typeof JSON_LINES | typeof RECORD;

/** Called on an output's first failure. */
export type OutputErrorReporter = (error: unknown, output: LogOutput, index: number) => void;

/** Counts shared by a logger and its sub-loggers. */
export interface FailureCounter {
  failedWrites: number;
  droppedLines: number;
}

interface StreamState {
  destroyed?: boolean;
  writableEnded?: boolean;
  writableLength?: number;
}

export class OutputSlot {
  readonly kind: SlotKind;
  readonly output: LogOutput;
  readonly #target: TextOutput | RecordOutput;
  readonly #index: number;
  readonly #counter: FailureCounter;
  readonly #report: OutputErrorReporter;
  #reported = false;
  #failures = 0;

  readonly #maxPending: number;
  /** Whether the 'error' listener is on: added at the first write, so that merely creating a logger (the global `log`, at import) changes nothing about `process.stdout`. */
  #watching = false;

  constructor(
    output: LogOutput,
    index: number,
    jsonByDefault: boolean,
    maxPending: number,
    counter: FailureCounter,
    report: OutputErrorReporter,
  ) {
    this.output = output;
    this.#maxPending = maxPending;
    this.#index = index;
    this.#counter = counter;
    this.#report = report;
    if (output instanceof JsonLinesOutput) {
      if (!hasMethod(output.target, 'write')) throw new InvalidOutput(`output ${index}: JsonLinesOutput's target (${describeValue(output.target)}) has no write(string) method`);
      this.kind = JSON_LINES;
      this.#target = output.target;
    } else if (hasMethod(output, 'writeRecord')) {
      this.kind = RECORD;
      this.#target = output;
    } else if (hasMethod(output, 'write')) {
      this.kind = jsonByDefault ? JSON_LINES : TEXT;
      this.#target = output;
    } else {
      throw new InvalidOutput(`output ${index} (${describeValue(output)}) has no write(string) or writeRecord(record) method`);
    }
  }

  /** Lines this output failed to take. */
  get failures(): number {
    return this.#failures;
  }

  /** Writes a formatted line (TEXT and JSON_LINES slots). Never throws. */
  writeLine(line: string): void {
    const target = this.#target as TextOutput & StreamState;
    if (!this.#watching) this.#watch();
    if (target.destroyed === true || target.writableEnded === true) {
      this.fail(new Error('output stream is closed'));
      return;
    }
    const pending = target.writableLength;
    if (pending !== undefined && pending > this.#maxPending) {
      this.#counter.droppedLines++;
      this.#tell(new OutputBehind(pending, this.#maxPending));
      return;
    }
    try {
      settle(target.write(line), this);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Hands a record over (RECORD slots). Never throws. */
  writeRecord(record: LogRecord): void {
    if (!this.#watching) this.#watch();
    try {
      settle((this.#target as RecordOutput).writeRecord(record), this);
    } catch (error) {
      this.fail(error);
    }
  }

  #watch(): void {
    this.#watching = true;
    watchErrors(this.#target, this);
  }

  fail(error: unknown): void {
    this.#failures++;
    this.#counter.failedWrites++;
    this.#tell(error);
  }

  #tell(error: unknown): void {
    if (this.#reported) return;
    this.#reported = true;
    try {
      this.#report(error, this.output, this.#index);
    } catch {
      // The reporter is the last resort; if it fails too there is nowhere left to tell.
    }
  }
}

function hasMethod<K extends string>(value: unknown, key: K): value is Record<K, (...args: never[]) => unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[key] === 'function';
}

function settle(result: unknown, slot: OutputSlot): void {
  if (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function') {
    (result as PromiseLike<unknown>).then(undefined, (error: unknown) => slot.fail(error));
  }
}

// One 'error' listener per emitter, however many loggers write to it (process.stdout is
// shared by every logger that uses the default output), so no MaxListeners warnings.
// Slots are held weakly: a logger that is dropped must not live on in stdout's listener.
const watched = new WeakMap<EventEmitter, Set<WeakRef<OutputSlot>>>();

function watchErrors(target: unknown, slot: OutputSlot): void {
  if (!hasMethod(target, 'on') || !hasMethod(target, 'emit')) return;
  const emitter = target as unknown as EventEmitter;
  let slots = watched.get(emitter);
  if (slots === undefined) {
    const set = new Set<WeakRef<OutputSlot>>();
    slots = set;
    watched.set(emitter, set);
    emitter.on('error', (error: unknown) => {
      for (const ref of set) {
        const each = ref.deref();
        if (each === undefined) set.delete(ref);
        else each.fail(error);
      }
    });
  }
  if (slots.size >= 64 && (slots.size & (slots.size - 1)) === 0) {
    for (const ref of slots) if (ref.deref() === undefined) slots.delete(ref);
  }
  slots.add(new WeakRef(slot));
}
