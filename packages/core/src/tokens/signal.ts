import { CustomToken, type TokenContext } from '../hub.js';
import { WaitLine } from '../sync/wait-line.js';
import type { GroupRole } from './token.js';

/**
 * One process listener per signal, shared by every routine waiting for it, added with
 * the first waiter and removed with the last — so nothing leaks, and a signal nobody
 * waits for keeps its default action (SIGHUP, SIGTERM end the process).
 */
const lines = new Map<NodeJS.Signals, { line: WaitLine<NodeJS.Signals>; listener: () => void }>();

function startSignalWait(name: NodeJS.Signals, context: TokenContext<NodeJS.Signals>): () => void {
  let entry = lines.get(name);
  if (entry === undefined) {
    const line = new WaitLine<NodeJS.Signals>();
    const listener = (): void => {
      for (let waiter = line.peek(); waiter !== null; waiter = line.peek()) waiter.grant(name);
      // Every waiter was woken: nobody waits, so the default action is back.
      if (line.size === 0) remove(name);
    };
    entry = { line, listener };
    lines.set(name, entry);
    process.on(name, listener);
  }
  const waiter = entry.line.push(context);
  return () => {
    waiter.cancel();
    if (entry.line.size === 0) remove(name);
  };
}

function remove(name: NodeJS.Signals): void {
  const entry = lines.get(name);
  if (entry === undefined || entry.line.size > 0) return;
  lines.delete(name);
  process.off(name, entry.listener);
}

/**
 * What `signal(name)` yields.
 * @example
 * const [hup, tick] = yield* first(signal('SIGHUP'), sleep(60));
 */
export class SignalToken extends CustomToken<NodeJS.Signals> {
  /** A wait-like token: it may be one of a group's waits. */
  override get group(): GroupRole {
    return 'wait';
  }
  constructor(readonly name: NodeJS.Signals) {
    super();
  }
  start(context: TokenContext<NodeJS.Signals>): () => void {
    return startSignalWait(this.name, context);
  }
}

/**
 * How many routines wait for `name` now (0 means diesel has no listener for it).
 * @example
 * if (signalWaiters('SIGHUP') === 0) console.warn('SIGHUP would end the process now');
 */
export function signalWaiters(name: NodeJS.Signals): number {
  return lines.get(name)?.line.size ?? 0;
}

/**
 * Suspends: until the process receives signal `name`; returns the name. Groupable, so
 * `first(signal('SIGHUP'), sleep(60))` is a reload loop that also wakes every minute.
 * Every routine waiting for it is woken by one signal. Diesel listens only while some
 * routine waits: between waits (and once none waits) the signal has its default action,
 * which for SIGHUP and SIGTERM ends the process — keep a routine waiting if that matters.
 * @example
 * function* reloader() {
 *   for (;;) {
 *     yield* signal('SIGHUP');
 *     yield* reloadConfig();
 *   }
 * }
 */
export function signal(name: NodeJS.Signals): SignalToken {
  if (typeof name !== 'string' || !/^SIG[A-Z0-9]+$/.test(name)) throw new RangeError(`signal(): not a signal name: ${String(name)}`);
  return new SignalToken(name);
}
