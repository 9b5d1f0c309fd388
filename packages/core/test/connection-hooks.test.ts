import { describe, expect, it } from 'vitest';
import { sleep, until } from '../src/index.js';
import { serveInMemory } from '../src/testing/index.js';

describe('until with an alternative sentinel', () => {
  it('ends at whichever sentinel comes first, whole or one byte at a time', async () => {
    for (const oneByOne of [false, true]) {
      const seen: string[] = [];
      const { peer, exited } = serveInMemory(function* () {
        const token = until('\r\n\r\n', { alternative: '\n\n', encoding: 'latin1' });
        seen.push(yield* token, yield* token, yield* token);
      });
      const text = 'a\r\nb\r\n\r\nc\nd\n\ne\r\n\n\r\n\r\n';
      if (oneByOne) for (const c of text) peer.write(c);
      else peer.write(text);
      await exited;
      expect(seen).toEqual(['a\r\nb\r\n\r\n', 'c\nd\n\n', 'e\r\n\n']);
    }
  });

  it('refuses an empty alternative', () => {
    expect(() => until('\r\n', { alternative: '' })).toThrow(RangeError);
  });
});

describe('Connection.onPeerGone', () => {
  it('tells a listener when the peer ends while no routine reads', async () => {
    let told = 0;
    const { peer, connection, exited } = serveInMemory(function* () {
      yield sleep(0.3); // not reading: only the hook can notice the peer leave
    });
    const stop = connection.onPeerGone(() => told++);
    peer.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(told).toBe(1);
    expect(connection.peerEnded).toBe(true);
    stop();
    // Registered after the fact: told at once.
    connection.onPeerGone(() => told++);
    expect(told).toBe(2);
    await exited;
  });

  it('forgets a removed listener', async () => {
    let told = 0;
    const { peer, connection, exited } = serveInMemory(function* () {
      yield sleep(0.1);
    });
    connection.onPeerGone(() => told++)();
    peer.end();
    await exited;
    expect(told).toBe(0);
  });
});
