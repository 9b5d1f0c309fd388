import type { DieselLogger } from '@diesel/core';
import { InvalidName, LogError } from './errors.js';
import { isoTimestamp, jsonString, jsonTag, levelTag, textTimestamp } from './format.js';
import {
  LEVEL_NAMES,
  LOGLVL_CRITICAL,
  LOGLVL_DEBUG,
  LOGLVL_ERR,
  LOGLVL_INFO,
  LOGLVL_WARN,
  toLevel,
  type LevelName,
  type LogLevel,
} from './levels.js';
import type { LogOutput } from './output.js';
import { JSON_LINES, OutputSlot, RECORD, TEXT, type FailureCounter } from './output-slot.js';
import type { LogRecord } from './record.js';

/**
 * A message, or a function that makes it. The function runs only if the level is
 * enabled, so `log.debug(() => dump(state))` costs a call to an empty function when debug is off.
 * @example
 * log.debug(() => `state: ${JSON.stringify(state)}`);
 */
export type LogMessage = string | (() => string);

/**
 * Options for `new Logger()`; every one has a default.
 * @example
 * const options: LoggerOptions = { verbosity: LOGLVL_INFO, outputs: [process.stdout, file] };
 */
export interface LoggerOptions {
  /** The least severe level that is written (default `LOGLVL_WARN`: warnings and worse). */
  verbosity?: LogLevel | LevelName;
  /** One output or a list (default `process.stdout`). An empty list logs nowhere. */
  outputs?: LogOutput | readonly LogOutput[];
  /** Write JSON lines instead of diesel lines to plain `write(string)` outputs (default false). */
  jsonLines?: boolean;
  /** A name for this logger's own lines: `{name:info}` (default none: `{info}`). */
  name?: string;
  /** The time of a line, in epoch milliseconds (default `Date.now`; tests pin it). */
  now?: () => number;
  /**
   * Bytes a stream output may have waiting (its `writableLength`) before the logger
   * drops lines for it (default 8 MiB, `DEFAULT_MAX_PENDING_BYTES`). Logging never waits
   * for a slow output; this bounds the memory it can take instead.
   */
  maxPendingBytes?: number;
  /**
   * Called once per output, on its first problem (a failed write, or falling more than
   * `maxPendingBytes` behind) (default: one line on stderr).
   * Later failures of that output are only counted (`logger.failedWrites`).
   */
  onOutputError?: (error: unknown, output: LogOutput, index: number) => void;
}

/**
 * The default `maxPendingBytes`: 8 MiB waiting in one stream output.
 * @example
 * new Logger({ outputs: socket, maxPendingBytes: DEFAULT_MAX_PENDING_BYTES / 8 });
 */
export const DEFAULT_MAX_PENDING_BYTES = 8 * 1024 * 1024;

/** What a logger shares with its sub-loggers: outputs, clock, failure count. */
interface Family extends FailureCounter {
  readonly slots: readonly OutputSlot[];
  readonly now: () => number;
  /** True while a line is being written: guards against an output logging to its own logger. */
  busy: boolean;
}

/** What a disabled level method is. */
function noop(_message: LogMessage): void {}

/** Set by `getSublogger` around its `new Logger()`, so the constructor keeps a one-argument public signature. */
let inheriting: Family | null = null;

/**
 * diesel's logger: lines like `[Sun Sep 20 19:55:22 2009] {http:info} GET /` to one or
 * more outputs, filtered by a verbosity. It implements core's `DieselLogger`, so
 * `new Application({ logger })` sends core's own messages (services listening, handler
 * failures) through it. Logging never throws and never suspends: a call formats the line
 * and hands it to each output's `write` synchronously, and a failing output is caught,
 * reported once, and skipped (the others keep working).
 * @example
 * const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: [process.stdout, fs.createWriteStream('app.log')] });
 * const app = new Application({ logger });
 * logger.info('starting');                        // [Sun Sep 20 19:55:22 2009] {info} starting
 * const http = logger.getSublogger('http', LOGLVL_DEBUG);
 * http.debug('GET / Host=localhost:8088');        // [...] {http:debug} GET / Host=localhost:8088
 */
export class Logger implements DieselLogger {
  // The five level methods are per-instance properties, swapped between a writer and a
  // shared no-op whenever the verbosity changes: a call at a disabled level is a call to
  // an empty function, with no field read or comparison (pino does the same).

  /**
   * Writes at `LOGLVL_DEBUG`. Does not suspend, never throws.
   * @example
   * log.debug(() => `buffer: ${buffer.toString('hex')}`); // the function runs only if debug is on
   */
  readonly debug: (message: LogMessage) => void = noop;

  /**
   * Writes at `LOGLVL_INFO`. Does not suspend, never throws.
   * @example
   * log.info(`listening on ${service.port}`);
   */
  readonly info: (message: LogMessage) => void = noop;

  /**
   * Writes at `LOGLVL_WARN`. Does not suspend, never throws.
   * @example
   * log.warn('client sent an oversized header; closing');
   */
  readonly warn: (message: LogMessage) => void = noop;

  /**
   * Writes at `LOGLVL_ERR`. Does not suspend, never throws.
   * @example
   * log.error(`upstream ${host}:${port} refused the connection`);
   */
  readonly error: (message: LogMessage) => void = noop;

  /**
   * Writes at `LOGLVL_CRITICAL`. Does not suspend, never throws.
   * @example
   * log.critical('CRAP!!!'); // [Sun Sep 20 19:55:22 2009] {critical} CRAP!!!
   */
  readonly critical: (message: LogMessage) => void = noop;

  #verbosity: LogLevel;
  readonly #name: string | null;
  readonly #family: Family;
  /** `{http:debug}` … `{http:critical}`, made once so a line costs one template. */
  readonly #tags: readonly string[];
  /** `","level":"debug","name":"http","msg":` …, the same for JSON lines. */
  readonly #jsonTags: readonly string[];
  /** Whether any output wants text lines / JSON lines / records: formats only what is needed. */
  readonly #wants: readonly [boolean, boolean, boolean];
  /** The enabled versions of debug … critical. */
  readonly #writers: readonly ((message: LogMessage) => void)[];

  constructor(options: LoggerOptions = {}) {
    let family = inheriting;
    inheriting = null;
    this.#verbosity = toLevel(options.verbosity ?? LOGLVL_WARN);
    this.#name = options.name === undefined ? null : checkName(options.name);
    if (family === null) {
      const outputs = options.outputs ?? process.stdout;
      const list = (Array.isArray(outputs) ? outputs : [outputs]) as readonly LogOutput[];
      const report = options.onOutputError ?? reportOnStderr;
      const slots: OutputSlot[] = [];
      const maxPending = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
      if (!(maxPending >= 0)) throw new LogError('DIESEL_ERR_LOG_INVALID_OPTION', `Logger: maxPendingBytes must be a number >= 0, got ${String(maxPending)}`);
      family = { slots, now: options.now ?? Date.now, failedWrites: 0, droppedLines: 0, busy: false };
      for (const [index, output] of list.entries()) {
        slots.push(new OutputSlot(output, index, options.jsonLines === true, maxPending, family, report));
      }
    }
    this.#family = family;
    this.#tags = LEVEL_NAMES.map((_, level) => levelTag(level as LogLevel, this.#name));
    this.#jsonTags = LEVEL_NAMES.map((_, level) => jsonTag(level as LogLevel, this.#name));
    // The writers check again, so a method taken off the logger (`const { info } = log`)
    // falls silent if the verbosity is later raised above its level.
    this.#writers = LEVEL_NAMES.map((_, level) => (message: LogMessage) => {
      if (level >= this.#verbosity) this.#emit(level as LogLevel, message);
    });
    this.#arm();
    this.#wants = [TEXT, JSON_LINES, RECORD].map((kind) => family.slots.some((slot) => slot.kind === kind)) as [boolean, boolean, boolean];
  }

  /** The least severe level written. Settable at run time: `log.verbosity = LOGLVL_DEBUG`. */
  get verbosity(): LogLevel {
    return this.#verbosity;
  }

  set verbosity(level: LogLevel | LevelName) {
    this.#verbosity = toLevel(level);
    this.#arm();
  }

  /** Points each level method at its writer or at the no-op, for the current verbosity. */
  #arm(): void {
    const self = this as { -readonly [K in LevelName]: (message: LogMessage) => void };
    const verbosity = this.#verbosity;
    const writers = this.#writers;
    self.debug = verbosity <= LOGLVL_DEBUG ? writers[LOGLVL_DEBUG]! : noop;
    self.info = verbosity <= LOGLVL_INFO ? writers[LOGLVL_INFO]! : noop;
    self.warn = verbosity <= LOGLVL_WARN ? writers[LOGLVL_WARN]! : noop;
    self.error = verbosity <= LOGLVL_ERR ? writers[LOGLVL_ERR]! : noop;
    self.critical = verbosity <= LOGLVL_CRITICAL ? writers[LOGLVL_CRITICAL]! : noop;
  }

  /** The sub-logger name (`'http'`, `'http.client'`), or null for a root logger. */
  get name(): string | null {
    return this.#name;
  }

  /**
   * Lines that an output failed to take, over this logger, its parent and its
   * sub-loggers (they share outputs).
   */
  get failedWrites(): number {
    return this.#family.failedWrites;
  }

  /**
   * Lines not handed to a stream output because it had more than `maxPendingBytes`
   * waiting, plus lines logged re-entrantly (from inside an output, a reporter or a lazy
   * message of the same logger family), over this logger's family.
   */
  get droppedLines(): number {
    return this.#family.droppedLines;
  }

  /**
   * True if a line at `level` would be written: guard expensive work that a lazy
   * message cannot cover.
   * @example
   * if (log.isEnabled(LOGLVL_DEBUG)) for (const c of connections) log.debug(describe(c));
   */
  isEnabled(level: LogLevel): boolean {
    return level >= this.#verbosity;
  }

  /**
   * A logger for one part of an application: same outputs, its own verbosity (default:
   * this logger's current one), and lines tagged `{name:level}`. A sub-logger's own
   * sub-loggers are named `parent.child`. Changing a sub-logger's verbosity leaves its
   * parent alone, so one part can be made verbose by itself.
   * @example
   * const http = log.getSublogger('http', LOGLVL_INFO);
   * http.info('GET / Host=localhost:8088'); // [Sun Sep 20 19:55:22 2009] {http:info} GET / Host=localhost:8088
   * log.info('not shown');                  // the global log still writes warnings and worse only
   */
  getSublogger(name: string, verbosity: LogLevel | LevelName = this.#verbosity): Logger {
    checkName(name);
    const full = this.#name === null ? name : `${this.#name}.${name}`;
    inheriting = this.#family;
    try {
      return new Logger({ verbosity, name: full });
    } finally {
      // Reset even if the constructor threw (a bad verbosity), so the next `new Logger()` starts a family of its own.
      inheriting = null;
    }
  }

  /**
   * Writes `message` at `level` if `level >= verbosity`. Does not suspend; throws only
   * `InvalidLevel` for a level that is not one of the `LOGLVL_*` numbers (a programming
   * error, caught at the first call whatever the verbosity).
   * @example
   * logger.log(LOGLVL_WARN, 'disk almost full');
   */
  log(level: LogLevel, message: LogMessage): void {
    const checked = toLevel(level);
    if (checked >= this.#verbosity) this.#emit(checked, message);
  }

  #emit(level: LogLevel, message: LogMessage): void {
    const family = this.#family;
    if (family.busy) {
      // Logged from inside an output, a reporter or a lazy message of this same family:
      // writing it would recurse (an output that logs to its own logger never returns).
      family.droppedLines++;
      return;
    }
    family.busy = true;
    try {
      const text = typeof message === 'string' ? message : evaluate(message);
      const time = family.now();
      const wants = this.#wants;
      // Each format is made at most once per call, and only if some output wants it.
      const textLine = wants[TEXT] ? `[${textTimestamp(time)}] ${this.#tags[level]!} ${text}\n` : '';
      // Same bytes as formatJsonLine(record), with the level/name part made once per logger.
      const jsonLine = wants[JSON_LINES] ? `{"time":"${isoTimestamp(time)}${this.#jsonTags[level]!}${jsonString(text)}}\n` : '';
      const record: LogRecord | null = wants[RECORD] ? { time, level, name: this.#name, message: text } : null;
      for (const slot of family.slots) {
        if (slot.kind === TEXT) slot.writeLine(textLine);
        else if (slot.kind === JSON_LINES) slot.writeLine(jsonLine);
        else slot.writeRecord(record!);
      }
    } finally {
      family.busy = false;
    }
  }
}

function evaluate(message: unknown): string {
  if (typeof message === 'function') {
    try {
      return String(message());
    } catch (error) {
      return `(the message function threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})`;
    }
  }
  return String(message);
}

function checkName(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || /[{}:\r\n]/.test(name)) throw new InvalidName(name);
  return name;
}

/** The default `onOutputError`: one diesel line on stderr. */
function reportOnStderr(error: unknown, output: LogOutput, index: number): void {
  const what = typeof output === 'object' && output !== null ? (output.constructor?.name ?? 'object') : typeof output;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  try {
    process.stderr.write(
      `[${textTimestamp(Date.now())}] {log:error} output ${index} (${what}) failed: ${reason}; ` +
        'its later problems are counted (logger.failedWrites, logger.droppedLines), not reported\n',
    );
  } catch {
    // stderr itself is gone: nothing more to do.
  }
}
