import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { createEchoApp } from '../examples/echo.js';
import { closed, connectTcp, readLine } from './examples-helpers.js';

describe('example: the echo service, over TCP', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0).reverse()) step();
  });

  async function start() {
    const { app, service } = createEchoApp(0, '127.0.0.1');
    await app.start();
    cleanup.push(() => app.halt());
    return { app, service };
  }
  async function client(port: number): Promise<net.Socket> {
    const socket = await connectTcp(port);
    cleanup.push(() => socket.destroy());
    return socket;
  }

  it('answers each line with "you said: <line>"', async () => {
    const { service } = await start();
    const socket = await client(service.port);
    socket.write('hello\r\n');
    expect(await readLine(socket)).toBe('you said: hello\r\n');
    socket.write('second line\r\n');
    expect(await readLine(socket)).toBe('you said: second line\r\n');
  });

  it('waits for the whole line: a line split over writes, and several lines in one write', async () => {
    const { service } = await start();
    const socket = await client(service.port);
    socket.write('hel');
    socket.write('lo\r');
    socket.write('\nfoo\r\nbar\r\n');
    expect(await readLine(socket)).toBe('you said: hello\r\n');
    expect(await readLine(socket)).toBe('you said: foo\r\n');
    expect(await readLine(socket)).toBe('you said: bar\r\n');
  });

  it('serves several clients at once, each its own conversation', async () => {
    const { service } = await start();
    const sockets = await Promise.all([1, 2, 3].map(() => client(service.port)));
    sockets.forEach((socket, i) => socket.write(`I am ${i}\r\n`));
    const replies = await Promise.all(sockets.map((socket) => readLine(socket)));
    expect(replies).toEqual(['you said: I am 0\r\n', 'you said: I am 1\r\n', 'you said: I am 2\r\n']);
  });

  it('a client leaving does not disturb the others, and halt closes every connection', async () => {
    const { app, service } = await start();
    const leaving = await client(service.port);
    const staying = await client(service.port);
    leaving.write('bye\r\n');
    expect(await readLine(leaving)).toBe('you said: bye\r\n');
    leaving.destroy();
    staying.write('still here\r\n');
    expect(await readLine(staying)).toBe('you said: still here\r\n');
    app.halt();
    await closed(staying); // the server closed it
    expect(service.connectionCount).toBe(0);
  });
});
