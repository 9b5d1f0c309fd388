/**
 * The hit-counter example against a real redis-server, driven by real TCP clients.
 */
import net from 'node:net';
import { readUntil } from '@diesel/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHitCounter, type HitCounter } from '../examples/hit-counter.js';
import { createShout } from '../examples/shout.js';
import { startRedis, type RedisServer } from './redis-server.js';

let redis: RedisServer;
let counter: HitCounter;

beforeAll(async () => {
  redis = await startRedis();
  counter = createHitCounter(redis.url);
  await counter.start();
});
afterAll(async () => {
  counter?.stop();
  await redis?.stop();
});

async function dial(): Promise<net.Socket> {
  const socket = net.connect(counter.service.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

describe('example: hit counter', () => {
  it('counts hits from 50 clients at once through one Redis connection', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => dial()));
    const replies = await Promise.all(
      clients.map(async (socket, i) => {
        const got: string[] = [];
        for (let n = 0; n < 10; n++) {
          socket.write(`/page${i % 5}\r\n`);
          got.push(await readUntil(socket, '\r\n'));
        }
        return got;
      }),
    );
    // Each client sees its own counts rise; together they add up in Redis.
    for (const [i, got] of replies.entries()) {
      const counts = got.map((line) => {
        expect(line.startsWith(`/page${i % 5} `)).toBe(true);
        return Number(line.trim().split(' ')[1]);
      });
      expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    }
    for (let p = 0; p < 5; p++) expect(await redis.cli('GET', `hits:/page${p}`)).toBe('100');
    const clientsSeen = await redis.cli('CLIENT', 'LIST');
    // The counter's one connection and redis-cli's own.
    expect(clientsSeen.trim().split('\n')).toHaveLength(2);
    for (const socket of clients) socket.destroy();
  });

  it('a Redis error reaches only the connection that caused it', async () => {
    await redis.cli('SET', 'hits:/text', 'not a number');
    const bad = await dial();
    const good = await dial();
    bad.write('/text\r\n');
    good.write('/fine\r\n');
    expect(await readUntil(bad, '\r\n')).toBe('error ERR value is not an integer or out of range\r\n');
    expect(await readUntil(good, '\r\n')).toBe('/fine 1\r\n');
    bad.write('/fine\r\n');
    expect(await readUntil(bad, '\r\n')).toBe('/fine 2\r\n');
    bad.destroy();
    good.destroy();
  });
});

describe('example: shout across processes', () => {
  it('a line sent to one server reaches the clients of another on the same Redis, and the other clients of its own', async () => {
    // Two Applications, each with its own bus: to Redis they are two processes.
    const one = createShout(redis.url);
    const two = createShout(redis.url);
    await one.app.start();
    await two.app.start();
    try {
      const dialTo = async (port: number): Promise<net.Socket> => {
        const socket = net.connect(port, '127.0.0.1');
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('error', reject);
        });
        return socket;
      };
      const a = await dialTo(one.service.port);
      const a2 = await dialTo(one.service.port);
      const b = await dialTo(two.service.port);
      // Each connection's routine must be waiting before the shout: give them a turn.
      await new Promise((resolve) => setTimeout(resolve, 100));
      a.write('hello from one\r\n');
      expect(await readUntil(b, '\r\n')).toBe('! hello from one\r\n');
      expect(await readUntil(a2, '\r\n')).toBe('! hello from one\r\n');
      a.destroy();
      a2.destroy();
      b.destroy();
    } finally {
      one.app.halt();
      two.app.halt();
      await Promise.all([one.app.halted(), two.app.halted()]);
    }
  });
});
