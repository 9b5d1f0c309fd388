import { describe, expect, it } from 'vitest';
import { Application, Cancelled, Hub, Loop, Queue, QueueClosed, first, run, sleep, untilEol, wait, type Routine, type Runner } from '../src/index.js';
import { FakeClock, MemoryLogger } from '../src/testing/index.js';
import { dial, line, serve, until as poll } from './helpers.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Queue', () => {
  it('put suspends while full (backpressure), get while empty; items come out in order', async () => {
    const hub = new Hub();
    const queue = new Queue<number>({ maxSize: 2 });
    const log: string[] = [];
    const producer = run(
      (function* (): Routine<void> {
        for (let i = 1; i <= 5; i++) {
          yield* queue.put(i);
          log.push(`put ${i}`);
        }
      })(),
      { hub },
    );
    await tick();
    // Two fit; the third put is suspended.
    expect(log).toEqual(['put 1', 'put 2']);
    expect(queue.size).toBe(2);
    expect(queue.waitingPutters).toBe(1);
    const got = await run(
      (function* (): Routine<number[]> {
        const items: number[] = [];
        for (let i = 0; i < 5; i++) items.push(yield* queue.get());
        return items;
      })(),
      { hub },
    );
    await producer;
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(queue.size).toBe(0);
  });

  it('getters are served first come, first served', async () => {
    const hub = new Hub();
    const queue = new Queue<string>();
    const order: string[] = [];
    const getters = ['a', 'b', 'c'].map((name) =>
      run(
        (function* (): Routine<void> {
          order.push(`${name} got ${yield* queue.get()}`);
        })(),
        { hub },
      ),
    );
    expect(queue.waitingGetters).toBe(3);
    for (const item of ['1', '2', '3']) expect(queue.tryPut(item)).toBe(true);
    await Promise.all(getters);
    expect(order).toEqual(['a got 1', 'b got 2', 'c got 3']);
  });

  it('tryPut / tryGet never suspend', () => {
    const queue = new Queue<number>({ maxSize: 1 });
    expect(queue.tryGet()).toBeUndefined();
    expect(queue.tryPut(1)).toBe(true);
    expect(queue.tryPut(2)).toBe(false);
    expect(queue.tryGet()).toBe(1);
    expect(queue.tryGet()).toBeUndefined();
  });

  it('close(): put throws DIESEL_ERR_QUEUE_CLOSED; getters drain, then get QueueClosed; waiting putters and getters are woken with it', async () => {
    const hub = new Hub();
    const full = new Queue<number>({ maxSize: 1 });
    full.tryPut(1);
    const blockedPut = run(full.put(2), { hub });
    await tick();
    full.close();
    await expect(blockedPut).rejects.toMatchObject({ code: 'DIESEL_ERR_QUEUE_CLOSED' });
    expect(() => full.tryPut(3)).toThrow(QueueClosed);
    await expect(run(full.put(3), { hub })).rejects.toBeInstanceOf(QueueClosed);
    expect(await run(full.get(), { hub })).toBe(1); // drained first: nothing lost
    await expect(run(full.get(), { hub })).rejects.toMatchObject({ code: 'DIESEL_ERR_QUEUE_CLOSED' });

    const empty = new Queue<number>();
    const waitingGet = run(empty.get(), { hub });
    empty.close();
    await expect(waitingGet).rejects.toBeInstanceOf(QueueClosed);
  });

  it('a consumer loop ends cleanly on the end signal', async () => {
    const hub = new Hub();
    const queue = new Queue<string>({ maxSize: 4 });
    const consumer = run(
      (function* (): Routine<string[]> {
        const seen: string[] = [];
        try {
          for (;;) seen.push(yield* queue.get());
        } catch (error) {
          if (!(error instanceof QueueClosed)) throw error;
        }
        return seen;
      })(),
      { hub },
    );
    await run(
      (function* (): Routine<void> {
        for (const word of ['a', 'b', 'c', 'd', 'e', 'f']) yield* queue.put(word);
        queue.close();
      })(),
      { hub },
    );
    expect(await consumer).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('get() in a group with a sleep: the loser leaves nothing behind', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const queue = new Queue<string>();
    const first1 = run(first(queue.get(), sleep(5)), { hub });
    expect(queue.waitingGetters).toBe(1);
    await clock.advance(5);
    expect(await first1).toEqual([undefined, true]);
    expect(queue.waitingGetters).toBe(0); // the losing get left the line
    queue.tryPut('kept');
    expect(queue.size).toBe(1); // nobody stale took it
    expect(await run(first(queue.get(), sleep(5)), { hub })).toEqual(['kept', undefined]);
    expect(clock.pending).toBe(0);
  });

  it('an item handed to a getter that is stopped before it resumes goes back to the queue', async () => {
    const hub = new Hub();
    const queue = new Queue<string>();
    const getter = run(first(queue.get(), wait('never')), { hub });
    queue.tryPut('x'); // granted to the waiting getter, which resumes on a microtask...
    hub.halt(); // ...but is killed first
    await expect(getter).rejects.toMatchObject({ code: 'DIESEL_ERR_HALTED' });
    expect(queue.size).toBe(1);
    expect(queue.tryGet()).toBe('x');
  });

  it('a bare get granted an item and halted before it resumes gives the item back (the routine-suspension wake path)', async () => {
    const hub = new Hub();
    const queue = new Queue<string>();
    const getter = run(
      (function* (): Routine<string> {
        return yield* queue.get();
      })(),
      { hub },
    );
    await tick();
    expect(queue.waitingGetters).toBe(1);
    queue.tryPut('x'); // granted now, delivered by the next wake batch...
    hub.halt(); // ...which finds the routine gone: nothing resumes, the item is back
    await expect(getter).rejects.toMatchObject({ code: 'DIESEL_ERR_HALTED' });
    expect(queue.size).toBe(1);
    expect(queue.tryGet()).toBe('x');
    expect(queue.waitingGetters).toBe(0);
  });

  it('a getter cancelled by a neighbour in the same wake batch, after its item was granted, passes the item to the next getter', async () => {
    const hub = new Hub();
    const queue = new Queue<number>();
    const got: string[] = [];
    let victim: Runner | null = null;
    const getter = (name: string, onResume?: () => void): Routine<void> =>
      (function* (): Routine<void> {
        try {
          const item = yield* queue.get();
          got.push(`${name} ${item}`);
          onResume?.();
        } catch (error) {
          got.push(`${name} ${(error as { code?: string }).code ?? String(error)}`);
        }
      })();
    const ended = (): Promise<void> => new Promise((resolve) => hub.spawn(getter('c'), { onExit: () => resolve() }));
    hub.spawn(getter('a', () => victim!.interrupt(new Cancelled('cancelled by a'))));
    victim = hub.spawn(getter('b'));
    await tick();
    const cDone = ended();
    await tick();
    expect(queue.waitingGetters).toBe(3);
    // One step grants a 1 and b 2: both are resumed by the same batch, a first.
    queue.tryPut(1);
    queue.tryPut(2);
    await cDone;
    expect(got).toEqual(['a 1', 'b DIESEL_ERR_CANCELLED', 'c 2']);
    expect(queue.size).toBe(0);
    expect(queue.waitingGetters).toBe(0);
  });

  it('a halted app leaves no waiter behind', async () => {
    const logger = new MemoryLogger();
    const app = new Application({ logger });
    const queue = new Queue<number>({ maxSize: 1 });
    queue.tryPut(0);
    app.addLoop(new Loop(function* getter(): Routine<void> {
      for (;;) {
        yield* queue.get();
        yield* queue.get();
      }
    }));
    app.addLoop(new Loop(function* putter(): Routine<void> {
      // sleep(0) between puts: a producer and consumer handing items back and forth
      // without ever sleeping would run on microtasks alone and starve I/O (as two
      // async functions would).
      for (let i = 1; ; i++) {
        yield* queue.put(i);
        yield* sleep(0);
      }
    }));
    await app.start();
    await tick();
    app.halt();
    await app.halted();
    expect(queue.waitingGetters + queue.waitingPutters).toBe(0);
  });

  it('first(untilEol(), queue.get(), sleep(30)) on a real connection: a line or a queued message, whichever comes first', async () => {
    const outbox = new Queue<string>({ maxSize: 16 });
    const { app, port } = await serve(function* chatty(): Routine<void> {
      for (;;) {
        const [line, message, idle] = yield* first(untilEol(), outbox.get(), sleep(30));
        if (line !== undefined) yield `you said: ${line}`;
        else if (message !== undefined) yield `message: ${message}\n`;
        else if (idle) return;
      }
    });
    try {
      const client = await dial(port);
      client.write('hello\n');
      expect(await line(client, '\n')).toBe('you said: hello\n');
      await poll(() => outbox.waitingGetters === 1, 'the handler to wait');
      outbox.tryPut('from another routine');
      expect(await line(client, '\n')).toBe('message: from another routine\n');
      client.write('again\n');
      expect(await line(client, '\n')).toBe('you said: again\n');
      await poll(() => outbox.waitingGetters === 1, 'the handler to wait again');
      client.destroy();
      await poll(() => outbox.waitingGetters === 0, 'the closed connection to leave the queue');
    } finally {
      app.halt();
    }
  });

  it('yield* on a put or get that completes at once never leaves the routine: a sibling does not run in between', async () => {
    const hub = new Hub();
    const queue = new Queue<number>({ maxSize: 100 });
    const log: string[] = [];
    const a = run(
      (function* (): Routine<void> {
        for (let i = 0; i < 3; i++) {
          yield* queue.put(i);
          log.push(`put ${i}`);
        }
        for (let i = 0; i < 3; i++) log.push(`got ${yield* queue.get()}`);
      })(),
      { hub },
    );
    const b = run(
      (function* (): Routine<void> {
        log.push('b');
      })(),
      { hub },
    );
    await Promise.all([a, b]);
    // All of a's step ran before b started: each put and get completed inside its yield*.
    expect(log).toEqual(['put 0', 'put 1', 'put 2', 'got 0', 'got 1', 'got 2', 'b']);
  });

  it('a put token kept and yielded by two routines at once is DIESEL_ERR_INVALID_YIELD for the second, not a put that did nothing', async () => {
    const hub = new Hub();
    const queue = new Queue<string>({ maxSize: 1 });
    queue.tryPut('full');
    const shared = queue.put('once');
    const first1 = run(
      (function* (): Routine<void> {
        yield* shared;
      })(),
      { hub },
    );
    const second = run(
      (function* (): Routine<void> {
        yield* shared;
      })(),
      { hub },
    );
    await expect(second).rejects.toMatchObject({ code: 'DIESEL_ERR_INVALID_YIELD' });
    expect(queue.waitingPutters).toBe(1);
    expect(queue.tryGet()).toBe('full');
    await first1;
    expect(queue.tryGet()).toBe('once');
    expect(queue.size).toBe(0);
  });

  it('a put token can be yielded again once its put is done, and walked by hand outside any routine', async () => {
    const hub = new Hub();
    const queue = new Queue<number>();
    const again = queue.put(7);
    await run(
      (function* (): Routine<void> {
        yield* again;
        yield* again;
      })(),
      { hub },
    );
    expect([queue.tryGet(), queue.tryGet(), queue.size]).toEqual([7, 7, 0]);
    // By hand (no routine): the token is yielded, as a generator would yield it, and the
    // put is the hub's to do; what is sent back ends the walk.
    const iterator = queue.put(8)[Symbol.iterator]();
    const step = iterator.next();
    expect(step.done).toBe(false);
    expect(queue.size).toBe(0);
    expect(iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('a routine that halts its app mid-step takes no item on its next yield* get (it is killed there, as before)', async () => {
    const app = new Application({ logger: new MemoryLogger() });
    const queue = new Queue<string>();
    queue.tryPut('keep me');
    let got: string | undefined;
    app.addLoop(new Loop(function* halter(): Routine<void> {
      app.halt();
      got = yield* queue.get();
    }));
    await app.start();
    await app.halted();
    expect(got).toBeUndefined();
    expect(queue.tryGet()).toBe('keep me');
  });

  it('rejects a bad maxSize', () => {
    expect(() => new Queue({ maxSize: 0 })).toThrow(RangeError);
    expect(() => new Queue({ maxSize: 1.5 })).toThrow(RangeError);
  });
});
