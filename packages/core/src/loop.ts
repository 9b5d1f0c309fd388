import type { Routine } from './runner.js';

/** The brand a running routine recognises a `Loop` by (any loaded copy of core). */
const LOOP: unique symbol = Symbol.for('diesel.loop') as never;

/**
 * The options a `Loop` may be given before its function; all optional.
 * @example
 * app.addLoop(new Loop({ keepAlive: true, restartDelay: 5, name: 'poller' }, poll, url));
 */
export interface LoopOptions {
  /** Restart the routine when it ends or throws (default false). */
  keepAlive?: boolean;
  /** Seconds to wait before restarting after a failure (default 1), so a loop that always throws does not spin. */
  restartDelay?: number;
  /** Shown in log lines (default: the function's name). */
  name?: string;
}

/**
 * A routine scheduled when the application starts — or at once, when a running routine
 * yields it (`yield new Loop(worker, id)` spawns a sibling).
 * @example
 * function* tick(label: string) { while (true) { console.log(label); yield* sleep(1); } }
 * app.addLoop(new Loop(tick, 'hello'));
 */
export class Loop<A extends unknown[] = unknown[]> {
  /** The generator function each run calls with `args`. */
  readonly fn: (...args: A) => Routine;
  readonly args: A;
  readonly keepAlive: boolean;
  readonly restartDelay: number;
  readonly name: string;

  constructor(fn: (...args: A) => Routine, ...args: A);
  constructor(options: LoopOptions, fn: (...args: A) => Routine, ...args: A);
  constructor(first: LoopOptions | ((...args: A) => Routine), ...rest: unknown[]) {
    let options: LoopOptions = {};
    let fn: (...args: A) => Routine;
    if (typeof first === 'function') {
      fn = first;
    } else {
      options = first;
      fn = rest.shift() as (...args: A) => Routine;
      if (typeof fn !== 'function') throw new TypeError('Loop(options, fn, ...args): fn must be a generator function');
    }
    this.fn = fn;
    this.args = rest as A;
    this.keepAlive = options.keepAlive ?? false;
    this.restartDelay = options.restartDelay ?? 1;
    this.name = options.name ?? (fn.name || 'loop');
  }

  /** Makes a fresh generator for one run of the loop. */
  create(): Routine {
    const routine = this.fn(...this.args);
    if (routine === null || typeof routine !== 'object' || typeof routine.next !== 'function') {
      throw new TypeError(`Loop ${this.name}: the function must be a generator function (function*)`);
    }
    return routine;
  }
}
Object.defineProperty(Loop.prototype, LOOP, { value: true });

/** True for a `Loop` from any loaded copy of core. */
export function isLoop(value: object): value is Loop {
  return (value as { [LOOP]?: unknown })[LOOP] === true;
}
