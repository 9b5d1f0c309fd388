import { describe, expect, it } from 'vitest';
import { Hub, InvalidGroup, bytes, fire, first, receive, run, sleep, until, wait, type Routine, type Yieldable } from '../src/index.js';
import { FakeClock, MemoryLogger, serveInMemory } from '../src/testing/index.js';

describe('groups', () => {
  it('bytes(2) or a three-second timeout: data wins', async () => {
    const clock = new FakeClock();
    const { peer, exited } = serveInMemory(
      function* () {
        const [data, timedOut] = yield* first(bytes(2), sleep(3));
        return [data?.toString(), timedOut];
      },
      { clock },
    );
    await clock.advance(1);
    peer.write('hi');
    expect(await exited).toEqual({ ok: true, value: ['hi', undefined] });
    expect(clock.pending).toBe(0); // the losing sleep was cancelled
  });

  it('bytes(2) or a three-second timeout: the timeout wins with true in its slot, and the bytes stay buffered', async () => {
    const clock = new FakeClock();
    const { peer, exited } = serveInMemory(
      function* (): Routine<unknown> {
        const result = yield [bytes(2), sleep(3)]; // the untyped diesel form
        const later = yield* bytes(2);
        return [result, later.toString()];
      },
      { clock },
    );
    peer.write('x');
    await clock.advance(3);
    peer.write('y');
    expect(await exited).toEqual({ ok: true, value: [[undefined, true], 'xy'] });
  });

  it('data already buffered wins without suspending', async () => {
    const clock = new FakeClock();
    const { peer, exited } = serveInMemory(
      function* () {
        yield* sleep(1);
        return yield* first(until('\n'), sleep(5), wait('never'));
      },
      { clock },
    );
    peer.write('ready\n');
    await clock.advance(1);
    expect(await exited).toEqual({ ok: true, value: ['ready\n', undefined, undefined] });
  });

  it('any number of waits; the fired one gets the value in its position', async () => {
    const hub = new Hub({ logger: new MemoryLogger() });
    const result = run((function* () {
      return yield* first(wait<string>('a'), wait<number>('b'), wait('c'));
    })(), { hub });
    await run(fire('b', 42), { hub });
    expect(await result).toEqual([undefined, 42, undefined]);
    // losing waits were unregistered: nobody is waiting on a or c any more
    expect(await run(fire('a', 1), { hub })).toBe(0);
    expect(await run(fire('c', 1), { hub })).toBe(0);
  });

  const broken: [string, () => unknown[], RegExp][] = [
    ['two socket waits', () => [until('\n'), bytes(2)], /at most one socket wait/],
    ['two sleeps', () => [sleep(1), sleep(2)], /at most one sleep/],
    ['a fire', () => [wait('x'), fire('x')], /only wait, sleep and socket-wait/],
    ['a string', () => [wait('x'), 'text'], /only wait, sleep and socket-wait tokens, not string/],
    ['a nested group', () => [wait('x'), [sleep(1)]], /not Array/],
    ['nothing', () => [], /at least one/],
  ];
  for (const [name, members, message] of broken) {
    it(`a group with ${name} is an InvalidGroup thrown into the generator`, async () => {
      const { peer, exited } = serveInMemory(function* (): Routine<unknown> {
        try {
          yield members() as Yieldable; // broken on purpose: the type would reject most of these
        } catch (error) {
          // the routine survives the error and can go on using its connection
          yield 'recovered\n';
          return error;
        }
        return null;
      });
      expect(await peer.readUntil('\n')).toBe('recovered\n');
      const outcome = await exited;
      const error = (outcome as { value: unknown }).value as InvalidGroup;
      expect(error).toBeInstanceOf(InvalidGroup);
      expect(error.code).toBe('DIESEL_ERR_INVALID_GROUP');
      expect(error.message).toMatch(message);
    });
  }

  it('receive() in a group with a sleep', async () => {
    const clock = new FakeClock();
    const { peer, exited } = serveInMemory(
      function* () {
        const [chunk] = yield* first(receive(), sleep(10));
        return chunk?.toString();
      },
      { clock },
    );
    peer.write('abc');
    expect(await exited).toEqual({ ok: true, value: 'abc' });
  });
});
