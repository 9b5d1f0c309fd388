/**
 * @diesel/log — diesel's logger: `log`, `Logger`, the `LOGLVL_*` levels, sub-loggers,
 * outputs (text lines, JSON lines, other loggers). Implements `@diesel/core`'s
 * `DieselLogger`, so `new Application({ logger })` routes core's messages through it.
 */
export { InvalidLevel, InvalidName, InvalidOutput, LogError, OutputBehind } from './errors.js';
export { formatJsonLine, formatTextLine, isoTimestamp, levelTag, textTimestamp } from './format.js';
export { log } from './global-log.js';
export {
  LEVEL_NAMES,
  LOGLVL_CRITICAL,
  LOGLVL_DEBUG,
  LOGLVL_ERR,
  LOGLVL_INFO,
  LOGLVL_WARN,
  levelName,
  toLevel,
  type LevelName,
  type LogLevel,
} from './levels.js';
export { DEFAULT_MAX_PENDING_BYTES, Logger, type LogMessage, type LoggerOptions } from './logger.js';
export { fromObjectLogger, toPino, type ObjectLogger, type ObjectLoggerOptions } from './object-logger.js';
export { JsonLinesOutput, type LogOutput, type RecordOutput, type TextOutput } from './output.js';
export type { LogRecord } from './record.js';
