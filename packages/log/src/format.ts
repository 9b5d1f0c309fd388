/**
 * Pure formatters: a record in, one line out (with its `\n`). No I/O, so tests and the
 * benchmark build lines without a stream. Timestamps are cached per second (text) and
 * per millisecond (JSON): a busy logger formats the date once, not once per line.
 */
import { dieselTimestamp } from '@diesel/core';
import { LEVEL_NAMES, type LogLevel } from './levels.js';
import type { LogRecord } from './record.js';

let textSecond = Number.NaN;
let textStamp = '';

/**
 * `Sun Sep 20 19:55:22 2009` for a time in epoch milliseconds, in local time (core's
 * `dieselTimestamp`), remembered for the rest of that second.
 * @example
 * textTimestamp(Date.UTC(2009, 8, 20, 19, 55, 22)); // 'Sun Sep 20 19:55:22 2009' with TZ=UTC
 */
export function textTimestamp(time: number): string {
  const second = Math.floor(time / 1000);
  if (second !== textSecond) {
    // Offsets from UTC are whole seconds, so a cache keyed on the epoch second stays
    // right across DST switches: the switch itself falls on a second boundary.
    textStamp = dieselTimestamp(new Date(second * 1000));
    textSecond = second;
  }
  return textStamp;
}

let isoMillisecond = Number.NaN;
let isoStamp = '';

/**
 * ISO 8601 in UTC with milliseconds (`2009-09-20T19:55:22.000Z`), as log shippers expect.
 * @example
 * isoTimestamp(0); // '1970-01-01T00:00:00.000Z'
 */
export function isoTimestamp(time: number): string {
  if (time !== isoMillisecond) {
    isoStamp = new Date(time).toISOString();
    isoMillisecond = time;
  }
  return isoStamp;
}

/**
 * The `{name:level}` tag: `{info}` for a root logger, `{http:info}` for a sub-logger.
 * @example
 * levelTag(LOGLVL_INFO, 'http'); // '{http:info}'
 */
export function levelTag(level: LogLevel, name: string | null): string {
  const levelText = LEVEL_NAMES[level]!;
  return name === null ? `{${levelText}}` : `{${name}:${levelText}}`;
}

/**
 * diesel's line: `[Sun Sep 20 19:55:22 2009] {http:info} GET /\n`. The message is
 * written as given; a multi-line message (a stack trace) stays multi-line.
 * @example
 * formatTextLine({ time: Date.now(), level: LOGLVL_CRITICAL, name: null, message: 'CRAP!!!' });
 * // '[Sun Sep 20 19:55:22 2009] {critical} CRAP!!!\n'
 */
export function formatTextLine(record: LogRecord): string {
  return `[${textTimestamp(record.time)}] ${levelTag(record.level, record.name)} ${record.message}\n`;
}

/**
 * One JSON object per line for log shippers:
 * `{"time":"2009-09-20T19:55:22.000Z","level":"info","name":"http","msg":"GET /"}\n`.
 * `name` is left out for a root logger. Line breaks inside the message are escaped, so
 * one record is always exactly one line.
 * @example
 * JSON.parse(formatJsonLine({ time: 0, level: LOGLVL_INFO, name: 'http', message: 'GET /' })).msg; // 'GET /'
 */
export function formatJsonLine(record: LogRecord): string {
  return `{"time":"${isoTimestamp(record.time)}${jsonTag(record.level, record.name)}${jsonString(record.message)}}\n`;
}

/**
 * @internal The fixed middle of a JSON line, from the time's closing quote to `"msg":`:
 * `","level":"info","name":"http","msg":`. Loggers make it once per level.
 */
export function jsonTag(level: LogLevel, name: string | null): string {
  return `","level":"${LEVEL_NAMES[level]!}"${name === null ? '' : `,"name":${jsonString(name)}`},"msg":`;
}

// Quotes, backslashes, control characters and surrogates (JSON.stringify escapes lone
// ones) need JSON.stringify; everything else can be quoted as is, which is much cheaper.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** @internal A string as a JSON string literal, identical to `JSON.stringify(text)`. */
export function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}
