import { describe, expect, it } from 'vitest';
import {
  CustomToken,
  NOT_NOW,
  Hub,
  InvalidGroup,
  first,
  fire,
  run,
  sleep,
  until,
  wait,
  type GroupRole,
  type Token,
  type Routine,
  type TokenContext,
} from '../src/index.js';
import { FakeClock, serveInMemory } from '../src/testing/index.js';
import { until as eventually } from './helpers.js';

/** A token as another loaded copy of core would build it: not our class, only the brand and the interface. */
function foreignToken<T>(start: (context: TokenContext<T>) => void | (() => void), group: GroupRole = null) {
  const token = {
    [Symbol.for('diesel.token')]: true,
    kind: 9,
    group,
    start,
    *[Symbol.iterator](): Generator<unknown, T, unknown> {
      return (yield token) as T;
    },
  };
  // Typed as our Token only so the test compiles: at run time it is a plain object.
  return token as unknown as Token<T>;
}

/** A groupable token of a kind core does not know: resolves when `trigger` is called. */
class Manual extends CustomToken<string> {
  context: TokenContext<string> | null = null;
  tornDown = 0;
  override get group(): GroupRole {
    return 'wait';
  }
  start(context: TokenContext<string>): () => void {
    this.context = context;
    return () => this.tornDown++;
  }
}

describe('the token interface', () => {
  it('runs a token built by another copy of core (recognised by its brand, not instanceof)', async () => {
    const hub = new Hub();
    const result = await run(
      (function* () {
        const now = yield foreignToken<string>((context) => context.resolve('at once'));
        const later = yield foreignToken<number>((context) => {
          setTimeout(() => context.resolve(42), 5);
        });
        return [now, later];
      })(),
      { hub },
    );
    expect(result).toEqual(['at once', 42]);
  });

  it('runs a Loop built by another copy of core', async () => {
    const hub = new Hub();
    const ran: string[] = [];
    const foreignLoop = Object.assign(Object.create({ [Symbol.for('diesel.loop')]: true }) as object, {
      name: 'foreign',
      keepAlive: false,
      restartDelay: 1,
      create: () =>
        (function* () {
          ran.push('foreign loop');
        })(),
    });
    await run(
      (function* () {
        yield foreignLoop;
      })(),
      { hub },
    );
    expect(ran).toEqual(['foreign loop']);
    expect(hub.size).toBe(0);
  });

  it('resolves once: a second resolve or a late reject is ignored', async () => {
    let context: TokenContext<string> | null = null;
    const done = run(
      (function* () {
        return yield foreignToken<string>((c) => {
          context = c;
        });
      })(),
    );
    await eventually(() => context !== null);
    const c = context as unknown as TokenContext<string>;
    expect(c.settled).toBe(false);
    c.resolve('first');
    c.resolve('second');
    c.reject(new Error('late'));
    expect(c.settled).toBe(true);
    expect(await done).toBe('first');
  });

  it('a token that throws in start() has its error thrown into the generator', async () => {
    const result = await run(
      (function* () {
        try {
          yield foreignToken(() => {
            throw new Error('cannot start');
          });
          return 'no';
        } catch (error) {
          return (error as Error).message;
        }
      })(),
    );
    expect(result).toBe('cannot start');
  });

  it('groups combine any groupable kind: a custom wait-like token wins, the others are torn down', async () => {
    const clock = new FakeClock();
    const manual = new Manual();
    const { peer, exited } = serveInMemory(
      function* () {
        return yield* first(until('\n'), manual, wait('never'), sleep(30));
      },
      { clock },
    );
    await eventually(() => manual.context !== null);
    manual.context!.resolve('custom won');
    expect(await exited).toEqual({ ok: true, value: [undefined, 'custom won', undefined, undefined] });
    expect(clock.pending).toBe(0); // the sleep was cancelled
    expect(manual.tornDown).toBe(1);
    peer.end();
  });

  it('a group member that rejects throws its error into the generator and tears the others down', async () => {
    const clock = new FakeClock();
    const manual = new Manual();
    const hub = new Hub({ clock });
    const result = run(
      (function* (): Routine<unknown> {
        try {
          yield [manual, sleep(5), wait('e')];
          return 'no';
        } catch (error) {
          return (error as Error).message;
        }
      })(),
      { hub },
    );
    await eventually(() => manual.context !== null);
    manual.context!.reject(new Error('member failed'));
    expect(await result).toBe('member failed');
    expect(clock.pending).toBe(0);
    expect(await run(fire('e', 1), { hub })).toBe(0);
  });

  it('a token that is not groupable is an InvalidGroup, whatever copy of core built it', async () => {
    const result = await run(
      (function* (): Routine<unknown> {
        try {
          yield [wait('x'), foreignToken(() => undefined)];
        } catch (error) {
          return error;
        }
      })(),
    );
    expect(result).toBeInstanceOf(InvalidGroup);
    expect((result as InvalidGroup).message).toMatch(/only wait, sleep and socket-wait tokens, not Object/);
  });

  it('a foreign token may be grouped when it declares a role', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const result = await run(
      (function* (): Routine<unknown> {
        return yield [sleep(5), foreignToken<string>((c) => c.resolve('now'), 'wait')];
      })(),
      { hub },
    );
    expect(result).toEqual([undefined, 'now']);
    expect(clock.pending).toBe(0);
  });

  it('halting tears down a pending custom token', async () => {
    const hub = new Hub();
    const manual = new Manual();
    hub.spawn(
      (function* () {
        yield manual;
      })(),
    );
    expect(hub.size).toBe(1);
    hub.halt();
    expect(manual.tornDown).toBe(1);
    expect(hub.size).toBe(0);
  });
});


/**
 * A routine that is not a generator object but walks the same protocol by hand: it
 * yields `tokens` in turn, adds up what they give back, and records what is thrown in.
 */
function handWritten(tokens: Token<number>[]): Routine<number> & { thrown: unknown[]; returned: boolean } {
  let index = 0;
  let sum = 0;
  const routine = {
    thrown: [] as unknown[],
    returned: false,
    next(value?: unknown): IteratorResult<Token<number>, number> {
      if (index > 0) sum += value as number;
      if (index < tokens.length) return { value: tokens[index++]!, done: false };
      return { value: sum, done: true };
    },
    throw(error?: unknown): IteratorResult<Token<number>, number> {
      routine.thrown.push(error);
      throw error;
    },
    return(value?: unknown): IteratorResult<Token<number>, number> {
      routine.returned = true;
      return { value: value as number, done: true };
    },
    [Symbol.iterator]() {
      return routine;
    },
  };
  return routine as unknown as Routine<number> & { thrown: unknown[]; returned: boolean };
}

/** Gives `n` on a timer, or waits for `context` to be settled by hand (`later: false`). */
class Tick extends CustomToken<number> {
  context: TokenContext<number> | null = null;
  tornDown = 0;
  constructor(
    readonly n: number,
    readonly later = true,
  ) {
    super();
  }
  start(context: TokenContext<number>): () => void {
    this.context = context;
    if (this.later) setTimeout(() => context.resolve(this.n), 1);
    return () => this.tornDown++;
  }
}

describe('routines that are not generator objects', () => {
  it('a hand-written iterator runs as a routine, alone or yielded as a nested frame, and gets its results', async () => {
    const hub = new Hub();
    const ticks = (n: number) => new Tick(n);
    const alone = handWritten([ticks(1), ticks(2)]);
    expect(await run(alone, { hub })).toBe(3);
    const nested = handWritten([ticks(10), ticks(20)]);
    const outer = run(
      (function* (): Routine<number> {
        const inner = (yield nested) as number;
        return inner + 1;
      })(),
      { hub },
    );
    expect(await outer).toBe(31);
  });

  it('a hand-written routine that is halted is returned from (its frame unwound), and an error thrown in reaches its throw', async () => {
    const hub = new Hub();
    const pending = new Tick(0, false);
    const halted = handWritten([pending]);
    hub.spawn(halted);
    hub.halt();
    expect(halted.returned).toBe(true);
    expect(pending.tornDown).toBe(1);

    const failing = new Tick(0, false);
    const routine = handWritten([failing]);
    const outcome = run(routine, { hub: new Hub() });
    failing.context!.reject(new Error('boom'));
    await expect(outcome).rejects.toThrow('boom');
    expect(routine.thrown).toHaveLength(1);
  });
});


/** A token with a fast path: `attempt` answers from `ready`, else `start` is used. */
class Quick extends CustomToken<string> {
  ready: string | null | Error = null;
  attempts = 0;
  starts = 0;
  override get group(): GroupRole {
    return 'wait';
  }
  override attempt(): string | typeof NOT_NOW {
    this.attempts++;
    if (this.ready instanceof Error) throw this.ready;
    return this.ready ?? NOT_NOW;
  }
  start(context: TokenContext<string>): void {
    this.starts++;
    setTimeout(() => context.resolve('started'), 1);
  }
}

describe('the attempt fast path', () => {
  it('a token that can complete now answers from attempt, without start; NOT_NOW falls back to start', async () => {
    const hub = new Hub();
    const token = new Quick();
    const result = await run(
      (function* () {
        token.ready = 'now';
        const a = yield* token;
        token.ready = null;
        const b = yield* token;
        return [a, b];
      })(),
      { hub },
    );
    expect(result).toEqual(['now', 'started']);
    expect(token.attempts).toBe(2);
    expect(token.starts).toBe(1);
  });

  it('attempt is tried once either way: inside yield* (which then never leaves the routine), or by the runner for a plain yield', async () => {
    const hub = new Hub();
    const token = new Quick();
    const result = await run(
      (function* () {
        token.ready = 'star';
        const a = yield* token;
        token.ready = 'plain';
        const b = (yield token) as string;
        token.ready = null;
        const c = (yield token) as string;
        return [a, b, c];
      })(),
      { hub },
    );
    expect(result).toEqual(['star', 'plain', 'started']);
    expect(token.attempts).toBe(3);
    expect(token.starts).toBe(1);
  });

  it('walked by hand outside any routine, a token is yielded as is: no attempt, nothing done behind the hub', () => {
    const token = new Quick();
    token.ready = 'now';
    const iterator = token[Symbol.iterator]();
    expect(iterator.next()).toEqual({ value: token, done: false });
    expect(iterator.next('sent back')).toEqual({ value: 'sent back', done: true });
    expect(token.attempts).toBe(0);
  });

  it('an error thrown by attempt is thrown into the routine, which can catch it and go on', async () => {
    const hub = new Hub();
    const token = new Quick();
    token.ready = new Error('refused');
    const result = await run(
      (function* () {
        try {
          yield* token;
          return 'not thrown';
        } catch (error) {
          return (error as Error).message;
        }
      })(),
      { hub },
    );
    expect(result).toBe('refused');
    expect(token.starts).toBe(0);
  });

  it('a group member is started, never attempted (a group must be able to tear every member down)', async () => {
    const hub = new Hub();
    const token = new Quick();
    token.ready = 'now';
    const result = await run(
      (function* () {
        return yield* first(token, sleep(30));
      })(),
      { hub },
    );
    expect(result[0]).toBe('started');
    expect(token.attempts).toBe(0);
    expect(token.starts).toBe(1);
  });
});
