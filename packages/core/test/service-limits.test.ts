import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Application, Service, until, type Routine } from '../src/index.js';
import { MemoryLogger } from '../src/testing/index.js';
import { closed, dial, line, until as poll } from './helpers.js';

const apps: Application[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) app.halt();
});

function* echo(): Routine<void> {
  for (;;) {
    const message = yield* until('\r\n');
    yield `you said: ${message}`;
  }
}

async function limited(maxConnections: number) {
  const logger = new MemoryLogger();
  const app = new Application({ logger });
  apps.push(app);
  const service = new Service(echo, { port: 0, host: '127.0.0.1', maxConnections });
  app.addService(service);
  await app.start();
  return { service, logger };
}

/** Collects whatever a socket receives. */
function received(socket: net.Socket): () => string {
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  return () => text;
}

describe('Service({ maxConnections })', () => {
  it('a third client connects, waits, and is served once one of the first two leaves', async () => {
    const { service, logger } = await limited(2);
    const a = await dial(service.port);
    const b = await dial(service.port);
    a.write('a\r\n');
    b.write('b\r\n');
    expect(await line(a)).toBe('you said: a\r\n');
    expect(await line(b)).toBe('you said: b\r\n');
    const c = await dial(service.port); // connects: not refused
    const fromC = received(c);
    c.write('c\r\n');
    await poll(() => service.waitingCount === 1, 'the third client to be parked');
    expect(service.connectionCount).toBe(2);
    // Its request sits unread while both slots are taken; the first two are still served.
    a.write('again\r\n');
    expect(await line(a)).toBe('you said: again\r\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(fromC()).toBe('');
    b.destroy();
    await poll(() => fromC() === 'you said: c\r\n', 'the third client to be served');
    expect(service.waitingCount).toBe(0);
    expect(logger.lines.filter((l) => l.startsWith('warn') && l.includes('maxConnections (2) reached'))).toHaveLength(1);
    a.destroy();
    c.destroy();
  });

  it('logs the limit once per episode, serves waiting clients in arrival order, refuses none', async () => {
    const { service, logger } = await limited(1);
    const first = await dial(service.port);
    first.write('1\r\n');
    await line(first);
    const waiting: net.Socket[] = [];
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const socket = await dial(service.port);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => order.push(chunk));
      await poll(() => service.waitingCount === i + 1, `client ${i} parked`);
      socket.write(`w${i}\r\n`);
      waiting.push(socket);
    }
    expect(logger.lines.filter((l) => l.includes('reached'))).toHaveLength(1);
    first.destroy();
    // Each served client leaves, handing its slot to the next in line.
    for (let i = 0; i < 4; i++) {
      await poll(() => order.length === i + 1, `client ${i} served`);
      expect(order[i]).toBe(`you said: w${i}\r\n`);
      waiting[i]!.destroy();
    }
    await poll(() => service.connectionCount === 0, 'all to end');
    // Reaching it again is a new episode: logged again.
    const x = await dial(service.port);
    const y = await dial(service.port);
    await poll(() => service.waitingCount === 1, 'y parked');
    expect(logger.lines.filter((l) => l.includes('reached'))).toHaveLength(2);
    x.destroy();
    y.destroy();
  });

  it('a waiting client that gives up leaves the line', async () => {
    const { service } = await limited(1);
    const a = await dial(service.port);
    a.write('a\r\n');
    await line(a);
    const quitter = await dial(service.port);
    await poll(() => service.waitingCount === 1, 'quitter parked');
    quitter.destroy();
    await poll(() => service.waitingCount === 0, 'the quitter to leave the line');
    const b = await dial(service.port);
    await poll(() => service.waitingCount === 1, 'b parked');
    const fromB = received(b);
    b.write('b\r\n');
    a.destroy();
    await poll(() => fromB() === 'you said: b\r\n', 'b served');
    b.destroy();
  });

  it('halting closes the waiting clients too', async () => {
    const logger = new MemoryLogger();
    const app = new Application({ logger });
    const service = new Service(echo, { port: 0, host: '127.0.0.1', maxConnections: 1 });
    app.addService(service);
    await app.start();
    const a = await dial(service.port);
    const b = await dial(service.port);
    await poll(() => service.waitingCount === 1, 'b parked');
    app.halt();
    await Promise.all([closed(a), closed(b)]);
    await app.halted();
  });

  it('rejects a maxConnections that is not a positive integer', () => {
    expect(() => new Service(echo, { port: 0, maxConnections: 0 })).toThrow(RangeError);
    expect(() => new Service(echo, { port: 0, maxConnections: 1.5 })).toThrow(RangeError);
  });
});
