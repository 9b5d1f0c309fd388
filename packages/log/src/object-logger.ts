/**
 * Routing into a logger the application already has (pino, bunyan, console, a custom
 * one): an output that calls that logger's level methods instead of writing lines.
 */
import { InvalidOutput, describeValue } from './errors.js';
import { LEVEL_NAMES, type LevelName } from './levels.js';
import type { RecordOutput } from './output.js';
import type { LogRecord } from './record.js';

/**
 * A logger with level methods taking pino-style arguments: `info(object, message)` or
 * `info(message)`. pino, bunyan and `console` all fit.
 * @example
 * const target: ObjectLogger = pino();
 */
export type ObjectLogger = object;

/**
 * Options for `fromObjectLogger` / `toPino`.
 * @example
 * fromObjectLogger(custom, { style: 'object', methods: { critical: 'alert' } });
 */
export interface ObjectLoggerOptions {
  /**
   * Which method of the target takes each diesel level. Default: the first the target
   * has of debug → `debug`, `trace`, `info`, `log`; info → `info`, `log`;
   * warn → `warn`, `warning`, `error`, `log`; error → `error`, `log`;
   * critical → `critical`, `fatal`, `error`, `log` (so pino's `fatal`).
   */
  methods?: Partial<Record<LevelName, string>>;
  /**
   * How a call looks. `'merge'` (default, pino and bunyan): `info({ name: 'http' }, msg)`
   * for a sub-logger's line, `info(msg)` for a root logger's. `'object'`: one pino-style
   * object, `info({ level: 'info', time, name, msg })`.
   */
  style?: 'merge' | 'object';
  /** The key the sub-logger name goes under (default `'name'`; use another if the target sets its own `name`). */
  nameKey?: string;
}

const CANDIDATES: Record<LevelName, readonly string[]> = {
  debug: ['debug', 'trace', 'info', 'log'],
  info: ['info', 'log'],
  warn: ['warn', 'warning', 'error', 'log'],
  error: ['error', 'log'],
  critical: ['critical', 'fatal', 'error', 'log'],
};

/**
 * An output that hands each line to another logger's level method, pino style. The
 * level check has already happened in the diesel logger; the target applies its own
 * level on top. A target that throws is handled like any failing output.
 * @example
 * const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: fromObjectLogger(console) });
 * logger.getSublogger('http').info('GET /'); // console.info({ name: 'http' }, 'GET /')
 */
export function fromObjectLogger(target: ObjectLogger, options: ObjectLoggerOptions = {}): RecordOutput {
  const methods = LEVEL_NAMES.map((level) => resolveMethod(target, level, options.methods?.[level]));
  const nameKey = options.nameKey ?? 'name';
  const call = (level: number, ...args: unknown[]): unknown =>
    (target as Record<string, (...args: unknown[]) => unknown>)[methods[level]!]!(...args);
  if (options.style === 'object') {
    return {
      writeRecord(record: LogRecord): unknown {
        const object: Record<string, unknown> = { level: LEVEL_NAMES[record.level], time: record.time };
        if (record.name !== null) object[nameKey] = record.name;
        object.msg = record.message;
        return call(record.level, object);
      },
    };
  }
  return {
    writeRecord(record: LogRecord): unknown {
      return record.name === null ? call(record.level, record.message) : call(record.level, { [nameKey]: record.name }, record.message);
    },
  };
}

/**
 * `fromObjectLogger` for a pino logger: critical lines go to `fatal`, a sub-logger's
 * name to the `name` key (`{"level":30,"name":"http","msg":"GET /"}`). This package does
 * not import pino; pass your own instance.
 * @example
 * import pino from 'pino';
 * const logger = new Logger({ verbosity: LOGLVL_DEBUG, outputs: toPino(pino({ level: 'debug' })) });
 */
export function toPino(pinoLogger: ObjectLogger, options: Omit<ObjectLoggerOptions, 'style'> = {}): RecordOutput {
  return fromObjectLogger(pinoLogger, { ...options, methods: { critical: 'fatal', ...options.methods }, style: 'merge' });
}

function resolveMethod(target: ObjectLogger, level: LevelName, wanted: string | undefined): string {
  const candidates = wanted === undefined ? CANDIDATES[level] : [wanted];
  for (const name of candidates) {
    if (typeof (target as Record<string, unknown>)[name] === 'function') return name;
  }
  throw new InvalidOutput(`fromObjectLogger: the target (${describeValue(target)}) has none of ${candidates.map((c) => `${c}()`).join(', ')} for ${level} lines`);
}
