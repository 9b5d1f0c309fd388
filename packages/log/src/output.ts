import type { LogRecord } from './record.js';

/**
 * Anything with `write(string)`: `process.stdout`, an `fs.WriteStream`, a socket, a
 * `pino.destination()`, or a plain object. It receives whole lines, each ending in `\n`.
 * Its return value is ignored, except that a returned Promise that rejects counts as a
 * failed write.
 * @example
 * const lines: string[] = [];
 * const logger = new Logger({ outputs: { write: (line: string) => lines.push(line) } });
 */
export interface TextOutput {
  /** Takes one formatted line, ending in `\n` (a returned Promise that rejects counts as a failed write). */
  write(line: string): unknown;
}

/**
 * An output that takes the structured record instead of a formatted line, for routing
 * into another logger (see `fromObjectLogger`, `toPino`) or a metrics counter.
 * @example
 * const errors = { count: 0, writeRecord(record: LogRecord) { if (record.level >= LOGLVL_ERR) this.count++; } };
 * const logger = new Logger({ outputs: [process.stdout, errors] });
 */
export interface RecordOutput {
  /** Takes one record (time, level, sub-logger name, message) as it is logged. */
  writeRecord(record: LogRecord): unknown;
}

/**
 * What `outputs` accepts: a text output, a record output, or a `JsonLinesOutput`.
 * @example
 * const outputs: LogOutput[] = [process.stdout, new JsonLinesOutput(file)];
 */
export type LogOutput = TextOutput | RecordOutput | JsonLinesOutput;

/**
 * Writes JSON lines (`{"time":"…","level":"info","name":"http","msg":"…"}`) to a text
 * output, whatever the logger's own format: mix human lines on the terminal with JSON
 * for a log shipper in one logger. A failing target is handled like any other output.
 * @example
 * const file = fs.createWriteStream('app.jsonl', { flags: 'a' });
 * const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: [process.stdout, new JsonLinesOutput(file)] });
 */
export class JsonLinesOutput {
  /** Where the JSON lines go. */
  readonly target: TextOutput;
  constructor(target: TextOutput = process.stdout) {
    this.target = target;
  }
}
