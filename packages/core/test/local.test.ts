import { describe, expect, it } from 'vitest';
import { Hub, Local, Loop, OutsideRoutine, run, sleep, spawn, until } from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';
import { dial, line, serve } from './helpers.js';

describe('Local', () => {
  it("each routine has its own value; nested calls see their routine's", async () => {
    const clock = new FakeClock();
    const hub = new Hub({ clock });
    const name = new Local<string>('nobody');
    function* who() {
      return name.value;
    }
    function* worker(me: string, seconds: number) {
      const before = name.value;
      name.value = me;
      yield* sleep(seconds); // the other routine runs and sets its own value meanwhile
      return [before, yield* who(), name.value];
    }
    const a = run(worker('a', 2), { hub });
    const b = run(worker('b', 1), { hub });
    await clock.advance(2);
    expect(await a).toEqual(['nobody', 'a', 'a']);
    expect(await b).toEqual(['nobody', 'b', 'b']);
  });

  it('a spawned child starts with a copy of its parent\'s values; its writes stay its own', async () => {
    const hub = new Hub();
    const depth = new Local(0);
    const result = await run(
      (function* () {
        depth.value = 1;
        const task = yield* spawn(function* () {
          const inherited = depth.value;
          depth.value = 99;
          return inherited;
        });
        const inherited = yield* task.join();
        return [inherited, depth.value];
      })(),
      { hub },
    );
    expect(result).toEqual([1, 1]);
  });

  it('a Loop (detached) starts with the initial value, not a copy', async () => {
    const hub = new Hub();
    const tag = new Local<string | undefined>();
    let seen: string | undefined = 'unset';
    await run(
      (function* () {
        tag.value = 'parent';
        yield new Loop(function* () {
          seen = tag.value;
        });
      })(),
      { hub },
    );
    expect(seen).toBeUndefined();
  });

  it('connection handlers each have their own value', async () => {
    const id = new Local(0);
    let next = 0;
    const { app, port } = await serve(function* () {
      id.value = ++next;
      while (true) {
        yield* until('\r\n');
        yield `${id.value}\r\n`;
      }
    });
    try {
      const one = await dial(port);
      one.write('x\r\n');
      expect(await line(one)).toBe('1\r\n');
      const two = await dial(port);
      two.write('x\r\n');
      expect(await line(two)).toBe('2\r\n');
      one.write('x\r\n');
      expect(await line(one)).toBe('1\r\n');
      one.destroy();
      two.destroy();
    } finally {
      app.halt();
    }
  });

  it('reading or writing it outside a routine is a clear OutsideRoutine error', () => {
    const local = new Local('x');
    expect(() => local.value).toThrow(OutsideRoutine);
    try {
      local.value = 'y';
      expect.fail('set outside a routine');
    } catch (error) {
      expect((error as OutsideRoutine).code).toBe('DIESEL_ERR_OUTSIDE_ROUTINE');
      expect((error as Error).message).toMatch(/setting a Local can only be used while a routine runs/);
    }
  });

  it('is not readable from a promise callback after the routine suspended', async () => {
    const local = new Local(1);
    let error: unknown = null;
    await run(
      (function* () {
        yield Promise.resolve().then(() => {
          try {
            return local.value;
          } catch (caught) {
            error = caught;
          }
        });
      })(),
    );
    expect(error).toBeInstanceOf(OutsideRoutine);
  });
});
