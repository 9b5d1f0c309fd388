/**
 * The only thing core knows about logging. `@diesel/log` implements it; anything with
 * these five methods (taking one preformatted string) will do.
 */
export interface DieselLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  critical(message: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error', 'critical'] as const;
type LevelName = (typeof LEVELS)[number];

/** `[Sun Sep 20 19:55:22 2009]`, the diesel timestamp. */
export function dieselTimestamp(date: Date = new Date()): string {
  const s = date.toString(); // "Sun Sep 20 2009 19:55:22 GMT+..."
  return `${s.slice(0, 10)} ${s.slice(16, 24)} ${s.slice(11, 15)}`;
}

/**
 * What core uses when no logger is given: warnings and worse to stderr, in diesel's
 * line format, so a bare `Application` is quiet until something goes wrong.
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
  debug(message: string): void {
    this.#line('debug', message);
  }
  info(message: string): void {
    this.#line('info', message);
  }
  warn(message: string): void {
    this.#line('warn', message);
  }
  error(message: string): void {
    this.#line('error', message);
  }
  critical(message: string): void {
    this.#line('critical', message);
  }
}
