import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import type { Application } from '@diesel/core';
import { FakeClock } from '@diesel/core/testing';
import { createBytesOrTimeoutApp } from '../examples/bytes-or-timeout.js';
import { connectTcp, readLine } from './examples-helpers.js';

describe('example: two bytes or a three-second timeout, over TCP', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0).reverse()) step();
  });

  async function start(options: { clock?: FakeClock; seconds?: number }): Promise<{ app: Application; socket: net.Socket }> {
    const { app, service } = createBytesOrTimeoutApp({ port: 0, ...options });
    await app.start();
    cleanup.push(() => app.halt());
    const socket = await connectTcp(service.port);
    cleanup.push(() => socket.destroy());
    return { app, socket };
  }

  it('two bytes win the race: the sleep loses and is cancelled', async () => {
    const clock = new FakeClock();
    const { socket } = await start({ clock });
    expect(await readLine(socket)).toBe('send me two bytes; I wait 3 s for them\r\n');
    socket.write('ab');
    expect(await readLine(socket)).toBe('you sent: ab\r\n');
    // One byte at a time works too: the group waits for exactly two.
    socket.write('c');
    socket.write('d');
    expect(await readLine(socket)).toBe('you sent: cd\r\n');
    // Only the current round's sleep is pending: the winners cancelled theirs.
    expect(clock.pending).toBe(1);
  });

  it('three seconds of silence win the race; a byte that came too early stays buffered', async () => {
    const clock = new FakeClock();
    const { socket } = await start({ clock });
    // Once the greeting is here the handler is already waiting in its group.
    expect(await readLine(socket)).toBe('send me two bytes; I wait 3 s for them\r\n');
    await clock.advance(2.9);
    socket.write('x'); // one byte is not enough
    await clock.advance(0.1);
    expect(await readLine(socket)).toBe('timed out after 3 s\r\n');
    socket.write('y');
    expect(await readLine(socket)).toBe('you sent: xy\r\n');
    await clock.advance(3);
    expect(await readLine(socket)).toBe('timed out after 3 s\r\n');
  });

  it('with the real clock and a short timeout, silence times out', async () => {
    const { socket } = await start({ seconds: 0.05 });
    expect(await readLine(socket)).toBe('send me two bytes; I wait 0.05 s for them\r\n');
    expect(await readLine(socket)).toBe('timed out after 0.05 s\r\n');
    socket.write('ok');
    // Another timeout line may come first if the machine is slow; the reply still comes.
    let line = await readLine(socket);
    while (line === 'timed out after 0.05 s\r\n') line = await readLine(socket);
    expect(line).toBe('you sent: ok\r\n');
  });
});
