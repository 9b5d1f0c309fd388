import { afterEach, describe, expect, it } from 'vitest';
import { Hub, Queue, fire, run, wait, type Routine } from '../src/index.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Collects what would have been uncaught exceptions, for the length of one test. */
function captureUncaught(): unknown[] {
  const caught: unknown[] = [];
  process.setUncaughtExceptionCaptureCallback((error) => caught.push(error));
  return caught;
}

describe('errors thrown while routines are being woken', () => {
  afterEach(() => {
    process.setUncaughtExceptionCaptureCallback(null);
  });

  it('an exit callback that throws in a wake batch surfaces as an uncaught exception, and the rest of the batch is still resumed', async () => {
    const caught = captureUncaught();
    const hub = new Hub();
    const queue = new Queue<number>();
    const got: number[] = [];
    const getter = (): Routine<void> =>
      (function* (): Routine<void> {
        got.push(yield* queue.get());
      })();
    hub.spawn(getter(), {
      onExit: () => {
        throw new Error('exit callback failed');
      },
    });
    hub.spawn(getter());
    await tick();
    expect(queue.waitingGetters).toBe(2);
    queue.tryPut(1); // both granted in this step: one batch resumes both
    queue.tryPut(2);
    await tick();
    await tick();
    expect(got).toEqual([1, 2]);
    expect(caught).toHaveLength(1);
    expect((caught[0] as Error).message).toBe('exit callback failed');
  });

  it('an exit callback that throws in a routine woken mid-step (by a fire) surfaces as an uncaught exception; its neighbour is woken too', async () => {
    const caught = captureUncaught();
    const hub = new Hub();
    const got: string[] = [];
    const waiter = (name: string): Routine<void> =>
      (function* (): Routine<void> {
        got.push(`${name} ${String(yield* wait<string>('bell'))}`);
      })();
    hub.spawn(waiter('a'), {
      onExit: () => {
        throw new Error('exit callback failed');
      },
    });
    hub.spawn(waiter('b'));
    await tick();
    const woken = await run(
      (function* (): Routine<number> {
        return yield* fire('bell', 'ding');
      })(),
      { hub },
    );
    await tick();
    await tick();
    expect(woken).toBe(2);
    expect(got).toEqual(['a ding', 'b ding']);
    expect(caught).toHaveLength(1);
    expect((caught[0] as Error).message).toBe('exit callback failed');
  });
});
