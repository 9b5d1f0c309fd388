import { describe, expect, it } from 'vitest';
import { Application, Hub, Loop, first, run, signal, signalWaiters, sleep, type Routine } from '../src/index.js';
import { FakeClock, MemoryLogger } from '../src/testing/index.js';
import { until as poll } from './helpers.js';

// Tests run in a forked worker process (vitest's default pool), so these signals reach
// only this test process. A listener is always in place before a signal is sent.

describe('signal(name)', () => {
  it('suspends until the process gets the signal; one listener for all waiters, removed when none waits', async () => {
    const hub = new Hub();
    const before = process.listenerCount('SIGHUP');
    const a = run(signal('SIGHUP'), { hub });
    const b = run(signal('SIGHUP'), { hub });
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    expect(signalWaiters('SIGHUP')).toBe(2);
    process.kill(process.pid, 'SIGHUP');
    expect(await a).toBe('SIGHUP');
    expect(await b).toBe('SIGHUP');
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });

  it('groupable: first(signal(SIGHUP), sleep(60)) is a reload loop; the loser removes its listener', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const before = process.listenerCount('SIGUSR2');
    const events: string[] = [];
    const reloader = run(
      (function* reloadLoop(): Routine<void> {
        for (let round = 0; round < 3; round++) {
          const [got, timedOut] = yield* first(signal('SIGUSR2'), sleep(60));
          events.push(got !== undefined ? 'reload on signal' : timedOut ? 'periodic reload' : '?');
        }
      })(),
      { hub },
    );
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    await clock.advance(60);
    await poll(() => events.length === 1, 'the periodic reload');
    process.kill(process.pid, 'SIGUSR2');
    await poll(() => events.length === 2, 'the signalled reload');
    await clock.advance(60);
    await reloader;
    expect(events).toEqual(['periodic reload', 'reload on signal', 'periodic reload']);
    expect(process.listenerCount('SIGUSR2')).toBe(before);
    expect(clock.pending).toBe(0);
  });

  it('halting removes the listener', async () => {
    const app = new Application({ logger: new MemoryLogger() });
    const before = process.listenerCount('SIGUSR1');
    app.addLoop(new Loop(function* waiter(): Routine<void> {
      yield* signal('SIGUSR1');
    }));
    await app.start();
    await poll(() => process.listenerCount('SIGUSR1') === before + 1, 'the listener');
    app.halt();
    await app.halted();
    expect(process.listenerCount('SIGUSR1')).toBe(before);
    expect(signalWaiters('SIGUSR1')).toBe(0);
  });

  it('rejects a name that is not a signal', () => {
    expect(() => signal('HUP' as NodeJS.Signals)).toThrow(RangeError);
  });
});
