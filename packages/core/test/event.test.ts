import { describe, expect, it } from 'vitest';
import { Event, Hub, first, run, sleep, type Routine } from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';

describe('Event', () => {
  it('wait() suspends until set(); set() wakes every waiter; a set event does not suspend', async () => {
    const hub = new Hub();
    const ready = new Event();
    const woken: string[] = [];
    const waiters = ['a', 'b'].map((name) =>
      run(
        (function* (): Routine<void> {
          yield* ready.wait();
          woken.push(name);
        })(),
        { hub },
      ),
    );
    expect(ready.waiting).toBe(2);
    expect(woken).toEqual([]);
    ready.set();
    await Promise.all(waiters);
    expect(woken).toEqual(['a', 'b']);
    expect(ready.isSet).toBe(true);
    // Late comer: returns at once.
    expect(await run(ready.wait(), { hub })).toBe(true);
    ready.clear();
    expect(ready.isSet).toBe(false);
    const again = run(first(ready.wait(), sleep(0.01)), { hub });
    expect(await again).toEqual([undefined, true]); // cleared: waits again
  });

  it('groupable: a wait that loses to a sleep leaves no waiter behind', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const ready = new Event();
    const result = run(first(ready.wait(), sleep(5)), { hub });
    await clock.advance(5);
    expect(await result).toEqual([undefined, true]);
    expect(ready.waiting).toBe(0);
  });
});
