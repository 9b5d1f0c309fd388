import { describe, expect, it } from 'vitest';
import { Cancelled, Hub, Lock, Queue, Semaphore, Timeout, run, sleep, spawn, timeout, type Routine } from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';

// Queues and locks under structured cancellation: a cancelled task, a parent that ends,
// a timeout that expires — none may leave a waiter in line or a permit held.
describe('synchronization and cancellation', () => {
  it('a task cancelled while holding a lock releases it in finally; one cancelled while waiting leaves the line', async () => {
    const hub = new Hub();
    const lock = new Lock();
    const result = await run(
      (function* (): Routine<string[]> {
        const log: string[] = [];
        const holder = yield* spawn(function* (): Routine<void> {
          yield* lock.hold(sleep(60));
        });
        const waiter = yield* spawn(function* (): Routine<void> {
          try {
            yield* lock.acquire();
            log.push('waiter got it');
          } catch (error) {
            log.push(error instanceof Cancelled ? 'waiter cancelled' : 'waiter failed');
            throw error;
          }
        });
        yield* sleep(0);
        log.push(`locked=${lock.locked} waiting=${lock.waiting}`);
        yield* waiter.cancel();
        log.push(`after waiter cancel: waiting=${lock.waiting}`);
        yield* holder.cancel();
        log.push(`after holder cancel: locked=${lock.locked}`);
        return log;
      })(),
      { hub },
    );
    expect(result).toEqual(['locked=true waiting=1', 'waiter cancelled', 'after waiter cancel: waiting=0', 'after holder cancel: locked=false']);
  });

  it('timeout() around a queue get: Timeout, and the getter left the line', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const queue = new Queue<number>();
    const outcome = run(timeout(2, queue.get()), { hub }).catch((error: unknown) => error);
    expect(queue.waitingGetters).toBe(1);
    await clock.advance(2);
    expect(await outcome).toBeInstanceOf(Timeout);
    expect(queue.waitingGetters).toBe(0);
    queue.tryPut(7);
    expect(queue.size).toBe(1);
  });

  it('children holding permits when their parent ends give them back', async () => {
    const hub = new Hub();
    const slots = new Semaphore(2);
    await run(
      (function* (): Routine<void> {
        for (let i = 0; i < 4; i++) {
          yield* spawn(function* (): Routine<void> {
            yield* slots.hold(sleep(60));
          });
        }
        yield* sleep(0);
        expect(slots.available).toBe(0);
        expect(slots.waiting).toBe(2);
        // The parent returns: its unfinished children are cancelled.
      })(),
      { hub },
    );
    expect(slots.available).toBe(2);
    expect(slots.waiting).toBe(0);
  });
});
