/**
 * Testing a handler with `@diesel/core/testing`: no sockets, no real time. Imported by
 * the docs' test run, so these tests run with the rest.
 */
import { describe, expect, it } from 'vitest';
import { first, sleep, untilEol, type RemoteAddress } from '@diesel/core';
import { FakeClock, serveInMemory } from '@diesel/core/testing';

/** The handler under test: asks for a name, and gives up after 30 s of silence. */
export function* handleGreeter(_remote: RemoteAddress) {
  yield 'name? ';
  const [line] = yield* first(untilEol(), sleep(30));
  if (line === undefined) {
    yield 'too slow, bye\r\n';
    return;
  }
  yield `hello, ${line.trim()}\r\n`;
}

describe('handleGreeter', () => {
  it('greets by name, then ends the connection', async () => {
    const { peer, exited } = serveInMemory(handleGreeter);
    expect(await peer.readUntil('? ')).toBe('name? ');
    peer.write('Ada\r\n');
    expect(await peer.readUntil('\r\n')).toBe('hello, Ada\r\n');
    expect((await exited).ok).toBe(true);
  });

  it('gives up after 30 silent seconds, in no time at all', async () => {
    const clock = new FakeClock();
    const { peer, exited } = serveInMemory(handleGreeter, { clock });
    expect(await peer.readUntil('? ')).toBe('name? ');
    await clock.advance(29);
    expect(clock.pending).toBe(1); // still waiting
    await clock.advance(1);
    expect(await peer.readUntil('\r\n')).toBe('too slow, bye\r\n');
    expect((await exited).ok).toBe(true);
  });
});
