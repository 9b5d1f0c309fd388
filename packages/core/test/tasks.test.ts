import { describe, expect, it } from 'vitest';
import {
  Application,
  Cancelled,
  Client,
  Hub,
  InvalidYield,
  Loop,
  Service,
  Timeout,
  all,
  call,
  fire,
  race,
  run,
  sleep,
  spawn,
  timeout,
  until,
  wait,
  type Routine,
} from '../src/index.js';
import { FakeClock, MemoryLogger } from '../src/testing/index.js';
import { closed, dial, line, serve, until as eventually } from './helpers.js';

function* child(value: number, seconds: number, log?: string[]) {
  try {
    yield* sleep(seconds);
    return value;
  } finally {
    log?.push(`child ${value} finally`);
  }
}

function* failing(message: string, seconds: number): Routine<never> {
  yield* sleep(seconds);
  throw new Error(message);
}

describe('spawn, join, cancel', () => {
  it('join() gives the child its result; joining twice, and after it ended, is fine', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const done = run(
      (function* () {
        const task = yield* spawn(child, 7, 2);
        const before = task.done;
        const first = yield* task.join();
        const second = yield* task.join();
        return [before, first, second, task.done];
      })(),
      { hub },
    );
    await clock.advance(2);
    expect(await done).toEqual([false, 7, 7, true]);
    expect(hub.size).toBe(0);
  });

  it('children run concurrently with their parent', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const done = run(
      (function* () {
        const a = yield* spawn(child, 1, 3);
        const b = yield* spawn(child, 2, 3);
        return [yield* a.join(), yield* b.join()];
      })(),
      { hub },
    );
    await clock.advance(3); // both slept the same 3 s at once, not 6 s one after the other
    expect(await done).toEqual([1, 2]);
  });

  it("join() throws the child's error, which then is not thrown into the parent again", async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const done = run(
      (function* () {
        const task = yield* spawn(failing, 'boom', 1);
        let caught = '';
        try {
          yield* task.join();
        } catch (error) {
          caught = (error as Error).message;
        }
        yield* sleep(5); // no second delivery of the same error here
        return caught;
      })(),
      { hub },
    );
    await clock.advance(1);
    await clock.advance(5);
    expect(await done).toBe('boom');
  });

  it('a child that fails and was not joined throws its error into its parent at its suspension point', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const log: string[] = [];
    const done = run(
      (function* () {
        yield* spawn(failing, 'unjoined', 1);
        try {
          yield* sleep(100);
          return 'slept';
        } catch (error) {
          log.push(`parent caught ${(error as Error).message}`);
          throw error;
        }
      })(),
      { hub },
    );
    const rejected = expect(done).rejects.toThrow('unjoined');
    await clock.advance(1);
    await rejected;
    expect(log).toEqual(['parent caught unjoined']);
    expect(clock.pending).toBe(0); // the parent's sleep was torn down
  });

  it('a child that fails at once (before the parent could join) is delivered at the next suspension, once', async () => {
    const hub = new Hub();
    function* boom(): Routine<never> {
      throw new Error('at once');
    }
    const result = await run(
      (function* () {
        const task = yield* spawn(boom);
        try {
          yield* task.join();
        } catch (error) {
          return `joined: ${(error as Error).message}`;
        }
        return 'no';
      })(),
      { hub },
    );
    expect(result).toBe('joined: at once');
    await expect(
      run(
        (function* () {
          yield* spawn(boom);
          yield* sleep(0);
          return 'no';
        })(),
        { hub },
      ),
    ).rejects.toThrow('at once');
  });

  it('cancel() throws Cancelled at the child\'s suspension point, runs its finally blocks (which may yield), and returns once it ended', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const log: string[] = [];
    function* worker() {
      try {
        yield* sleep(100);
      } catch (error) {
        log.push(`worker saw ${(error as Cancelled).code}`);
        throw error;
      } finally {
        yield* sleep(1); // cleanup I/O after the cancel
        log.push('worker cleaned up');
      }
    }
    const done = run(
      (function* () {
        const task = yield* spawn(worker);
        yield* sleep(1);
        log.push('cancelling');
        yield* task.cancel();
        log.push(`cancel returned, done=${task.done}`);
        let joined = '';
        try {
          yield* task.join();
        } catch (error) {
          joined = (error as Cancelled).code;
        }
        return joined;
      })(),
      { hub },
    );
    await clock.advance(1);
    expect(log).toEqual(['cancelling', 'worker saw DIESEL_ERR_CANCELLED']);
    await clock.advance(1);
    expect(await done).toBe('DIESEL_ERR_CANCELLED');
    expect(log).toEqual(['cancelling', 'worker saw DIESEL_ERR_CANCELLED', 'worker cleaned up', 'cancel returned, done=true']);
    expect(hub.size).toBe(0);
  });

  it('cancel() of a task that already ended returns at once', async () => {
    const hub = new Hub();
    const result = await run(
      (function* () {
        const task = yield* spawn(function* () {
          return 1;
        });
        yield* task.cancel();
        return yield* task.join();
      })(),
      { hub },
    );
    expect(result).toBe(1);
  });

  it("a routine's unfinished children are cancelled when it returns, throws, or is cancelled", async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const log: string[] = [];
    function* parent(how: 'return' | 'throw') {
      yield* spawn(child, 1, 100, log);
      yield* spawn(child, 2, 100, log);
      yield* sleep(1);
      if (how === 'throw') throw new Error('parent failed');
      return 'parent done';
    }
    const returned = run(parent('return'), { hub });
    await clock.advance(1);
    expect(await returned).toBe('parent done');
    expect(log).toEqual(['child 1 finally', 'child 2 finally']);
    expect(hub.size).toBe(0);

    log.length = 0;
    const threw = expect(run(parent('throw'), { hub })).rejects.toThrow('parent failed');
    await clock.advance(1);
    await threw;
    expect(log).toEqual(['child 1 finally', 'child 2 finally']);

    log.length = 0;
    const outer = run(
      (function* () {
        const middle = yield* spawn(function* middle() {
          yield* spawn(child, 3, 100, log); // a grandchild
          yield* sleep(100);
        });
        yield* sleep(1);
        yield* middle.cancel();
        return hub.size;
      })(),
      { hub },
    );
    await clock.advance(1);
    expect(await outer).toBe(1); // only the outer routine is left
    expect(log).toEqual(['child 3 finally']);
    expect(clock.pending).toBe(0);
  });

  it('yield new Loop(fn) stays detached: it outlives the routine that started it', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const log: string[] = [];
    await run(
      (function* () {
        yield new Loop(function* detached() {
          yield* sleep(5);
          log.push('loop still ran');
        });
        return 'parent done';
      })(),
      { hub },
    );
    expect(hub.size).toBe(1);
    await clock.advance(5);
    expect(log).toEqual(['loop still ran']);
    expect(hub.size).toBe(0);
  });

  it('halting the hub ends parents and children alike', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const log: string[] = [];
    hub.spawn(
      (function* () {
        yield* spawn(child, 1, 100, log);
        yield* wait('never');
      })(),
    );
    expect(hub.size).toBe(2);
    hub.halt();
    expect(hub.size).toBe(0);
    expect(log).toEqual(['child 1 finally']);
  });

  it('spawn() of a function that is not a generator function is a clear InvalidYield', async () => {
    const hub = new Hub();
    const result = await run(
      (function* () {
        try {
          yield* spawn((() => 42) as unknown as () => Routine<number>);
        } catch (error) {
          return error;
        }
      })(),
      { hub },
    );
    expect(result).toBeInstanceOf(InvalidYield);
    expect((result as InvalidYield).message).toMatch(/generator function/);
    expect(() => spawn(42 as unknown as () => Routine)).toThrow(TypeError);
  });
});

describe('timeout, all, race', () => {
  it('timeout(): the result when the op finishes in time; Timeout (and the op cancelled) when it does not', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const log: string[] = [];
    const inTime = run(
      (function* () {
        const value = yield* timeout(5, child(1, 2, log));
        // The cleared deadline must not interrupt what the routine does next.
        yield* sleep(10);
        return value;
      })(),
      { hub },
    );
    await clock.advance(2);
    await clock.advance(10);
    expect(await inTime).toBe(1);

    log.length = 0;
    const late = run(
      (function* () {
        try {
          return yield* timeout(1, child(2, 10, log));
        } catch (error) {
          return [(error as Timeout).code, (error as Timeout).seconds, error instanceof Timeout];
        }
      })(),
      { hub },
    );
    await clock.advance(1);
    expect(await late).toEqual(['DIESEL_ERR_TIMEOUT', 1, true]);
    expect(log).toEqual(['child 2 finally']);
    expect(clock.pending).toBe(0);
  });

  it('the op sees Cancelled, not Timeout; nested timeouts each report their own', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const seen: string[] = [];
    function* op() {
      try {
        yield* sleep(100);
      } catch (error) {
        seen.push((error as Cancelled).code);
        throw error;
      }
    }
    const done = run(
      (function* () {
        try {
          yield* timeout(10, timeout(1, op()));
        } catch (error) {
          return (error as Timeout).seconds;
        }
      })(),
      { hub },
    );
    await clock.advance(1);
    expect(await done).toBe(1);
    expect(seen).toEqual(['DIESEL_ERR_CANCELLED']);
    await clock.advance(20); // the outer deadline passes: it was cleared, nothing is thrown anywhere
    expect(hub.size).toBe(0);
  });

  it('many timeouts, set and cleared out of order, each fire at their own time', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const outcomes: string[] = [];
    function* limited(name: string, limit: number, takes: number) {
      try {
        yield* timeout(limit, sleep(takes));
        outcomes.push(`${name} done at ${clock.now() / 1000}`);
      } catch (error) {
        outcomes.push(`${name} ${(error as Timeout).code} at ${clock.now() / 1000}`);
      }
    }
    // Deadlines at 5, 1, 3, 2 and 100 (inserted out of order); 200 routines that finish in time in between.
    for (const [name, limit, takes] of [['a', 5, 10], ['b', 1, 10], ['c', 3, 10], ['d', 2, 1.5], ['e', 100, 4]] as const) {
      hub.spawn(limited(name, limit, takes));
    }
    for (let i = 0; i < 200; i++) hub.spawn(limited(`quick${i}`, 50, 0.5));
    for (let second = 0; second < 6; second++) await clock.advance(1);
    expect(outcomes.filter((line) => !line.startsWith('quick'))).toEqual([
      'b DIESEL_ERR_TIMEOUT at 1',
      'd done at 1.5',
      'c DIESEL_ERR_TIMEOUT at 3',
      'e done at 4',
      'a DIESEL_ERR_TIMEOUT at 5',
    ]);
    expect(outcomes.filter((line) => line.startsWith('quick')).every((line) => line.endsWith('done at 0.5'))).toBe(true);
    expect(hub.size).toBe(0);
  });

  it('timeout() of a single token', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const done = run(
      (function* () {
        try {
          return yield* timeout(2, wait<string>('reply'));
        } catch (error) {
          return (error as Timeout).code;
        }
      })(),
      { hub },
    );
    await clock.advance(2);
    expect(await done).toBe('DIESEL_ERR_TIMEOUT');
    expect(await run(fire('reply', 'late'), { hub })).toBe(0); // the wait was unregistered
    expect(() => timeout(-1, sleep(1)).next()).toThrow(RangeError);
  });

  it('all(): every result in order; the first failure cancels the rest and is thrown', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const ok = run(all([child(1, 3), child(2, 1), sleep(2)]), { hub });
    await clock.advance(3);
    expect(await ok).toEqual([1, 2, true]);

    const log: string[] = [];
    const failed = expect(run(all([child(1, 10, log), failing('second failed', 1), child(3, 10, log)]), { hub })).rejects.toThrow('second failed');
    await clock.advance(1);
    await failed;
    expect(log).toEqual(['child 1 finally', 'child 3 finally']);
    expect(hub.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(await run(all([]), { hub })).toEqual([]);
  });

  it('race(): the first to finish wins, the losers are cancelled', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const log: string[] = [];
    const done = run(race([child(1, 5, log), child(2, 1, log), child(3, 9, log)]), { hub });
    await clock.advance(1);
    expect(await done).toBe(2);
    expect(log.sort()).toEqual(['child 1 finally', 'child 2 finally', 'child 3 finally']);
    expect(hub.size).toBe(0);
    expect(clock.pending).toBe(0);
    const failed = expect(run(race([failing('fast failure', 1), child(2, 5)]), { hub })).rejects.toThrow('fast failure');
    await clock.advance(1);
    await failed;
  });

  it('misuse: functions instead of generator objects, an empty race', async () => {
    const hub = new Hub();
    const passFunction = run(all([child as unknown as Routine]), { hub });
    await expect(passFunction).rejects.toBeInstanceOf(InvalidYield);
    await expect(passFunction).rejects.toThrow(/did you pass the function/);
    await expect(run(race([]), { hub })).rejects.toThrow(/at least one/);
  });
});

class EchoClient extends Client {
  @call *echo(message: string) {
    yield `${message}\r\n`;
    return yield* until('\r\n');
  }
}

describe('over real sockets', () => {
  it('timeout() on a real echo client call: Timeout when the server does not answer, the client usable again after', async () => {
    // Answers every line except "hang", which it swallows.
    const { app, port } = await serve(function* () {
      while (true) {
        const message = yield* until('\r\n');
        if (message !== 'hang\r\n') yield `you said: ${message}`;
      }
    });
    try {
      const result = await run(
        (function* () {
          const client = new EchoClient();
          yield* client.connect('127.0.0.1', port);
          const first = yield* timeout(10, client.echo('hi'));
          let timedOut = '';
          try {
            yield* timeout(0.2, client.echo('hang'));
          } catch (error) {
            timedOut = (error as Timeout).code;
          }
          // The cancelled call released the client: the next call goes through.
          const after = yield* timeout(10, client.echo('again'));
          client.close();
          return [first, timedOut, after];
        })(),
      );
      expect(result).toEqual(['you said: hi\r\n', 'DIESEL_ERR_TIMEOUT', 'you said: again\r\n']);
    } finally {
      app.halt();
    }
  });

  it('cancelling a child blocked in until() on the connection: its finally runs, the parent goes on serving', async () => {
    const log: string[] = [];
    const { app, port } = await serve(function* () {
      const reader = yield* spawn(function* reader() {
        try {
          return yield* until('\r\n');
        } finally {
          log.push('reader finally');
        }
      });
      yield* sleep(0.05);
      yield* reader.cancel();
      yield 'reader cancelled\r\n';
      const next = yield* until('\r\n');
      yield `parent read ${next}`;
    });
    try {
      const socket = await dial(port);
      expect(await line(socket)).toBe('reader cancelled\r\n');
      socket.write('hello\r\n');
      expect(await line(socket)).toBe('parent read hello\r\n');
      expect(log).toEqual(['reader finally']);
      socket.destroy();
    } finally {
      app.halt();
    }
  });

  it('after the client disconnects no routine of its connection remains; a neighbour is still served', async () => {
    const logger = new MemoryLogger();
    const app = new Application({ logger });
    const log: string[] = [];
    const service = new Service(
      function* () {
        // A helper per connection, as a proxy or a chat relay would have.
        yield* spawn(function* ticker() {
          try {
            while (true) yield* sleep(0.01);
          } finally {
            log.push('ticker ended');
          }
        });
        while (true) {
          const message = yield* until('\r\n');
          yield `you said: ${message}`;
        }
      },
      { port: 0, host: '127.0.0.1' },
    );
    app.addService(service);
    await app.start();
    try {
      const leaving = await dial(service.port);
      const staying = await dial(service.port);
      await eventually(() => app.hub.size === 4, 'two handlers and two tickers');
      leaving.write('bye\r\n');
      expect(await line(leaving)).toBe('you said: bye\r\n');
      leaving.end();
      await closed(leaving);
      await eventually(() => app.hub.size === 2, 'the leaving connection to leave no routine behind');
      expect(log).toEqual(['ticker ended']);
      staying.write('still there?\r\n');
      expect(await line(staying)).toBe('you said: still there?\r\n');
      staying.destroy();
      await eventually(() => app.hub.size === 0, 'every routine to end');
    } finally {
      app.halt();
    }
  });

  it("a child's failure ends only its own connection's handler", async () => {
    const { app, port, logger } = await serve(function* () {
      const first = yield* until('\r\n');
      if (first === 'fail\r\n') {
        yield* spawn(function* () {
          throw new Error('child bug');
        });
      }
      yield `ok ${first}`;
      yield* until('\r\n');
    });
    try {
      const bad = await dial(port);
      const good = await dial(port);
      bad.write('fail\r\n');
      await closed(bad);
      good.write('hi\r\n');
      expect(await line(good)).toBe('ok hi\r\n');
      expect(logger.lines.some((entry) => entry.includes('child bug'))).toBe(true);
      good.destroy();
    } finally {
      app.halt();
    }
  });
});

