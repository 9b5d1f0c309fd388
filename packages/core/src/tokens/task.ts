import { Cancelled, DieselError, InvalidYield } from '../errors.js';
import { isRoutine, type Outcome, type Routine, type Runner } from '../runner.js';
import type { Yieldable } from '../yieldable.js';
import { type Teardown, type TokenContext, Token, TokenKind } from './token.js';

/**
 * Something a task, `timeout`, `all` or `race` can run: a routine (generator object) or a token.
 * @example
 * const ops: Runnable<string>[] = [lookup('a'), until('\r\n')];
 * const [fromLookup, line] = yield* all(ops);
 */
export type Runnable<T = unknown> = Routine<T> | Token<T>;

/**
 * The result a runnable gives: a routine's return value, a token's result.
 * @example
 * type Line = ResultOf<UntilToken>;                  // string
 * type Answer = ResultOf<ReturnType<typeof lookup>>; // what lookup's generator returns
 */
export type ResultOf<O> = O extends Token<infer T> ? T : O extends Generator<Yieldable, infer R, unknown> ? R : never;

function routineOf(op: unknown, what: string): Routine {
  if (isRoutine(op)) return op;
  if (typeof op === 'object' && op !== null && typeof (op as Token<unknown>).start === 'function') return once(op);
  throw new InvalidYield(`${what} takes generator objects or tokens (did you pass the function instead of calling it?), got ${op === null ? 'null' : typeof op}`);
}

function* once(op: unknown): Routine {
  return yield op as Yieldable;
}

/** Starts `routine` as a child of the routine that yielded the token, on the same connection. */
function startChild(context: TokenContext<unknown>, routine: Routine, name: string, onExit: (outcome: Outcome) => void): Runner {
  return context.hub.spawn(routine, { connection: context.connection, name, parent: context.runner, onExit });
}

/**
 * A spawned child routine. It runs alongside its parent and never outlives it: when the
 * parent ends, a child still running is cancelled. If it fails and nobody joined or
 * cancelled it, its error is thrown into the parent.
 * @example
 * const task = yield* spawn(fetchQuote, 'ACME');
 * yield 'fetching…\r\n'; // the child runs meanwhile
 * const quote = yield* task.join();
 */
export class Task<T> {
  #runner: Runner | null = null;
  #parent: Runner;
  #outcome: Outcome | null = null;
  /** join() or cancel() was asked for: the caller handles the outcome, the parent need not hear of it. */
  #claimed = false;
  readonly #waiters: TokenContext<unknown>[] = [];
  /** @internal */
  constructor(parent: Runner) {
    this.#parent = parent;
  }

  /** True once the child has ended (returned, thrown or been cancelled). */
  get done(): boolean {
    return this.#outcome !== null;
  }

  /**
   * Suspends: until the child ends. Returns its result, or throws its error here
   * (`Cancelled` if it was cancelled). Joining twice, or after it ended, is fine.
   * @example
   * const task = yield* spawn(fetchQuote, 'ACME');
   * const quote = yield* task.join();
   */
  join(): Token<T> {
    return new JoinToken<T>(this);
  }

  /**
   * Suspends: until the child has ended. Throws `Cancelled` into it at its suspension
   * point, so its `finally` blocks run (they may still yield to clean up). Returns at
   * once if it had already ended; throws the child's error if it failed with another one.
   * @example
   * yield* task.cancel();
   */
  cancel(): Token<undefined> {
    return new CancelToken(this);
  }

  /** @internal */
  attach(runner: Runner): void {
    if (this.#outcome === null) this.#runner = runner;
  }

  /** @internal */
  claim(): void {
    this.#claimed = true;
    // A failure handed to the parent mid-step is not delivered twice: the join gets it.
    const outcome = this.#outcome;
    if (outcome !== null && !outcome.ok) this.#parent.withdraw(outcome.error);
  }

  /** @internal */
  get outcome(): Outcome | null {
    return this.#outcome;
  }

  /** @internal */
  get runner(): Runner | null {
    return this.#runner;
  }

  /** @internal */
  addWaiter(context: TokenContext<unknown>): Teardown {
    this.#waiters.push(context);
    return () => {
      const at = this.#waiters.indexOf(context);
      if (at !== -1) this.#waiters.splice(at, 1);
    };
  }

  /** @internal The child ended. */
  readonly ended = (outcome: Outcome): void => {
    this.#outcome = outcome;
    this.#runner = null;
    for (const waiter of this.#waiters.splice(0)) settleWith(waiter, outcome);
    if (this.#claimed || outcome.ok || outcome.halted || outcome.error instanceof Cancelled) return;
    if (!this.#parent.done) this.#parent.interrupt(outcome.error);
    else this.#parent.hub.logger.error(`task failed after its parent ${this.#parent.name} ended: ${describeError(outcome.error)}`);
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function settleWith(context: TokenContext<unknown>, outcome: Outcome): void {
  if (outcome.ok) context.resolve(outcome.value);
  else context.reject(outcome.error);
}

class JoinToken<T> extends Token<T> {
  readonly kind = TokenKind.Custom;
  constructor(readonly task: Task<T>) {
    super();
  }
  start(context: TokenContext<T>): Teardown | void {
    const task = this.task;
    task.claim();
    const outcome = task.outcome;
    if (outcome !== null) return settleWith(context as TokenContext<unknown>, outcome);
    return task.addWaiter(context as TokenContext<unknown>);
  }
}

class CancelToken extends Token<undefined> {
  readonly kind = TokenKind.Custom;
  constructor(readonly task: Task<unknown>) {
    super();
  }
  start(context: TokenContext<undefined>): Teardown | void {
    const task = this.task;
    task.claim();
    const ended = (outcome: Outcome): void => {
      if (!outcome.ok && !outcome.halted && !(outcome.error instanceof Cancelled)) context.reject(outcome.error);
      else context.resolve(undefined);
    };
    if (task.outcome === null) task.runner?.interrupt(new Cancelled());
    // It may have ended at once (its finally blocks did not suspend).
    if (task.outcome !== null) return ended(task.outcome);
    return task.addWaiter({
      hub: context.hub,
      runner: context.runner,
      connection: context.connection,
      get settled() {
        return context.settled;
      },
      resolve: () => ended({ ok: true, value: undefined }),
      reject: (error) => ended({ ok: false, error, halted: false }),
    });
  }
}

/**
 * The token `spawn()` returns.
 * @example
 * const token: SpawnToken<Quote> = spawn(fetchQuote, 'ACME');
 * const task = yield* token; // a Task<Quote>
 */
export class SpawnToken<T> extends Token<Task<T>> {
  readonly kind = TokenKind.Custom;
  constructor(
    /** The generator function the child runs. */
    readonly fn: (...args: never[]) => unknown,
    /** What `fn` is called with. */
    readonly args: readonly unknown[],
  ) {
    super();
  }
  start(context: TokenContext<Task<T>>): void {
    const fn = this.fn as (...args: readonly unknown[]) => unknown;
    const routine = fn(...this.args);
    if (!isRoutine(routine)) throw new InvalidYield(`spawn(): ${fn.name || 'the function'} must be a generator function (function*), it returned ${routine === null ? 'null' : typeof routine}`);
    const task = new Task<T>(context.runner);
    task.attach(startChild(context as TokenContext<unknown>, routine, fn.name || 'task', task.ended));
    context.resolve(task);
  }
}

/**
 * Suspends: no. Starts `fn(...args)` as a child routine of the current one (on the same
 * connection, with a copy of its `Local` values) and returns its `Task`; the child runs
 * until its first suspension before this returns. The child is cancelled if it is still
 * running when its parent ends; if it fails unjoined, its error is thrown into the parent.
 * `yield new Loop(fn)` is the detached alternative.
 * @example
 * const task = yield* spawn(fetchQuote, symbol);
 * const quote = yield* task.join();
 */
export function spawn<A extends unknown[], T>(fn: (...args: A) => Generator<Yieldable, T, unknown>, ...args: A): SpawnToken<T> {
  if (typeof fn !== 'function') throw new TypeError('spawn(fn, ...args): fn must be a generator function');
  return new SpawnToken<T>(fn as (...args: never[]) => unknown, args);
}

interface GatherState {
  results: unknown[];
  left: number;
}

type Results<O extends readonly unknown[]> = { -readonly [K in keyof O]: ResultOf<O[K]> };

/** Runs every op as a child; settles via `settle`, cancels the unfinished ones on teardown. */
abstract class GatherToken<R> extends Token<R> {
  readonly kind = TokenKind.Custom;
  constructor(readonly ops: readonly unknown[]) {
    super();
  }
  abstract readonly what: string;
  /** One child ended; return true once the gather is settled. */
  abstract ended(context: TokenContext<R>, slot: number, outcome: Outcome, state: GatherState): boolean;
  abstract empty(context: TokenContext<R>): void;

  start(context: TokenContext<R>): Teardown | void {
    const routines = this.ops.map((op) => routineOf(op, this.what));
    if (routines.length === 0) return this.empty(context);
    const children: (Runner | null)[] = [];
    const state: GatherState = { results: new Array<unknown>(routines.length), left: routines.length };
    let settled = false;
    const cancelRest = (): void => {
      settled = true;
      for (let i = 0; i < children.length; i++) {
        const child = children[i];
        children[i] = null;
        child?.interrupt(new Cancelled());
      }
    };
    for (let slot = 0; slot < routines.length && !settled; slot++) {
      children[slot] = null;
      const child = startChild(context as TokenContext<unknown>, routines[slot]!, this.what, (outcome) => {
        children[slot] = null;
        if (settled) return;
        if (this.ended(context, slot, outcome, state)) cancelRest();
      });
      if (!child.done && !settled) children[slot] = child;
      else if (settled) child.interrupt(new Cancelled());
    }
    return cancelRest;
  }
}

class AllToken<O extends readonly unknown[]> extends GatherToken<Results<O>> {
  readonly what = 'all()';
  ended(context: TokenContext<Results<O>>, slot: number, outcome: Outcome, state: GatherState): boolean {
    if (!outcome.ok) {
      context.reject(outcome.error);
      return true;
    }
    state.results[slot] = outcome.value;
    if (--state.left > 0) return false;
    context.resolve(state.results as Results<O>);
    return true;
  }
  empty(context: TokenContext<Results<O>>): void {
    context.resolve([] as unknown as Results<O>);
  }
}

class RaceToken<O extends readonly unknown[]> extends GatherToken<ResultOf<O[number]>> {
  readonly what = 'race()';
  ended(context: TokenContext<ResultOf<O[number]>>, _slot: number, outcome: Outcome): boolean {
    if (outcome.ok) context.resolve(outcome.value as ResultOf<O[number]>);
    else context.reject(outcome.error);
    return true;
  }
  empty(): void {
    throw new RaceOfNothing();
  }
}

/** `race([])`: there is nothing to wait for. */
class RaceOfNothing extends DieselError {
  constructor() {
    super('DIESEL_ERR_INVALID_YIELD', 'race() needs at least one operation');
  }
}

/**
 * Suspends: until every op has finished; returns their results in order. Each op runs as
 * a child routine (concurrently). The first failure cancels the others and is thrown here.
 * @example
 * const [a, b] = yield* all([lookup('a'), lookup('b')]);
 */
export function all<const O extends readonly Runnable[]>(ops: O): Token<{ -readonly [K in keyof O]: ResultOf<O[K]> }> {
  return new AllToken<O>([...ops]);
}

/**
 * Suspends: until the first op finishes; returns its result (or throws its error). The
 * others are cancelled. Each op runs as a child routine.
 * @example
 * const winner = yield* race([primary(), fallback()]);
 */
export function race<const O extends readonly Runnable[]>(ops: O): Token<ResultOf<O[number]>> {
  return new RaceToken<O>([...ops]);
}
