import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { createChatApp } from '../examples/chat.js';
import { closed, connectTcp, readLine } from './examples-helpers.js';
import { readUntil } from '@diesel/core/testing';

describe('example: the wait/fire chat daemon, with two TCP clients', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0).reverse()) step();
  });

  async function join(port: number, nick: string): Promise<net.Socket> {
    const socket = await connectTcp(port);
    cleanup.push(() => socket.destroy());
    expect(await readUntil(socket, 'nick? ')).toBe('nick? ');
    socket.write(`${nick}\r\n`);
    expect(await readLine(socket)).toBe(`welcome, ${nick}\r\n`);
    return socket;
  }

  it('every line a client sends reaches every connected client', async () => {
    const { app, service } = createChatApp(0);
    await app.start();
    cleanup.push(() => app.halt());

    const alice = await join(service.port, 'alice');
    const bob = await join(service.port, 'bob');
    // Bob fired his join just before he started waiting; Alice hearing it means both wait now.
    expect(await readLine(alice)).toBe('* bob joined\r\n');

    alice.write('hello, bob\r\n');
    expect(await readLine(bob)).toBe('<alice> hello, bob\r\n');
    expect(await readLine(alice)).toBe('<alice> hello, bob\r\n');

    bob.write('hi alice\r\n');
    expect(await readLine(alice)).toBe('<bob> hi alice\r\n');
    expect(await readLine(bob)).toBe('<bob> hi alice\r\n');

    // Blank lines are not messages; the next real one still arrives in order.
    bob.write('\r\n\r\nsecond\r\n');
    expect(await readLine(alice)).toBe('<bob> second\r\n');
    expect(await readLine(bob)).toBe('<bob> second\r\n');
  });

  it('a client that leaves is announced to the others, who keep chatting', async () => {
    const { app, service } = createChatApp(0);
    await app.start();
    cleanup.push(() => app.halt());

    const alice = await join(service.port, 'alice');
    const bob = await join(service.port, 'bob');
    expect(await readLine(alice)).toBe('* bob joined\r\n');
    const carol = await join(service.port, 'carol');
    expect(await readLine(alice)).toBe('* carol joined\r\n');
    expect(await readLine(bob)).toBe('* carol joined\r\n');

    bob.end(); // ConnectionClosed unwinds bob's handler through its finally
    await closed(bob);
    expect(await readLine(alice)).toBe('* bob left\r\n');
    expect(await readLine(carol)).toBe('* bob left\r\n');

    carol.write('just us\r\n');
    expect(await readLine(alice)).toBe('<carol> just us\r\n');
    expect(service.connectionCount).toBe(2);
  });
});
