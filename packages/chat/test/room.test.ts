import { Hub, type Routine, run, sleep } from '@diesel/core';
import { describe, expect, it } from 'vitest';
import { ChatError, type ChatMember, ChatRoom } from '../src/index.js';

function go<T>(routine: Routine<T>, hub = new Hub()): Promise<T> {
  return run(routine, { hub });
}

function code(error: unknown): string {
  return error instanceof ChatError ? error.code : String(error);
}

describe('ChatRoom', () => {
  it('queues joins, lines and leaves for every member, in order', async () => {
    const room = new ChatRoom();
    await go(
      (function* () {
        const alice = yield* room.join('alice');
        const bob = yield* room.join('bob');
        yield* alice.say('hi');
        yield* bob.leave();
        expect(alice.take()).toEqual(['* alice joined', '* bob joined', 'alice: hi', '* bob left']);
        expect(bob.take()).toEqual(['* bob joined', 'alice: hi']);
        expect(room.nicks).toEqual(['alice']);
        yield* bob.leave(); // twice is harmless
        expect(alice.take()).toEqual([]);
        yield* bob.say('ignored after leaving');
        expect(alice.take()).toEqual([]);
      })(),
    );
  });

  it('wakes a member waiting in next() when someone speaks', async () => {
    const room = new ChatRoom();
    const hub = new Hub();
    const got: string[][] = [];
    let alice!: ChatMember;
    await go(
      (function* () {
        alice = yield* room.join('alice');
        alice.take();
      })(),
      hub,
    );
    const listening = go(
      (function* () {
        got.push(yield* alice.next());
      })(),
      hub,
    );
    await go(
      (function* () {
        const bob = yield* room.join('bob');
        yield* bob.say('wake up');
      })(),
      hub,
    );
    await listening;
    expect(got).toEqual([['* bob joined', 'bob: wake up']]);
  });

  it('drops a member more than maxBacklog lines behind, and says so', async () => {
    const room = new ChatRoom({ maxBacklog: 5 });
    await go(
      (function* () {
        const talker = yield* room.join('talker');
        const sleeper = yield* room.join('sleeper');
        for (let i = 0; i < 10; i++) {
          yield* talker.say(`line ${i}`);
          talker.take();
        }
        expect(sleeper.dropped).toBe(true);
        expect(sleeper.left).toBe(true);
        expect(sleeper.pending).toBe(0);
        expect(room.nicks).toEqual(['talker']);
        expect(yield* sleeper.next()).toEqual([]);
        let error: unknown;
        try {
          yield* sleeper.say('am I here?');
        } catch (e) {
          error = e;
        }
        expect(code(error)).toBe('DIESEL_ERR_CHAT_TOO_SLOW');
        yield* talker.say('again');
        expect(talker.take()).toEqual(['talker: again']);
      })(),
    );
    // The announcement reached the others in order.
    const room2 = new ChatRoom({ maxBacklog: 3 });
    await go(
      (function* () {
        const a = yield* room2.join('a');
        yield* room2.join('b');
        const seen = a.take();
        for (let i = 0; i < 3; i++) {
          yield* a.say(String(i));
          seen.push(...a.take());
        }
        // b had '* b joined', 'a: 0', 'a: 1' queued; 'a: 2' was one too many.
        expect(seen).toEqual(['* a joined', '* b joined', 'a: 0', 'a: 1', 'a: 2', '* b left (too slow)']);
      })(),
    );
  });

  it('rejects taken and invalid nicks with stable codes', async () => {
    const room = new ChatRoom({ maxNickLength: 5 });
    await go(
      (function* () {
        yield* room.join('alice');
        for (const [nick, expected] of [
          ['alice', 'DIESEL_ERR_CHAT_NICK_TAKEN'],
          ['', 'DIESEL_ERR_CHAT_NICK_INVALID'],
          ['toolong', 'DIESEL_ERR_CHAT_NICK_INVALID'],
          ['a b', 'DIESEL_ERR_CHAT_NICK_INVALID'],
          ['a:b', 'DIESEL_ERR_CHAT_NICK_INVALID'],
          ['*', 'DIESEL_ERR_CHAT_NICK_INVALID'],
        ] as const) {
          let error: unknown = null;
          try {
            yield* room.join(nick);
          } catch (e) {
            error = e;
          }
          expect(code(error), nick).toBe(expected);
        }
        expect((yield* room.join('émile')).nick).toBe('émile');
        expect(room.nicks).toEqual(['alice', 'émile']);
      })(),
    );
  });

  it('cleans messages: controls out, trimmed, cut at maxMessageLength', () => {
    const room = new ChatRoom({ maxMessageLength: 5 });
    expect(room.clean('  a\x1b[0m\tb \r\n')).toBe('a[0m\tb'.slice(0, 5));
    expect(room.clean('\u0085\u0000')).toBe('');
    expect(room.clean('😀😀😀😀😀😀')).toBe('😀😀😀😀😀');
  });

  it('keeps rooms apart: each has its own event', async () => {
    const one = new ChatRoom();
    const two = new ChatRoom();
    expect(one.event).not.toBe(two.event);
    await go(
      (function* () {
        const a = yield* one.join('a');
        const b = yield* two.join('a');
        yield* a.say('in one');
        yield* sleep(0);
        expect(b.take()).toEqual(['* a joined']);
      })(),
    );
  });

  it('rejects bad limits', () => {
    expect(() => new ChatRoom({ maxBacklog: 0 })).toThrow(RangeError);
    expect(() => new ChatRoom({ maxNickLength: 1.5 })).toThrow(RangeError);
  });
});
