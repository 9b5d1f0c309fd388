import { afterEach, describe, expect, it } from 'vitest';
import {
  Application,
  ConnectionClosed,
  Hub,
  InvalidYield,
  Loop,
  SentinelNotFound,
  bytes,
  fire,
  receive,
  run,
  sleep,
  until,
  untilEol,
  wait,
  type Routine,
} from '../src/index.js';
import { FakeClock, MemoryLogger, serveInMemory } from '../src/testing/index.js';
import { closed, dial, line, serve } from './helpers.js';

const apps: Application[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) app.halt();
});

describe('socket waits', () => {
  it('until returns data up to and including the sentinel, leaving the rest buffered', async () => {
    const seen: string[] = [];
    const { peer, exited } = serveInMemory(function* () {
      seen.push(yield* until('\r\n'));
      seen.push(yield* until('\r\n'));
      seen.push((yield* bytes(3)).toString());
    });
    peer.write('one\r\ntwo\r\nabc');
    await exited;
    expect(seen).toEqual(['one\r\n', 'two\r\n', 'abc']);
  });

  it('works when the data arrives one byte at a time, and with multi-byte sentinels split across chunks', async () => {
    const seen: string[] = [];
    const { peer, exited } = serveInMemory(function* () {
      for (let i = 0; i < 3; i++) seen.push(yield* until('--END--'));
    });
    for (const ch of 'a--END--bb--END--ccc--END--') {
      peer.write(ch);
      await new Promise((r) => setImmediate(r));
    }
    await exited;
    expect(seen).toEqual(['a--END--', 'bb--END--', 'ccc--END--']);
  });

  it('untilEol keeps the line ending; utf-8 split across chunks decodes whole', async () => {
    const { peer, exited } = serveInMemory(function* () {
      return [yield* untilEol(), yield* untilEol()];
    });
    const text = Buffer.from('héllo\r\nwörld\n');
    peer.write(text.subarray(0, 2)); // splits the é
    peer.write(text.subarray(2));
    const outcome = await exited;
    expect(outcome).toEqual({ ok: true, value: ['héllo\r\n', 'wörld\n'] });
  });

  it('bytes(n) returns exactly n bytes and receive() whatever is there', async () => {
    const { peer, exited } = serveInMemory(function* () {
      const two = yield* bytes(2);
      const rest = yield* receive();
      return [two.toString(), rest.toString()];
    });
    peer.write('xyz123');
    expect(await exited).toEqual({ ok: true, value: ['xy', 'z123'] });
  });

  it('a sentinel not found within the limit is a clear error (SentinelNotFound) and memory stays bounded', async () => {
    const { peer, exited, connection } = serveInMemory(function* () {
      yield* until('\r\n', { limit: 1024 });
    });
    const chunk = Buffer.alloc(256, 'a');
    for (let i = 0; i < 64 && !connection.closed; i++) {
      peer.write(chunk);
      await new Promise((r) => setImmediate(r));
    }
    const outcome = await exited;
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(SentinelNotFound);
    expect((error as SentinelNotFound).code).toBe('DIESEL_ERR_SENTINEL_NOT_FOUND');
    expect((error as Error).message).toContain('1024');
  });

  it('ConnectionClosed is thrown into a reader when the peer leaves, carrying unconsumed bytes', async () => {
    const { peer, exited } = serveInMemory(function* () {
      try {
        yield* until('\r\n');
      } catch (error) {
        return error;
      }
      return null;
    });
    peer.end('partial');
    const outcome = await exited;
    expect(outcome.ok).toBe(true);
    const error = (outcome as { value: unknown }).value as ConnectionClosed;
    expect(error).toBeInstanceOf(ConnectionClosed);
    expect(error.code).toBe('DIESEL_ERR_CONNECTION_CLOSED');
    expect(Buffer.from(error.buffered).toString()).toBe('partial');
  });

  it('data buffered before the peer closed is still served before ConnectionClosed', async () => {
    const lines: string[] = [];
    const { peer, exited } = serveInMemory(function* () {
      for (;;) lines.push(yield* until('\n'));
    });
    peer.end('a\nb\nc\n');
    const outcome = await exited;
    expect(lines).toEqual(['a\n', 'b\n', 'c\n']);
    expect((outcome as { error: unknown }).error).toBeInstanceOf(ConnectionClosed);
  });

  it('a socket wait in a routine without a connection is a clear InvalidYield', async () => {
    await expect(run((function* () { yield* until('x'); })())).rejects.toBeInstanceOf(InvalidYield);
  });

  it('yielding something that is not a token is a clear error thrown into the generator', async () => {
    const error = await run(
      (function* (): Routine<unknown> {
        try {
          // @ts-expect-error a number is not Yieldable: the type catches it, and so does the runner
          yield 42;
        } catch (e) {
          return e;
        }
        return null;
      })(),
    );
    expect(error).toBeInstanceOf(InvalidYield);
    expect((error as Error).message).toMatch(/cannot yield number/);
  });
});

describe('writes', () => {
  it('a string or bytes yielded is written in order', async () => {
    const { peer } = serveInMemory(function* () {
      yield 'hello ';
      yield Buffer.from('world');
      yield new Uint8Array([33, 10]);
    });
    expect(await peer.readUntil('\n')).toBe('hello world!\n');
  });

  it('writing after the peer left throws ConnectionClosed into the generator', async () => {
    const { port, app } = await serve(function* () {
      yield* until('\n');
      yield* sleep(0.05); // the peer is gone by now
      try {
        for (let i = 0; i < 1000; i++) {
          yield Buffer.alloc(64 * 1024);
          yield* sleep(0);
        }
      } catch (error) {
        yield* fire('write-failed', error);
      }
    });
    apps.push(app);
    const errors: unknown[] = [];
    app.addLoop(new Loop(function* () { errors.push(yield* wait('write-failed')); }));
    const socket = await dial(port);
    socket.write('go\n');
    socket.destroy();
    const { until: poll } = await import('./helpers.js');
    await poll(() => errors.length === 1, 'write failure');
    expect(errors[0]).toBeInstanceOf(ConnectionClosed);
  });
});

describe('sleep, wait and fire', () => {
  it('sleep takes fractional seconds and resumes in time order', async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock, logger: new MemoryLogger() });
    const order: string[] = [];
    run((function* () { yield* sleep(1.5); order.push('1.5'); })(), { hub });
    run((function* () { yield* sleep(0.25); order.push('0.25'); yield* sleep(1); order.push('1.25'); })(), { hub });
    await clock.advance(1);
    expect(order).toEqual(['0.25']);
    await clock.advance(1);
    expect(order).toEqual(['0.25', '1.25', '1.5']);
  });

  it('sleep rejects negative or non-numeric seconds', () => {
    expect(() => sleep(-1)).toThrow(RangeError);
    expect(() => sleep(Number.NaN)).toThrow(RangeError);
  });

  it('fire wakes every waiter with the value, after the firing routine suspends; returns the count', async () => {
    const hub = new Hub({ logger: new MemoryLogger() });
    const got: string[] = [];
    const a = run((function* () { got.push(`a:${yield* wait<string>('ev')}`); })(), { hub });
    const b = run((function* () { got.push(`b:${yield* wait<string>('ev')}`); })(), { hub });
    const count = await run((function* () {
      const n = yield* fire('ev', 'x');
      got.push('fired'); // waiters have not run yet
      return n;
    })(), { hub });
    await Promise.all([a, b]);
    expect(count).toBe(2);
    expect(got).toEqual(['fired', 'a:x', 'b:x']);
    expect(await run(fire('nobody', 1), { hub })).toBe(0);
  });

  it('a waiter woken once is not woken again by a second fire before it runs', async () => {
    const hub = new Hub({ logger: new MemoryLogger() });
    const got: unknown[] = [];
    const done = run((function* () { got.push(yield* wait('e')); got.push(yield* wait('e')); })(), { hub });
    await run((function* () { yield* fire('e', 1); yield* fire('e', 2); yield* sleep(0); yield* fire('e', 3); })(), { hub });
    await done;
    expect(got).toEqual([1, 3]);
  });
});

describe('nested routines, promises and producers', () => {
  it('yielding a generator calls it and returns its return value; exceptions travel up the stack', async () => {
    function* inner(n: number): Routine<number> {
      yield* sleep(0);
      if (n > 2) throw new Error(`too big: ${n}`);
      return n * 10;
    }
    function* middle(n: number): Routine<number> {
      const v = (yield inner(n)) as number; // the diesel (untyped) form
      return v + 1;
    }
    const results = await run((function* () {
      const ok = yield* middle(1);
      let caught = '';
      try {
        yield* middle(3);
      } catch (error) {
        caught = (error as Error).message;
      }
      return [ok, caught];
    })());
    expect(results).toEqual([11, 'too big: 3']);
  });

  it('finally blocks in nested generators run as the exception unwinds', async () => {
    const order: string[] = [];
    function* inner(): Routine<void> {
      try {
        yield* sleep(0);
        throw new Error('boom');
      } finally {
        order.push('inner finally');
      }
    }
    await expect(run((function* () {
      try {
        yield* inner();
      } finally {
        order.push('outer finally');
      }
    })())).rejects.toThrow('boom');
    expect(order).toEqual(['inner finally', 'outer finally']);
  });

  it('yielding a Promise awaits it; a rejection is thrown into the generator', async () => {
    const out = await run((function* (): Routine<unknown> {
      const v = yield Promise.resolve(5);
      try {
        yield Promise.reject(new Error('nope'));
      } catch (error) {
        return [v, (error as Error).message];
      }
      return null;
    })());
    expect(out).toEqual([5, 'nope']);
  });

  it('yielding an async iterable streams it to the connection, then resumes', async () => {
    async function* chunks() {
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setImmediate(r));
        yield `chunk${i};`;
      }
    }
    const { peer } = serveInMemory(function* () {
      yield chunks();
      yield 'done\n';
    });
    expect(await peer.readUntil('\n')).toBe('chunk0;chunk1;chunk2;chunk3;chunk4;done\n');
  });

  it('yielding a Node Readable (a file) streams it with backpressure, every byte in order', async () => {
    const { Readable } = await import('node:stream');
    const data = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const { peer } = serveInMemory(function* () {
      yield Readable.from([data.subarray(0, 1 << 20), data.subarray(1 << 20, 2 << 20), data.subarray(2 << 20)]);
      yield 'END';
    });
    const received: Buffer[] = [];
    let total = 0;
    await new Promise<void>((resolve) => {
      peer.on('data', (chunk: Buffer) => {
        received.push(chunk);
        total += chunk.length;
        if (total >= data.length + 3) resolve();
      });
    });
    const all = Buffer.concat(received);
    expect(all.subarray(0, data.length).equals(data)).toBe(true);
    expect(all.subarray(data.length).toString()).toBe('END');
  });

  it('a producer that gives a non-byte chunk is a clear error', async () => {
    async function* bad() {
      yield 'ok';
      yield 7 as unknown as string;
    }
    const { exited } = serveInMemory(function* () {
      yield bad();
    });
    const outcome = await exited;
    expect((outcome as { error: Error }).error).toBeInstanceOf(InvalidYield);
  });

  it('yielding a new Loop spawns it alongside', async () => {
    const hub = new Hub({ logger: new MemoryLogger() });
    const got: string[] = [];
    function* child(name: string): Routine<void> {
      got.push(`child ${name}`);
      yield* sleep(0); // a spawned loop runs until its first suspension before the parent continues
      yield* fire('child-done', name);
    }
    const value = await run((function* () {
      const waiting = wait<string>('child-done');
      yield new Loop(child, 'x');
      return yield* waiting;
    })(), { hub });
    expect(value).toBe('x');
    expect(got).toEqual(['child x']);
  });
});

describe('end to end over TCP', () => {
  it('the DESIGN echo handler', async () => {
    function* handleEcho() {
      while (true) {
        const message = yield* until('\r\n');
        yield `you said: ${message}`;
      }
    }
    const { app, port } = await serve(handleEcho);
    apps.push(app);
    const socket = await dial(port);
    socket.write('hello\r\n');
    expect(await line(socket)).toBe('you said: hello\r\n');
    socket.write('a\r\nb\r\n'); // pipelined
    expect(await line(socket)).toBe('you said: a\r\n');
    expect(await line(socket)).toBe('you said: b\r\n');
    socket.end();
    await closed(socket);
  });
});
