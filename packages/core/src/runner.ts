import { isGeneratorObject } from 'node:util/types';
import type { Connection } from './connection.js';
import { Cancelled, Halted, InvalidYield } from './errors.js';
import type { Hub } from './hub.js';
import { isLoop } from './loop.js';
import { onMicrotask, rethrowLater } from './sync/microtask.js';
import { type CallTarget } from './tokens/call.js';
import { FirstToken } from './tokens/group.js';
import { Producing } from './tokens/producer.js';
import { Awaiting } from './tokens/promise.js';
import { NOT_NOW, type Operation, fastPath, refused, type Teardown, type TokenContext, isToken, tearDown } from './tokens/token.js';
import { Draining } from './tokens/write.js';
import type { Yieldable } from './yieldable.js';

/**
 * A routine: a generator the hub drives. It yields tokens, strings/bytes to write,
 * nested routines, promises, producers or new `Loop`s (a `Yieldable`), and gets their
 * results back. A generator yielding anything else is not a `Routine`.
 * @example
 * function* countdown(from: number): Routine<string> {
 *   for (let n = from; n > 0; n--) yield* sleep(1);
 *   return 'lift-off';
 * }
 */
export type Routine<R = unknown> = Generator<Yieldable, R, unknown>;

/**
 * How a finished routine ended: its return value, or its error (`halted` when the
 * application was halted under it). `onExit` and `serveInMemory` give it.
 * @example
 * const outcome: Outcome = await serveInMemory(handleEcho).exited;
 * if (!outcome.ok && !outcome.halted) console.error(outcome.error);
 */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; halted: boolean };

/**
 * What `hub.spawn(routine, options)` takes; all optional.
 * @example
 * hub.spawn(handleEcho(connection.remote), { connection, name: 'echo' });
 */
export interface SpawnOptions {
  /** The connection the routine's socket tokens and writes act on (default: none). */
  connection?: Connection | null;
  /** The routine's name in log lines and errors (default `'routine'`). */
  name?: string;
  /** Called once when the routine ends, with the runner (whose `home` is the connection it started on). */
  onExit?: (outcome: Outcome, runner: Runner) => void;
  /**
   * The routine this one is a child of (`spawn`, `all`, `race`): it starts with a copy of
   * the parent's `Local` values, and is cancelled if still running when the parent ends.
   */
  parent?: Runner | null;
}

/**
 * The generator prototype's own `next` and `throw`, called directly on every frame: a
 * `gen.next` property load in the step loop sees as many object shapes as the app has
 * generator functions and goes megamorphic; a call of one known builtin does not. Frames
 * that are other iterators (`isRoutine` accepts any) are adopted into a generator first.
 */
const generatorPrototype = Object.getPrototypeOf(function* () {}).prototype as Generator;
const generatorNext = generatorPrototype.next;
const generatorThrow = generatorPrototype.throw;

/** A routine that is not a native generator, run through one that delegates to it. */
function* adopt(routine: Routine): Routine {
  return yield* routine;
}

/** The routine as a native generator frame. */
function asFrame(routine: Routine): Routine {
  return isGeneratorObject(routine) ? routine : adopt(routine);
}

/** The routine whose step is running now, if any: one at a time, in any hub. */
let current: Runner | null = null;

/** @internal The routine whose generator is running right now, or null outside any routine. */
export function currentRunner(): Runner | null {
  return current;
}

/**
 * @internal True while a routine's step runs and it has not asked to be killed: a token
 * may then complete inside `yield*` (see `TokenIterator`) exactly as the runner would
 * have completed it through `attempt`.
 */
export function attemptable(): boolean {
  return current !== null && !current.stopping;
}
fastPath.allowed = attemptable;

const SUSPEND: unique symbol = Symbol('diesel.suspend');
const NO_INTERRUPT: unique symbol = Symbol('diesel.noInterrupt');

/**
 * True for a synchronous generator object. Async generators also have next/throw, so the
 * sync iterator protocol is what tells them apart (they are producers, not routines). A
 * token that is its own iterator (`OneShotToken`) has the same methods but is a token.
 * @example
 * isRoutine(handleEcho(remote)); // true: a generator object, ready to run
 * isRoutine(handleEcho);         // false: the function that makes one
 */
export function isRoutine(value: unknown): value is Routine {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isToken(value) &&
    typeof (value as Routine).next === 'function' &&
    typeof (value as Routine).throw === 'function' &&
    typeof (value as Routine)[Symbol.iterator] === 'function'
  );
}

function isThenable(value: object): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown>).then === 'function';
}

function isAsyncIterable(value: object): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/**
 * Formats an error for a log line: its stack (which starts with the message), or the
 * value as a string when it is not an `Error`.
 * @example
 * app.hub.logger.error(`cleanup failed: ${describe(error)}`);
 */
export function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * @internal One suspension of one routine: the context its operation was started with. Settles
 * once; the runner ignores it once the routine has moved on (resumed, cancelled, halted).
 */
export class Suspension<T> implements TokenContext<T> {
  // Three fields only: one of these is held by every idle connection. A settlement
  // inside `start` is kept on the runner (#syncValue), the connection read through it.
  /** STARTING while `start` runs (a settlement is then returned without suspending), then PENDING, then SETTLED. */
  state = STARTING;
  teardown: Teardown | void = undefined;
  constructor(readonly runner: Runner) {}
  get hub(): Hub {
    return this.runner.hub;
  }
  /** The connection of the frame that yielded (frames do not change while it is suspended). */
  get connection(): Connection | null {
    return this.runner.connection;
  }
  get settled(): boolean {
    return this.state === SETTLED;
  }
  resolve(value: T): void {
    const state = this.state;
    if (state === SETTLED) return;
    this.state = SETTLED;
    if (state === STARTING) this.runner.settledAtOnce(false, value);
    else this.runner.woken(this, false, value);
  }
  reject(error: unknown): void {
    const state = this.state;
    if (state === SETTLED) return;
    this.state = SETTLED;
    if (state === STARTING) this.runner.settledAtOnce(true, error);
    else this.runner.woken(this, true, error);
  }
  /**
   * @internal `resolve` or `reject` from the operation's own teardown (a wait line's
   * waiter delivering what it was granted): it has nothing left to undo, so the runner
   * skips calling it on the way back in.
   */
  settleFrom(undone: Teardown, throwing: boolean, value: unknown): void {
    if (this.state !== PENDING) {
      if (throwing) this.reject(value);
      else this.resolve(value as T);
      return;
    }
    this.state = SETTLED;
    if (this.teardown === undone) this.teardown = undefined;
    this.runner.woken(this, throwing, value);
  }
}

const STARTING = 0;
const PENDING = 1;
const SETTLED = 2;

/**
 * One running routine and the stack of generators it has called into: a small
 * interpreter of generator frames. Each frame records the connection its socket tokens
 * act on (a `@call` switches to the client's). What a frame yields is dispatched to an
 * `Operation` (tokens, promises, producers — each in its own file under `tokens/`), to a
 * new frame (a nested generator), or written (strings and bytes). Tokens see theirs as
 * `context.runner`; `hub.spawn` makes them.
 * @example
 * class Hold extends CustomToken<void> {
 *   start(context: TokenContext<void>) {
 *     lock.take();
 *     context.runner.onEnd(() => lock.give()); // however the routine ends
 *     context.resolve();
 *   }
 * }
 */
export class Runner {
  readonly hub: Hub;
  readonly name: string;
  // Created with their first frame: `[x]` holds one slot, while `[]` + push reserves 17.
  readonly #gens: Routine[];
  readonly #conns: (Connection | null)[];
  readonly #targets: (CallTarget | null)[];
  readonly #onExit: ((outcome: Outcome, runner: Runner) => void) | undefined;
  /** The connection the routine was started on (a Service handler's), or null. */
  readonly home: Connection | null;
  #running = false;
  #killRequested = false;
  #done = false;
  /** Incremented on every resume; a deferred resume from an earlier suspension carries a stale epoch and is ignored. */
  #epoch = 0;
  /** What the routine is suspended on. */
  #pending: Suspension<unknown> | null = null;
  /** What to run when a `CallTarget` admits this routine. */
  #admit: (() => void) | null = null;
  /** Frames whose target is pipelined: while > 0, socket waits and writes consult it. */
  #pipelined = 0;
  /** What to run when a pipelined target gives this routine its read turn. */
  #readTurn: (() => void) | null = null;
  #corked: Connection | null = null;
  /** The connection last written in this step. */
  #wrote: Connection | null = null;
  // The value the next step sends in (or throws in, if #throwing).
  #value: unknown = undefined;
  #throwing = false;
  /** Called once when the routine ends (see `onEnd`). */
  #endHooks: Set<() => void> | null = null;
  // What an operation settled with inside its `start`.
  #syncValue: unknown = undefined;
  #syncThrowing = false;
  /** Spawned children still running; cancelled when this routine ends. */
  #children: Set<Runner> | null = null;
  #parent: Runner | null;
  /** This routine's `Local` values (created on first write). */
  #locals: Map<object, unknown> | null = null;
  /** An error to throw in at the next suspension (a cancel or a child's failure that came mid-step). */
  #interrupt: unknown = NO_INTERRUPT;

  constructor(hub: Hub, routine: Routine, options: SpawnOptions) {
    this.hub = hub;
    this.name = options.name ?? 'routine';
    this.#onExit = options.onExit;
    this.home = options.connection ?? null;
    this.#gens = [asFrame(routine)];
    this.#conns = [options.connection ?? null];
    this.#targets = [null];
    const parent = options.parent ?? null;
    this.#parent = parent;
    if (parent !== null) {
      (parent.#children ??= new Set()).add(this);
      if (parent.#locals !== null) this.#locals = new Map(parent.#locals);
    }
  }

  /**
   * Calls `callback` once when the routine ends, however it ends (returns, throws, is
   * cancelled or halted): how a lock it holds is released for it. Returns a function
   * that unregisters it.
   */
  onEnd(callback: () => void): () => void {
    if (this.#done) {
      callback();
      return () => {};
    }
    (this.#endHooks ??= new Set()).add(callback);
    return () => {
      this.#endHooks?.delete(callback);
    };
  }

  /** How many spawned children of this routine are still running. */
  get childCount(): number {
    return this.#children?.size ?? 0;
  }

  /** @internal A `Local`'s value in this routine: its own, or `fallback` if never set here. */
  local(key: object, fallback: unknown): unknown {
    const locals = this.#locals;
    if (locals === null || !locals.has(key)) return fallback;
    return locals.get(key);
  }

  /** @internal */
  setLocal(key: object, value: unknown): void {
    (this.#locals ??= new Map()).set(key, value);
  }

  /** @internal Takes back an interrupt not yet delivered (a task's failure that its parent joined meanwhile). */
  withdraw(error: unknown): void {
    if (this.#interrupt === error) this.#interrupt = NO_INTERRUPT;
  }

  /**
   * Throws `error` (a `Cancelled`, or a child's failure) into the routine at its
   * suspension point: what it waited for is torn down and its frames unwind through
   * their `finally` blocks, which may still yield. If the routine is mid-step, the error
   * is thrown in when it next suspends.
   */
  interrupt(error: unknown): void {
    if (this.#done) return;
    if (this.#running) {
      if (this.#interrupt === NO_INTERRUPT) this.#interrupt = error;
      return;
    }
    this.#epoch++;
    this.#clearPending();
    this.#resume(true, error);
  }

  /** The connection socket tokens in the running frame act on. */
  get connection(): Connection | null {
    return this.#conns[this.#conns.length - 1] ?? null;
  }

  get done(): boolean {
    return this.#done;
  }

  /** @internal The routine halted its own app mid-step: it is killed when it next yields. */
  get stopping(): boolean {
    return this.#killRequested;
  }

  /** Runs the routine up to its first suspension; `hub.spawn` calls it, once. */
  start(): void {
    this.#drive();
  }

  /** @internal A suspension settled inside its `start`. */
  settledAtOnce(throwing: boolean, value: unknown): void {
    this.#syncThrowing = throwing;
    this.#syncValue = value;
  }

  /** @internal A suspension settled after `start` returned. */
  woken(suspension: Suspension<unknown>, throwing: boolean, value: unknown): void {
    if (suspension !== this.#pending || this.#done) return;
    this.#clearPending();
    if (current !== null) {
      // Another routine (or this one) is mid-step — a fire, a stream emitting inside a
      // write: never re-enter a generator, and let the running routine go on until it
      // suspends (diesel's order). The epoch drops this resume if the routine is halted first.
      const epoch = this.#epoch;
      onMicrotask(() => {
        if (epoch !== this.#epoch || this.#done) return;
        try {
          this.#resume(throwing, value);
        } catch (error) {
          rethrowLater(error);
        }
      });
      return;
    }
    this.#resume(throwing, value);
  }

  #resume(throwing: boolean, value: unknown): void {
    this.#throwing = throwing;
    this.#value = value;
    this.#drive();
  }

  #drive(): void {
    const outer = current;
    current = this;
    this.#running = true;
    this.#epoch++;
    try {
      for (;;) {
        const gens = this.#gens;
        const gen = gens[gens.length - 1]!;
        let step: IteratorResult<unknown, unknown>;
        try {
          step = this.#throwing ? generatorThrow.call(gen, this.#value) : generatorNext.call(gen, this.#value);
        } catch (error) {
          if (this.#popFrame()) return this.#finish({ ok: false, error, halted: false });
          this.#throwing = true;
          this.#value = error;
          continue;
        }
        if (step.done === true) {
          if (this.#popFrame()) return this.#finish({ ok: true, value: step.value });
          this.#throwing = false;
          this.#value = step.value;
          continue;
        }
        this.#throwing = false;
        if (this.#killRequested) {
          // Killed where it yields, before what it yielded starts: a get would take an
          // item that nobody then sees.
          this.#running = false;
          current = outer;
          this.kill();
          return;
        }
        let next: unknown;
        try {
          next = this.#dispatch(step.value);
        } catch (error) {
          this.#clearPending();
          this.#throwing = true;
          this.#value = error;
          continue;
        }
        if (this.#killRequested) {
          // What it yielded halted the app (a token's start did): killed here instead.
          this.#running = false;
          current = outer;
          this.kill();
          return;
        }
        if (next === SUSPEND) {
          if (this.#interrupt === NO_INTERRUPT) return;
          // Cancelled (or a child failed) while this step ran: deliver it here, where it suspends.
          this.#clearPending();
          this.#throwing = true;
          this.#value = this.#interrupt;
          this.#interrupt = NO_INTERRUPT;
          continue;
        }
        this.#value = next;
      }
    } finally {
      this.#running = false;
      current = outer;
      this.#uncork();
    }
  }

  /** Pops the top frame; returns true if it was the last. */
  #popFrame(): boolean {
    this.#gens.pop();
    this.#conns.pop();
    const target = this.#targets.pop();
    if (target != null) {
      if (target.admitRead !== undefined) this.#pipelined--;
      target.release(this);
    }
    return this.#gens.length === 0;
  }

  /** @internal Pushes a frame: `routine` runs next, on `connection`, holding `target` until it ends. */
  enter(routine: Routine, connection: Connection | null, target: CallTarget | null): void {
    this.#gens.push(asFrame(routine));
    this.#conns.push(connection);
    this.#targets.push(target);
    if (target?.admitRead !== undefined) this.#pipelined++;
  }

  /**
   * @internal The pipelined target a socket wait in the running frame must take turns
   * on: the innermost `@call`/`on` frame's target, if that one is pipelined; else null.
   */
  readGate(): CallTarget | null {
    if (this.#pipelined === 0) return null;
    const targets = this.#targets;
    for (let depth = targets.length - 1; depth >= 0; depth--) {
      const target = targets[depth];
      if (target != null) return target.admitRead !== undefined ? target : null;
    }
    return null;
  }

  /** @internal What to run when a pipelined target gives this routine its read turn (null: no longer waiting). */
  awaitReadTurn(admitted: (() => void) | null): void {
    this.#readTurn = admitted;
  }

  /** @internal A pipelined CallTarget gives this routine its read turn. */
  readAdmitted(): void {
    const admitted = this.#readTurn;
    if (admitted === null) return;
    this.#readTurn = null;
    admitted();
  }

  /** Handles one yielded value: returns what to send back now, or SUSPEND. */
  #dispatch(value: unknown): unknown {
    // Tokens first: they are most of what is yielded, and the brand check is cheaper than `instanceof Uint8Array`.
    if (typeof value === 'object' && value !== null && isToken(value)) {
      // Its `yield*` tried just now (see TokenIterator): asking again cannot succeed. The
      // identity test comes first, so a refused token costs no `attempt` property load
      // (megamorphic in an app with many token classes).
      if (refused.token === value) refused.token = null;
      else if (value.attempt !== undefined) {
        const now = value.attempt();
        if (now !== NOT_NOW) return now;
      }
      return this.#suspend(value);
    }
    if (typeof value === 'string' || value instanceof Uint8Array) return this.#write(value);
    if (typeof value !== 'object' || value === null) {
      throw new InvalidYield(`cannot yield ${value === null ? 'null' : typeof value}; yield a token, a string or bytes to write, a generator, a promise or a group`);
    }
    if (Array.isArray(value)) return this.#suspend(new FirstToken(value));
    if (isRoutine(value)) {
      this.enter(value, this.connection, null);
      return undefined;
    }
    if (isLoop(value)) {
      this.hub.spawnLoop(value);
      return undefined;
    }
    if (isThenable(value)) return this.#suspend(new Awaiting(value));
    if (isAsyncIterable(value)) return this.#suspend(new Producing(value));
    throw new InvalidYield(`cannot yield ${value.constructor?.name ?? 'this object'}; yield a token, a string or bytes to write, a generator, a promise or a group`);
  }

  /** Starts an operation: its result now if it settled inside `start`, else SUSPEND. */
  #suspend(operation: Operation<unknown>): unknown {
    const suspension = new Suspension<unknown>(this);
    let teardown: Teardown | void;
    try {
      teardown = operation.start(suspension);
    } catch (error) {
      suspension.state = SETTLED;
      this.#syncValue = undefined;
      this.#syncThrowing = false;
      throw error;
    }
    if (suspension.state === SETTLED) {
      if (teardown !== undefined) tearDown(teardown);
      const value = this.#syncValue;
      this.#syncValue = undefined;
      if (this.#syncThrowing) {
        this.#syncThrowing = false;
        throw value;
      }
      return value;
    }
    suspension.state = PENDING;
    suspension.teardown = teardown;
    this.#pending = suspension;
    return SUSPEND;
  }

  #write(data: string | Uint8Array): unknown {
    const connection = this.connection;
    if (connection === null) throw new InvalidYield('writing needs a connection, and this routine has none (is it a Loop rather than a Service handler or a @call?)');
    if (this.#wrote === connection) {
      // A second write in one step: coalesce the rest (see Connection.cork) until we
      // suspend. The first goes out at once, so a lone reply pays nothing for this.
      if (this.#corked !== connection) {
        this.#uncork();
        this.#corked = connection;
        connection.cork();
      }
    } else {
      this.#wrote = connection;
    }
    // A pipelined call that writes owes a place in its target's line of readers.
    if (this.#pipelined > 0) this.readGate()?.wrote?.(this);
    if (connection.write(data)) return undefined;
    // Over the high-water mark: flush now, or 'drain' would never come.
    this.#uncork();
    return this.#suspend(new Draining(connection));
  }

  #uncork(): void {
    this.#wrote = null;
    const corked = this.#corked;
    if (corked !== null) {
      this.#corked = null;
      corked.uncork();
    }
  }

  /**
   * @internal `response()`: unwinds to the nearest `@call` frame, running each frame's
   * finally blocks on the way, and pops it. False if there is no `@call` frame.
   */
  respond(): boolean {
    let depth = this.#targets.length - 1;
    while (depth > 0 && this.#targets[depth] === null) depth--;
    if (depth <= 0) return false;
    while (this.#gens.length > depth) {
      this.#finishFrame(this.#gens[this.#gens.length - 1]!);
      this.#popFrame();
    }
    return true;
  }

  /** Runs a suspended generator's finally blocks; a yield inside them is answered with undefined. */
  #finishFrame(gen: Routine): void {
    try {
      let step = gen.return(undefined);
      for (let guard = 0; step.done !== true && guard < 1000; guard++) step = gen.next(undefined);
    } catch (error) {
      this.hub.logger.error(`error while unwinding ${this.name}: ${describe(error)}`);
    }
  }

  /** @internal What to run when a `CallTarget` admits this routine (null: no longer waiting). */
  awaitAdmission(admit: (() => void) | null): void {
    this.#admit = admit;
  }

  /** @internal CallTarget hands the turn to this runner. */
  callAdmitted(): void {
    const admit = this.#admit;
    if (admit === null) return;
    this.#admit = null;
    admit();
  }

  #clearPending(): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    pending.state = SETTLED;
    const teardown = pending.teardown;
    if (teardown === undefined) return;
    pending.teardown = undefined;
    try {
      tearDown(teardown);
    } catch (error) {
      this.hub.logger.error(`error cancelling an operation in ${this.name}: ${describe(error)}`);
    }
  }

  #finish(outcome: Outcome): void {
    this.#uncork();
    this.#done = true;
    this.#clearPending();
    this.#interrupt = NO_INTERRUPT;
    // Children never outlive their parent. Cancelled before onExit, so a connection
    // handler's children can still say goodbye on the connection before it is closed.
    const children = this.#children;
    if (children !== null) {
      this.#children = null;
      for (const child of children) {
        if (outcome.ok || !outcome.halted) child.interrupt(new Cancelled('the parent routine ended'));
        else child.kill();
      }
    }
    const parent = this.#parent;
    if (parent !== null) parent.#children?.delete(this);
    const hooks = this.#endHooks;
    if (hooks !== null) {
      this.#endHooks = null;
      for (const hook of hooks) {
        try {
          hook();
        } catch (error) {
          this.hub.logger.error(`error in an end hook of ${this.name}: ${describe(error)}`);
        }
      }
    }
    this.hub.exited(this);
    this.#onExit?.(outcome, this);
  }

  /**
   * Ends the routine from outside (halt): pending waits are cancelled and every frame's
   * finally blocks run, innermost first — the order an exception would unwind them in,
   * so a resource opened inside another is released before it.
   */
  kill(): void {
    if (this.#done) return;
    if (this.#running) {
      // The routine halted its own app: its generator is mid-step and cannot be
      // returned from here, so finish the job when it next yields.
      this.#killRequested = true;
      return;
    }
    this.#epoch++;
    this.#clearPending();
    // The finally blocks run as this routine (a lock released there is its own).
    const outer = current;
    current = this;
    try {
      while (this.#gens.length > 0) {
        this.#finishFrame(this.#gens[this.#gens.length - 1]!);
        this.#popFrame();
      }
    } finally {
      current = outer;
    }
    this.#finish({ ok: false, error: new Halted(), halted: true });
  }
}
