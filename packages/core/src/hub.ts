import { type Clock, systemClock } from './clock.js';
import { NOT_READY, type Connection, type DrainWaiter, type ReadWaiter, type SocketWait } from './connection.js';
import { ConnectionClosed, DieselError, Halted, InvalidGroup, InvalidYield } from './errors.js';
import { ConsoleLogger, type DieselLogger } from './logger.js';
import { Loop } from './loop.js';
import {
  type FireToken,
  type GroupMember,
  type ResponseToken,
  type SleepToken,
  Token,
  TokenKind,
  type WaitToken,
} from './tokens.js';

/**
 * A routine: a generator the hub drives. It yields tokens, strings/bytes to write,
 * nested routines, promises, producers or new `Loop`s, and gets their results back.
 */
export type Routine<R = unknown> = Generator<unknown, R, unknown>;

/**
 * What a token defined outside core (STARTTLS, a client's connect) sees while it runs.
 * Call exactly one of `resolve`/`reject`, synchronously or later.
 */
export interface TokenContext<T> {
  readonly hub: Hub;
  /** The connection the yielding routine works on, if any. */
  readonly connection: Connection | null;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * The base for tokens built outside core. `start` begins the operation and may return a
 * function that cancels it (called on halt, or when the routine is killed).
 */
export abstract class CustomToken<T> extends Token<T> {
  readonly kind = TokenKind.Custom;
  abstract start(context: TokenContext<T>): void | (() => void);
}

/**
 * Something a `@call` runs against: it owns a connection and admits one call at a time,
 * so two routines sharing a client take turns instead of interleaving bytes.
 */
export interface CallTarget {
  readonly connection: Connection | null;
  /** True if the runner may go now; otherwise the target calls `runner.callAdmitted()` later. */
  acquire(runner: Runner): boolean;
  release(runner: Runner): void;
  /**
   * Pipelined targets only: asked before each socket wait inside the call. True if the
   * runner may read now (its reply is next); otherwise the target calls
   * `runner.readAdmitted()` when it is. A target without it is not pipelined.
   */
  admitRead?(runner: Runner): boolean;
  /** Pipelined targets only: the call wrote to the connection (a reply is now owed to it). */
  wrote?(runner: Runner): void;
}

export class CallToken<T> extends Token<T> {
  readonly kind = TokenKind.Call;
  constructor(
    readonly target: CallTarget,
    readonly routine: Routine<T>,
    readonly name: string,
  ) {
    super();
  }
}

/** How a finished routine ended. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; halted: boolean };

export interface SpawnOptions {
  connection?: Connection | null;
  name?: string;
  /** Called once when the routine ends, with the runner (whose `home` is the connection it started on). */
  onExit?: (outcome: Outcome, runner: Runner) => void;
}

interface EventWaiter {
  runner: Runner;
  slot: number;
  epoch: number;
}

const SUSPEND: unique symbol = Symbol('diesel.suspend');

export interface HubOptions {
  clock?: Clock;
  logger?: DieselLogger;
}

/**
 * The hub runs routines cooperatively: it resumes one when what it waits for is ready
 * (bytes in the buffer, a timer, an event, a promise), and keeps the event registry
 * that `wait`/`fire` use. One hub per Application.
 */
export class Hub {
  readonly clock: Clock;
  logger: DieselLogger;
  readonly #events = new Map<string, EventWaiter[]>();
  readonly #runners = new Set<Runner>();
  readonly #connections = new Set<Connection>();
  readonly #restarts = new Set<unknown>();
  #halting = false;

  constructor(options: HubOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? new ConsoleLogger();
  }

  /** Routines currently alive. */
  get size(): number {
    return this.#runners.size;
  }

  get halting(): boolean {
    return this.#halting;
  }

  /** Starts a routine now; it runs until its first suspension before this returns. */
  spawn(routine: Routine, options: SpawnOptions = {}): Runner {
    if (this.#halting) throw new Halted();
    const runner = new Runner(this, routine, options);
    this.#runners.add(runner);
    runner.start();
    return runner;
  }

  /** Starts a `Loop`, restarting it when it ends or fails if it is `keepAlive`. */
  spawnLoop(loop: Loop): void {
    const start = (): void => {
      if (this.#halting) return;
      this.spawn(loop.create(), {
        name: loop.name,
        onExit: (outcome) => {
          if (!outcome.ok && !outcome.halted) this.logger.error(`loop ${loop.name} failed: ${describe(outcome.error)}`);
          if (!loop.keepAlive || this.#halting) return;
          const delay = outcome.ok ? 0 : loop.restartDelay;
          this.logger.info(`restarting keep-alive loop ${loop.name}`);
          // Kept so halt() can cancel it: a pending restart must not hold the process open.
          const handle = this.clock.schedule(() => {
            this.#restarts.delete(handle);
            start();
          }, delay * 1000);
          this.#restarts.add(handle);
        },
      });
    };
    start();
  }

  /** Wakes every routine waiting on `event`; returns how many. */
  fire(event: string, value: unknown): number {
    const waiters = this.#events.get(event);
    if (waiters === undefined) return 0;
    this.#events.delete(event);
    let woken = 0;
    for (const waiter of waiters) {
      if (waiter.runner.eventFired(waiter, value)) woken++;
    }
    return woken;
  }

  /** @internal */
  addWaiter(event: string, waiter: EventWaiter): void {
    const list = this.#events.get(event);
    if (list === undefined) this.#events.set(event, [waiter]);
    else list.push(waiter);
  }

  /** @internal */
  removeWaiter(event: string, waiter: EventWaiter): void {
    const list = this.#events.get(event);
    if (list === undefined) return;
    const at = list.indexOf(waiter);
    if (at !== -1) list.splice(at, 1);
    if (list.length === 0) this.#events.delete(event);
  }

  /**
   * Closes `connection` when the hub halts. Connections a routine opens (`connect`,
   * clients) are tracked so that halting leaves no socket behind.
   */
  track(connection: Connection): void {
    if (this.#halting) {
      connection.destroy();
      return;
    }
    connection.trackIn(this.#connections);
  }

  /** @internal */
  exited(runner: Runner): void {
    this.#runners.delete(runner);
  }

  /**
   * Stops every routine: each generator's `finally` blocks run (innermost first, as a
   * thrown exception would unwind them) and its connection is closed.
   */
  halt(): void {
    this.#halting = true;
    for (const runner of [...this.#runners]) runner.kill();
    this.#events.clear();
    for (const handle of this.#restarts) this.clock.cancel(handle);
    this.#restarts.clear();
    // After the routines, so their finally blocks could still say goodbye on these.
    for (const connection of this.#connections) connection.destroy();
    this.#connections.clear();
  }

  /** Lets a halted hub be run again (an Application may be run more than once). */
  reset(): void {
    this.#halting = false;
  }
}

/** Formats an error for a log line: message and the top of its stack. */
export function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/** A routine made of one operation (a token, a write, …): it yields it and returns the result. */
export function* yieldOnce(operation: unknown): Routine {
  return yield operation;
}

/**
 * True for a synchronous generator object. Async generators also have next/throw, so the
 * sync iterator protocol is what tells them apart (they are producers, not routines).
 */
export function isRoutine(value: unknown): value is Routine {
  return (
    typeof value === 'object' &&
    value !== null &&
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
 * One running routine and the stack of generators it has called into. Each frame
 * records the connection its socket tokens act on (a `@call` switches to the client's).
 */
export class Runner implements ReadWaiter, DrainWaiter {
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
  /** Incremented on every resume; callbacks from an earlier suspension carry a stale epoch and are ignored. */
  #epoch = 0;
  // What the routine is suspended on; each is cleared by #clearPending.
  #readConn: Connection | null = null;
  #readToken: SocketWait | null = null;
  #readSlot = -1;
  #timer: unknown = null;
  #waiters: { event: string; waiter: EventWaiter }[] | null = null;
  #groupSize = -1;
  #cancel: (() => void) | null = null;
  #pendingCall: CallToken<unknown> | null = null;
  /** Frames whose target is pipelined: while > 0, socket waits and writes consult it. */
  #pipelined = 0;
  /** A socket wait held back until a pipelined target gives this runner its read turn. */
  #gatedRead: SocketWait | null = null;
  #gatedSlot = -1;
  #drainConn: Connection | null = null;
  #corked: Connection | null = null;
  /** The connection last written in this step. */
  #wrote: Connection | null = null;
  // The value the next step sends in (or throws in, if #throwing).
  #value: unknown = undefined;
  #throwing = false;

  constructor(hub: Hub, routine: Routine, options: SpawnOptions) {
    this.hub = hub;
    this.name = options.name ?? 'routine';
    this.#onExit = options.onExit;
    this.home = options.connection ?? null;
    this.#gens = [routine];
    this.#conns = [options.connection ?? null];
    this.#targets = [null];
  }

  /** The connection socket tokens in the running frame act on. */
  get connection(): Connection | null {
    return this.#conns[this.#conns.length - 1] ?? null;
  }

  get done(): boolean {
    return this.#done;
  }

  start(): void {
    this.#drive();
  }

  #resume(epoch: number, throwing: boolean, value: unknown): void {
    if (epoch !== this.#epoch || this.#done) return;
    if (this.#running) {
      // Only reachable if a stream emits synchronously inside our own step; defer so a
      // generator is never re-entered and the running step's state is not overwritten.
      queueMicrotask(() => this.#resume(epoch, throwing, value));
      return;
    }
    this.#clearPending();
    this.#throwing = throwing;
    this.#value = value;
    this.#drive();
  }

  #drive(): void {
    this.#running = true;
    this.#epoch++;
    try {
      for (;;) {
        const gens = this.#gens;
        const gen = gens[gens.length - 1]!;
        let step: IteratorResult<unknown, unknown>;
        try {
          step = this.#throwing ? gen.throw(this.#value) : gen.next(this.#value);
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
          this.#running = false;
          this.kill();
          return;
        }
        if (next === SUSPEND) return;
        this.#value = next;
      }
    } finally {
      this.#running = false;
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

  #pushFrame(gen: Routine, connection: Connection | null, target: CallTarget | null): void {
    this.#gens.push(gen);
    this.#conns.push(connection);
    this.#targets.push(target);
    if (target?.admitRead !== undefined) this.#pipelined++;
  }

  /** The target of the innermost `@call` / `on` frame, if any. */
  #nearestTarget(): CallTarget | null {
    const targets = this.#targets;
    for (let depth = targets.length - 1; depth >= 0; depth--) {
      const target = targets[depth];
      if (target != null) return target;
    }
    return null;
  }

  /** Handles one yielded value: returns what to send back now, or SUSPEND. */
  #dispatch(value: unknown): unknown {
    if (typeof value === 'string' || value instanceof Uint8Array) return this.#write(value);
    if (typeof value !== 'object' || value === null) {
      throw new InvalidYield(`cannot yield ${value === null ? 'null' : typeof value}; yield a token, a string or bytes to write, a generator, a promise or a group`);
    }
    if (value instanceof Token) return this.#token(value as Token<unknown>);
    if (Array.isArray(value)) return this.#group(value);
    if (isRoutine(value)) {
      this.#pushFrame(value, this.connection, null);
      return undefined;
    }
    if (value instanceof Loop) {
      this.hub.spawnLoop(value);
      return undefined;
    }
    if (isThenable(value)) {
      const epoch = this.#epoch;
      value.then(
        (result) => this.#resume(epoch, false, result),
        (error: unknown) => this.#resume(epoch, true, error),
      );
      return SUSPEND;
    }
    if (isAsyncIterable(value)) return this.#produce(value);
    throw new InvalidYield(`cannot yield ${value.constructor?.name ?? 'this object'}; yield a token, a string or bytes to write, a generator, a promise or a group`);
  }

  #token(token: Token<unknown>): unknown {
    switch (token.kind) {
      case TokenKind.Until:
      case TokenKind.Bytes:
      case TokenKind.Receive:
        return this.#read(token as SocketWait, -1);
      case TokenKind.Sleep:
        this.#sleep(token as SleepToken, -1);
        return SUSPEND;
      case TokenKind.Wait:
        this.#wait(token as WaitToken, -1);
        return SUSPEND;
      case TokenKind.Fire: {
        const fire = token as FireToken;
        return this.hub.fire(fire.event, fire.value);
      }
      case TokenKind.First:
        return this.#group((token as Token<unknown> & { members: readonly unknown[] }).members);
      case TokenKind.Response:
        return this.#respond((token as ResponseToken<unknown>).value);
      case TokenKind.Call: {
        const call = token as CallToken<unknown>;
        if (call.target.acquire(this)) {
          this.#pushFrame(call.routine, call.target.connection, call.target);
          return undefined;
        }
        this.#pendingCall = call;
        return SUSPEND;
      }
      case TokenKind.Custom:
        return this.#custom(token as CustomToken<unknown>);
      default:
        throw new InvalidYield('unknown token');
    }
  }

  #requireConnection(what: string): Connection {
    const connection = this.connection;
    if (connection === null) throw new InvalidYield(`${what} needs a connection, and this routine has none (is it a Loop rather than a Service handler or a @call?)`);
    return connection;
  }

  #write(data: string | Uint8Array): unknown {
    const connection = this.#requireConnection('writing');
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
    if (this.#pipelined > 0) this.#nearestTarget()?.wrote?.(this);
    if (connection.write(data)) return undefined;
    // Over the high-water mark: flush now, or 'drain' would never come.
    this.#uncork();
    this.#drainConn = connection;
    connection.waitDrain(this);
    return SUSPEND;
  }

  #uncork(): void {
    this.#wrote = null;
    const corked = this.#corked;
    if (corked !== null) {
      this.#corked = null;
      corked.uncork();
    }
  }

  /** @internal DrainWaiter */
  drained(error: ConnectionClosed | null): void {
    if (this.#drainConn === null) return;
    this.#drainConn = null;
    if (error !== null) this.#resume(this.#epoch, true, error);
    else this.#resume(this.#epoch, false, undefined);
  }

  #read(token: SocketWait, slot: number): unknown {
    const connection = this.#requireConnection('a socket wait');
    if (this.#pipelined > 0) {
      // A pipelined call reads only when its reply is next; until then it stays off the
      // connection (whose one reader is the call ahead of it). In a group the other
      // members (a sleep, say) are armed meanwhile, so a timeout covers the wait for the turn.
      const target = this.#nearestTarget();
      if (target?.admitRead !== undefined && !target.admitRead(this)) {
        this.#gatedRead = token;
        this.#gatedSlot = slot;
        return SUSPEND;
      }
    }
    return this.#readNow(connection, token, slot);
  }

  #readNow(connection: Connection, token: SocketWait, slot: number): unknown {
    const value = connection.tryRead(token);
    if (value !== NOT_READY) return slot === -1 ? value : this.#groupResult(slot, value);
    this.#readConn = connection;
    this.#readToken = token;
    this.#readSlot = slot;
    connection.waitReadable(this);
    return SUSPEND;
  }

  /** @internal A pipelined CallTarget gives this runner its read turn. */
  readAdmitted(): void {
    const token = this.#gatedRead;
    if (token === null || this.#done) return;
    if (this.#running) {
      queueMicrotask(() => this.readAdmitted());
      return;
    }
    const slot = this.#gatedSlot;
    this.#gatedRead = null;
    this.#gatedSlot = -1;
    let value: unknown;
    try {
      // Through the gate again: it records that this call has started on its reply.
      value = this.#read(token, slot);
    } catch (error) {
      this.#resume(this.#epoch, true, error);
      return;
    }
    if (value !== SUSPEND) this.#resume(this.#epoch, false, value);
  }

  /** @internal ReadWaiter: more bytes arrived, or the peer left. */
  readReady(): void {
    const connection = this.#readConn;
    const token = this.#readToken;
    if (connection === null || token === null) return;
    let value: string | Buffer | typeof NOT_READY;
    try {
      value = connection.tryRead(token);
    } catch (error) {
      this.#resume(this.#epoch, true, error);
      return;
    }
    if (value === NOT_READY) {
      connection.waitReadable(this);
      return;
    }
    const slot = this.#readSlot;
    this.#resume(this.#epoch, false, slot === -1 ? value : this.#groupResult(slot, value));
  }

  #sleep(token: SleepToken, slot: number): void {
    const epoch = this.#epoch;
    this.#timer = this.hub.clock.schedule(() => {
      this.#timer = null;
      this.#resume(epoch, false, slot === -1 ? true : this.#groupResult(slot, true));
    }, token.seconds * 1000);
  }

  #wait(token: WaitToken, slot: number): void {
    const waiter: EventWaiter = { runner: this, slot, epoch: this.#epoch };
    (this.#waiters ??= []).push({ event: token.event, waiter });
    this.hub.addWaiter(token.event, waiter);
  }

  /** @internal called by Hub.fire; returns false for a stale waiter. */
  eventFired(waiter: EventWaiter, value: unknown): boolean {
    if (waiter.epoch !== this.#epoch || this.#done || this.#waiters === null) return false;
    const result = waiter.slot === -1 ? value : this.#groupResult(waiter.slot, value);
    // Unregister now, so a second fire before we run cannot wake us twice; run later,
    // so the firing routine keeps going until it suspends (diesel's order).
    this.#clearPending();
    const epoch = ++this.#epoch;
    queueMicrotask(() => this.#resume(epoch, false, result));
    return true;
  }

  #group(members: readonly unknown[]): unknown {
    let sockets = 0;
    let sleeps = 0;
    for (const member of members) {
      if (!(member instanceof Token)) throw new InvalidGroup(`a group may hold only wait, sleep and socket-wait tokens, not ${describeValue(member)}`);
      const kind = (member as Token<unknown>).kind;
      if (kind === TokenKind.Until || kind === TokenKind.Bytes || kind === TokenKind.Receive) sockets++;
      else if (kind === TokenKind.Sleep) sleeps++;
      else if (kind !== TokenKind.Wait) throw new InvalidGroup(`a group may hold only wait, sleep and socket-wait tokens, not ${member.constructor.name}`);
    }
    if (sockets > 1) throw new InvalidGroup(`a group may hold at most one socket wait, got ${sockets}`);
    if (sleeps > 1) throw new InvalidGroup(`a group may hold at most one sleep, got ${sleeps}`);
    if (members.length === 0) throw new InvalidGroup('a group must hold at least one token');
    this.#groupSize = members.length;
    // The socket wait goes first: if its bytes are already buffered it wins without suspending.
    for (let slot = 0; slot < members.length; slot++) {
      const member = members[slot] as GroupMember;
      if (member.kind === TokenKind.Until || member.kind === TokenKind.Bytes || member.kind === TokenKind.Receive) {
        const now = this.#read(member, slot);
        if (now !== SUSPEND) {
          this.#clearPending();
          return now;
        }
      }
    }
    for (let slot = 0; slot < members.length; slot++) {
      const member = members[slot] as GroupMember;
      if (member.kind === TokenKind.Sleep) this.#sleep(member, slot);
      else if (member.kind === TokenKind.Wait) this.#wait(member, slot);
    }
    return SUSPEND;
  }

  #groupResult(slot: number, value: unknown): unknown[] {
    const result = new Array<unknown>(this.#groupSize).fill(undefined);
    result[slot] = value;
    return result;
  }

  #respond(value: unknown): unknown {
    // Unwind to the nearest @call frame, running each frame's finally blocks on the way.
    for (let depth = this.#targets.length - 1; depth >= 0; depth--) {
      if (this.#targets[depth] === null) continue;
      while (this.#gens.length > depth) {
        const gen = this.#gens[this.#gens.length - 1]!;
        this.#finishFrame(gen);
        if (this.#popFrame()) throw new InvalidYield('response() outside a @call');
      }
      return value;
    }
    throw new InvalidYield('response() can only be yielded inside a @call method');
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

  /** @internal CallTarget hands the turn to this runner. */
  callAdmitted(): void {
    const call = this.#pendingCall;
    if (call === null) return;
    this.#pendingCall = null;
    this.#pushFrame(call.routine, call.target.connection, call.target);
    this.#resume(this.#epoch, false, undefined);
  }

  #custom(token: CustomToken<unknown>): unknown {
    const epoch = this.#epoch;
    let settled = false;
    let sync = true;
    let syncThrow = false;
    let syncValue: unknown;
    const settle = (throwing: boolean, value: unknown): void => {
      if (settled) return;
      settled = true;
      if (sync) {
        syncThrow = throwing;
        syncValue = value;
      } else {
        this.#resume(epoch, throwing, value);
      }
    };
    const cancel = token.start({
      hub: this.hub,
      connection: this.connection,
      resolve: (value) => settle(false, value),
      reject: (error) => settle(true, error),
    });
    sync = false;
    if (settled) {
      if (syncThrow) throw syncValue;
      return syncValue;
    }
    if (typeof cancel === 'function') this.#cancel = cancel;
    return SUSPEND;
  }

  #produce(source: AsyncIterable<unknown>): unknown {
    const connection = this.#requireConnection('a producer');
    const epoch = this.#epoch;
    const pump = async (): Promise<void> => {
      for await (const chunk of source) {
        if (epoch !== this.#epoch) return; // halted or killed: for-await closes the source
        if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
          throw new InvalidYield(`a producer must give strings or bytes, not ${describeValue(chunk)}`);
        }
        if (!connection.write(chunk)) {
          await new Promise<void>((resolve, reject) => {
            connection.waitDrain({ drained: (error) => (error === null ? resolve() : reject(error)) });
          });
        }
      }
    };
    pump().then(
      () => this.#resume(epoch, false, undefined),
      (error: unknown) => this.#resume(epoch, true, error),
    );
    return SUSPEND;
  }

  #clearPending(): void {
    if (this.#readConn !== null) {
      this.#readConn.cancelRead();
      this.#readConn = null;
      this.#readToken = null;
      this.#readSlot = -1;
    }
    if (this.#timer !== null) {
      this.hub.clock.cancel(this.#timer);
      this.#timer = null;
    }
    if (this.#waiters !== null) {
      for (const { event, waiter } of this.#waiters) this.hub.removeWaiter(event, waiter);
      this.#waiters = null;
    }
    if (this.#cancel !== null) {
      const cancel = this.#cancel;
      this.#cancel = null;
      try {
        cancel();
      } catch (error) {
        this.hub.logger.error(`error cancelling an operation in ${this.name}: ${describe(error)}`);
      }
    }
    this.#drainConn = null;
    this.#gatedRead = null;
    this.#gatedSlot = -1;
    this.#groupSize = -1;
  }

  #finish(outcome: Outcome): void {
    this.#uncork();
    this.#done = true;
    this.#clearPending();
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
    if (this.#pendingCall !== null) {
      this.#pendingCall.target.release(this);
      this.#pendingCall = null;
    }
    while (this.#gens.length > 0) {
      this.#finishFrame(this.#gens[this.#gens.length - 1]!);
      this.#popFrame();
    }
    this.#finish({ ok: false, error: new Halted(), halted: true });
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}

/** True for errors that only mean "the peer went away" — not worth an error log line. */
export function isDisconnect(error: unknown): boolean {
  return error instanceof ConnectionClosed || (error instanceof DieselError && error.code === 'DIESEL_ERR_HALTED');
}

