/**
 * The only thing core knows about logging. `@diesel/log` implements it; anything with
 * these five methods (taking one preformatted string) will do.
 * @example
 * const quiet: DieselLogger = { debug() {}, info() {}, warn: console.warn, error: console.error, critical: console.error };
 * const app = new Application({ logger: quiet });
 */
export interface DieselLogger {
  /** Detail for whoever is debugging (core: a peer that disconnected, a loop restarted). */
  debug(message: string): void;
  /** Normal operation worth a line (core: `Starting diesel application`). */
  info(message: string): void;
  /** Something went wrong for one peer or resource, the rest carries on (core: a `DieselError` from a handler). */
  warn(message: string): void;
  /** A failure that looks like a bug (core: an uncaught handler error, with its stack). */
  error(message: string): void;
  /** The application itself cannot go on. */
  critical(message: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error', 'critical'] as const;
type LevelName = (typeof LEVELS)[number];

/**
 * The diesel timestamp, local time, as it appears between brackets at the start of a
 * log line: `Sun Sep 20 19:55:22 2009`.
 * @example
 * dieselTimestamp(new Date(2009, 8, 20, 19, 55, 22)); // 'Sun Sep 20 19:55:22 2009'
 */
export function dieselTimestamp(date: Date = new Date()): string {
  const s = date.toString(); // "Sun Sep 20 2009 19:55:22 GMT+..."
  return `${s.slice(0, 10)} ${s.slice(16, 24)} ${s.slice(11, 15)}`;
}

/**
 * What core uses when no logger is given: warnings and worse to stderr, in diesel's
 * line format, so a bare `Application` is quiet until something goes wrong. The
 * constructor takes the lowest level written (default `'warn'`).
 * @example
 * // Also show info lines, such as "Starting diesel application":
 * const app = new Application({ logger: new ConsoleLogger('info') });
 */
export class ConsoleLogger implements DieselLogger {
  readonly #min: number;
  constructor(minimum: LevelName = 'warn') {
    this.#min = LEVELS.indexOf(minimum);
  }
  #line(level: LevelName, message: string): void {
    if (LEVELS.indexOf(level) < this.#min) return;
    try {
      process.stderr.write(`[${dieselTimestamp()}] {${level}} ${message}\n`);
    } catch {
      // A broken stderr must not take the application down with it.
    }
  }
  /** Writes `message` at debug level, if `'debug'` is the minimum. */
  debug(message: string): void {
    this.#line('debug', message);
  }
  /** Writes `message` at info level, if the minimum is `'info'` or lower. */
  info(message: string): void {
    this.#line('info', message);
  }
  /** Writes `message` at warn level, if the minimum is `'warn'` (the default) or lower. */
  warn(message: string): void {
    this.#line('warn', message);
  }
  /** Writes `message` at error level, unless the minimum is `'critical'`. */
  error(message: string): void {
    this.#line('error', message);
  }
  /** Writes `message` at critical level: always written. */
  critical(message: string): void {
    this.#line('critical', message);
  }
}
