import { InvalidLevel } from './errors.js';

/**
 * 0: everything, including chatter meant for whoever is debugging.
 * @example
 * const logger = new Logger({ verbosity: LOGLVL_DEBUG });
 */
export const LOGLVL_DEBUG = 0;
/**
 * 1: normal operation worth a line: a service listening, a request served.
 * @example
 * const http = log.getSublogger('http', LOGLVL_INFO);
 */
export const LOGLVL_INFO = 1;
/**
 * 2: something odd that the program survived. The default verbosity.
 * @example
 * logger.log(LOGLVL_WARN, 'slow client');
 */
export const LOGLVL_WARN = 2;
/**
 * 3: something failed: a handler threw, a connection was lost mid-request.
 * @example
 * if (logger.isEnabled(LOGLVL_ERR)) logger.error(report());
 */
export const LOGLVL_ERR = 3;
/**
 * 4: the program may not be able to go on.
 * @example
 * logger.verbosity = LOGLVL_CRITICAL; // only the worst
 */
export const LOGLVL_CRITICAL = 4;

/**
 * A level number, from `LOGLVL_DEBUG` (0, least severe) to `LOGLVL_CRITICAL` (4).
 * @example
 * const level: LogLevel = LOGLVL_INFO;
 */
export type LogLevel = 0 | 1 | 2 | 3 | 4;

/**
 * A level's name as it appears in lines (`{info}`) and in JSON (`"level":"info"`).
 * @example
 * const name: LevelName = 'warn';
 */
export type LevelName = 'debug' | 'info' | 'warn' | 'error' | 'critical';

/**
 * The level names indexed by level number.
 * @example
 * LEVEL_NAMES[LOGLVL_ERR]; // 'error'
 */
export const LEVEL_NAMES: readonly LevelName[] = Object.freeze(['debug', 'info', 'warn', 'error', 'critical']);

/**
 * Turns a level number or name into the level number; throws `InvalidLevel` for
 * anything else.
 * @example
 * toLevel('info') === LOGLVL_INFO; // true
 * toLevel(LOGLVL_ERR) === 3;       // true
 */
export function toLevel(level: LogLevel | LevelName): LogLevel {
  if (typeof level === 'number') {
    if (Number.isInteger(level) && level >= LOGLVL_DEBUG && level <= LOGLVL_CRITICAL) return level;
  } else if (typeof level === 'string') {
    const index = LEVEL_NAMES.indexOf(level);
    if (index >= 0) return index as LogLevel;
  }
  throw new InvalidLevel(level);
}

/**
 * The name of a level (`'debug'` … `'critical'`).
 * @example
 * levelName(LOGLVL_WARN); // 'warn'
 */
export function levelName(level: LogLevel): LevelName {
  return LEVEL_NAMES[toLevel(level)]!;
}
