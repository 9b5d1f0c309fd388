/**
 * The demo with --redis: two demo processes' worth of Applications on one real
 * redis-server share the chat room (a TCP line said on one reaches a TCP client of the
 * other); the flag and its variable are parsed and checked.
 */
import type { Socket } from 'node:net';
import { MemoryLogger } from '@diesel/core/testing';
import { startRedis, type RedisServer } from '@diesel/redis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, demoOptions, startDemo } from '../demo/main.js';
import { lineClient, type LineClient } from './lines.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Joins the chat as `nick` (the chat's first line is the nick). */
async function member(port: number, nick: string, sockets: Socket[]): Promise<LineClient> {
  const client = await lineClient(port, (socket) => sockets.push(socket));
  client.send(nick);
  await client.untilLine(`* ${nick} joined`);
  return client;
}

describe('demo --redis', () => {
  it('two demos on one Redis share the chat room', async () => {
    const demos: Demo[] = [];
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) demos.push(await startDemo({ httpPort: 0, echoPort: 0, chatPort: 0, redis: redis.url, logger: new MemoryLogger() }));
      const ada = await member(demos[0]!.ports.chat, 'ada', sockets);
      const bo = await member(demos[1]!.ports.chat, 'bo', sockets);
      await ada.untilLine('* bo joined');
      ada.send('hello from the first demo');
      await bo.untilLine('ada: hello from the first demo');
    } finally {
      for (const socket of sockets) socket.destroy();
      for (const demo of demos) {
        demo.app.halt();
        await demo.app.halted();
      }
    }
  });

  it('--redis / DIESEL_DEMO_REDIS are parsed, and a non-Redis URL is refused', () => {
    expect(demoOptions(['--redis', 'redis://127.0.0.1:6379'], {}).redis).toBe('redis://127.0.0.1:6379');
    expect(demoOptions([], { DIESEL_DEMO_REDIS: 'redis://h:1' }).redis).toBe('redis://h:1');
    expect(demoOptions([], {}).redis).toBeUndefined();
    expect(() => demoOptions(['--redis=http://x'], {})).toThrow(/not a redis:\/\/ URL/);
  });
});
