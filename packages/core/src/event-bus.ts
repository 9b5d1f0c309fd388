import { DieselError } from './errors.js';
import type { Hub } from './hub.js';

/**
 * What an {@link EventBus} is handed when the application runs: the hub (to spawn the
 * bus's own routines on) and `deliver`, through which events from other processes reach
 * this one.
 * @example
 * const bus: EventBus = {
 *   open(context) { socket.on('event', (e) => context.deliver(e.name, e.value)); },
 *   publish(event, json) { socket.send(event, json); },
 *   close() { socket.close(); },
 * };
 */
export interface EventBusContext {
  /** The application's hub: the bus may spawn routines on it (they end when it halts). */
  readonly hub: Hub;
  /**
   * Wakes this process's waiters on `event` with `value`, exactly as a local `fire`
   * would (listeners included), without publishing it again. Returns how many woke.
   */
  deliver(event: string, value: unknown): number;
}

/**
 * Carries `fire` to other processes and their events to this one. Core knows buses only
 * through this interface; `@diesel/redis`'s `redisEvents()` is one. With no bus (the
 * default) events stay in the process and nothing here is called.
 *
 * The contract: `publish` is called synchronously from `fire`, must not block and must
 * not throw (a bus that cannot send logs it); events one process publishes are
 * delivered elsewhere in the order it published them; a process is not delivered its
 * own events (its waiters were woken at `fire` already).
 * @example
 * const app = new Application({ events: redisEvents({ url: 'redis://127.0.0.1:6379' }) });
 */
export interface EventBus {
  /**
   * Called when the application runs, before its services listen; `run()` waits for the
   * promise (a bus that cannot connect fails `run()` with its error).
   */
  open(context: EventBusContext): void | Promise<void>;
  /**
   * Hands one event to the other processes: `json` is the value as JSON text (already
   * checked to be plain JSON), or `undefined` for `fire(event)` without a value.
   */
  publish(event: string, json: string | undefined): void;
  /**
   * Called when the application halts, after its routines were stopped (their `finally`
   * blocks may have called `hub.publish`) and before its connections are closed. Must return promptly,
   * even with the other end gone; may write what it still holds, best effort.
   */
  close(): void;
}

/**
 * The in-process bus, which is the default: events stay in this process. Giving it is
 * the same as giving no `events` option; it is there to say so explicitly.
 * @example
 * const app = new Application({ events: localEvents() });
 */
export function localEvents(): EventBus {
  return LOCAL;
}

const LOCAL: EventBus = Object.freeze({
  open(): void {},
  publish(): void {},
  close(): void {},
});

/** @internal True for the in-process bus: the hub then skips the bus entirely. */
export function isLocalBus(bus: EventBus | undefined): boolean {
  return bus === undefined || bus === LOCAL;
}

/**
 * A value `fire` cannot carry to other processes: not plain JSON (a function, a symbol,
 * a bigint, `NaN` or `Infinity`, `undefined` inside an array, a cycle, or an object that
 * is not a plain object or array — a `Date`, `Map`, `Buffer` or class instance).
 * Thrown at `fire`, before anything is woken; code `DIESEL_ERR_EVENT_NOT_JSON`.
 * @example
 * try { yield* fire('tick', new Date()); } catch (error) {
 *   if (error instanceof EventNotJson) yield* fire('tick', new Date().toISOString());
 * }
 */
export class EventNotJson extends DieselError {
  /** Where in the value the offending part is, as a path (`value.items[2]`). */
  readonly path: string;
  constructor(event: string, path: string, what: string) {
    super(
      'DIESEL_ERR_EVENT_NOT_JSON',
      `fire(${JSON.stringify(event)}): ${path} is ${what}, which JSON cannot carry to other processes; send plain objects, arrays, strings, finite numbers, booleans and null`,
    );
    this.path = path;
  }
}

/**
 * The value as JSON text, or throws {@link EventNotJson}: strict, so what another
 * process gets back from `JSON.parse` is what was fired (JSON.stringify alone would turn
 * `NaN` into `null`, a `Date` into a string and a `Map` into `{}` without a word).
 * `undefined` properties of objects are left out, as JSON does; `undefined` as the whole
 * value gives `undefined` (no value). Suspends: no.
 * @example
 * eventJson('chat', { from: 'ada', text: 'hi' }); // '{"from":"ada","text":"hi"}'
 */
export function eventJson(event: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  check(event, value, 'value', new Set());
  return JSON.stringify(value);
}

function check(event: string, value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new EventNotJson(event, path, String(value));
      return;
    case 'object':
      break;
    default:
      throw new EventNotJson(event, path, `a ${typeof value}`);
  }
  if (value === null) return;
  if (seen.has(value)) throw new EventNotJson(event, path, 'a cycle (an object that contains itself)');
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) throw new EventNotJson(event, `${path}[${i}]`, 'undefined (JSON would make it null)');
      check(event, item, `${path}[${i}]`, seen);
    }
  } else {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new EventNotJson(event, path, `a ${(value as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain object'}`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) check(event, item, `${path}.${key}`, seen);
    }
  }
  seen.delete(value);
}
