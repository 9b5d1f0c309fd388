import { describe, expect, it } from 'vitest';
import { Application, Hub, Lock, LockAlreadyHeld, LockNotHeld, Loop, Semaphore, first, run, sleep, type Routine } from '../src/index.js';
import { FakeClock, MemoryLogger } from '../src/testing/index.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Lock', () => {
  it('one holder at a time; waiters get it in arrival order; hold() releases in finally', async () => {
    const hub = new Hub();
    const lock = new Lock();
    const log: string[] = [];
    function* worker(name: string): Routine<string> {
      return yield* lock.hold(
        (function* (): Routine<string> {
          log.push(`${name} in`);
          yield* sleep(0.01);
          log.push(`${name} out`);
          return name;
        })(),
      );
    }
    const results = await Promise.all(['a', 'b', 'c'].map((name) => run(worker(name), { hub })));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    expect(lock.locked).toBe(false);
  });

  it('hold() releases when the operation throws', async () => {
    const hub = new Hub();
    const lock = new Lock();
    await expect(
      run(
        lock.hold(
          (function* (): Routine<void> {
            yield* sleep(0);
            throw new Error('inside');
          })(),
        ),
        { hub },
      ),
    ).rejects.toThrow('inside');
    expect(lock.locked).toBe(false);
  });

  it('releasing a lock you do not hold is DIESEL_ERR_LOCK_NOT_HELD', async () => {
    const hub = new Hub();
    const lock = new Lock();
    expect(() => lock.release()).toThrow(LockNotHeld); // outside any routine
    await expect(
      run(
        (function* (): Routine<void> {
          lock.release();
        })(),
        { hub },
      ),
    ).rejects.toMatchObject({ code: 'DIESEL_ERR_LOCK_NOT_HELD' });
    // Held by another routine: still not yours.
    const holder = run(lock.hold(sleep(0.05)), { hub });
    await tick();
    await expect(
      run(
        (function* (): Routine<void> {
          lock.release();
        })(),
        { hub },
      ),
    ).rejects.toBeInstanceOf(LockNotHeld);
    await holder;
  });

  it('acquiring a lock you hold is DIESEL_ERR_LOCK_ALREADY_HELD, not a deadlock', async () => {
    const hub = new Hub();
    const lock = new Lock();
    await expect(
      run(
        (function* (): Routine<void> {
          yield* lock.acquire();
          yield* lock.acquire();
        })(),
        { hub },
      ),
    ).rejects.toBeInstanceOf(LockAlreadyHeld);
    expect(lock.locked).toBe(false); // and the routine ending released it
  });

  it('a routine that ends while holding the lock releases it; the next waiter gets it', async () => {
    const hub = new Hub();
    const lock = new Lock();
    await run(
      (function* (): Routine<void> {
        yield* lock.acquire(); // and never releases
      })(),
      { hub },
    );
    expect(lock.locked).toBe(false);
    const log: string[] = [];
    const forgetful = run(
      (function* (): Routine<void> {
        yield* lock.acquire();
        yield* sleep(0.01);
        log.push('forgetful ends');
      })(),
      { hub },
    );
    const next = run(
      (function* (): Routine<void> {
        yield* lock.acquire();
        log.push('next has it');
        lock.release();
      })(),
      { hub },
    );
    await Promise.all([forgetful, next]);
    expect(log).toEqual(['forgetful ends', 'next has it']);
  });

  it('acquire() in a group with a sleep is an acquire with a timeout; the loser leaves no trace', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const lock = new Lock();
    const holder = run(lock.hold(sleep(10)), { hub });
    const impatient = run(first(lock.acquire(), sleep(1)), { hub });
    expect(lock.waiting).toBe(1);
    await clock.advance(1);
    expect(await impatient).toEqual([undefined, true]);
    expect(lock.waiting).toBe(0);
    await clock.advance(9);
    await holder;
    expect(lock.locked).toBe(false);
    expect(await run(first(lock.acquire(), sleep(1)), { hub })).toEqual([true, undefined]);
    expect(lock.locked).toBe(false); // that routine ended: released for it
  });

  it('a halted app leaves nothing held and nobody waiting', async () => {
    const app = new Application({ logger: new MemoryLogger() });
    const lock = new Lock();
    const semaphore = new Semaphore(2);
    for (let i = 0; i < 5; i++) {
      app.addLoop(new Loop(function* contender(): Routine<void> {
        for (;;) yield* lock.hold(semaphore.hold(sleep(1)));
      }));
    }
    await app.start();
    await tick();
    expect(lock.locked).toBe(true);
    expect(lock.waiting).toBe(4);
    app.halt();
    await app.halted();
    expect(lock.locked).toBe(false);
    expect(lock.waiting).toBe(0);
    expect(semaphore.available).toBe(2);
  });
});

describe('Semaphore', () => {
  it('lets n routines in at once, the rest in arrival order', async () => {
    const hub = new Hub();
    const semaphore = new Semaphore(2);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    function* job(n: number): Routine<void> {
      yield* semaphore.hold(
        (function* (): Routine<void> {
          inside++;
          most = Math.max(most, inside);
          order.push(n);
          yield* sleep(0.005);
          inside--;
        })(),
      );
    }
    await Promise.all([0, 1, 2, 3, 4, 5].map((n) => run(job(n), { hub })));
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(semaphore.available).toBe(2);
  });

  it('a routine may hold several permits; release() by one that holds none is LockNotHeld; ending gives all back', async () => {
    const hub = new Hub();
    const semaphore = new Semaphore(3);
    await run(
      (function* (): Routine<void> {
        yield* semaphore.acquire();
        yield* semaphore.acquire();
        expect(semaphore.available).toBe(1);
        semaphore.release();
        expect(semaphore.available).toBe(2);
        // ends holding one
      })(),
      { hub },
    );
    expect(semaphore.available).toBe(3);
    await expect(
      run(
        (function* (): Routine<void> {
          semaphore.release();
        })(),
        { hub },
      ),
    ).rejects.toMatchObject({ code: 'DIESEL_ERR_LOCK_NOT_HELD' });
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
