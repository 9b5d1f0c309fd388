import type { LogLevel } from './levels.js';

/**
 * One log call, as record outputs (`writeRecord`) receive it. Text and JSON-lines
 * outputs get it already formatted by `formatTextLine` / `formatJsonLine`.
 * @example
 * const output = { writeRecord(record: LogRecord) { seen.push(record.message); } };
 */
export interface LogRecord {
  /** Milliseconds since the epoch (the logger's `now()`). */
  readonly time: number;
  readonly level: LogLevel;
  /** The sub-logger's name (`'http'`), or null for a root logger. */
  readonly name: string | null;
  /** The message, already a string (lazy messages are evaluated before outputs see them). */
  readonly message: string;
}
