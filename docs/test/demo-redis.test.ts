/**
 * The demo with --redis: two demo processes' worth of Applications on one real
 * redis-server share the chat room (a TCP line said on one reaches a TCP client of the
 * other); the flag and its variable are parsed and checked.
 */
import net from 'node:net';
import { MemoryLogger } from '@diesel/core/testing';
import { startRedis, type RedisServer } from '@diesel/redis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, demoOptions, startDemo } from '../demo/main.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Joins the chat as `nick`; `until(line)` reads lines up to one equal to it. */
async function member(port: number, nick: string): Promise<{ socket: net.Socket; send(text: string): void; until(line: string): Promise<void> }> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = '';
  let want: { line: string; resolve(): void } | null = null;
  const seen: string[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let at = buffer.indexOf('\r\n'); at !== -1; at = buffer.indexOf('\r\n')) {
      seen.push(buffer.slice(0, at));
      buffer = buffer.slice(at + 2);
    }
    if (want !== null && seen.includes(want.line)) want.resolve();
  });
  const until = (line: string): Promise<void> =>
    seen.includes(line) ? Promise.resolve() : new Promise<void>((resolve) => (want = { line, resolve }));
  socket.write(`${nick}\r\n`);
  await until(`* ${nick} joined`);
  return { socket, send: (text) => socket.write(`${text}\r\n`), until };
}

describe('demo --redis', () => {
  it('two demos on one Redis share the chat room', async () => {
    const demos: Demo[] = [];
    try {
      for (let i = 0; i < 2; i++) demos.push(await startDemo({ httpPort: 0, echoPort: 0, chatPort: 0, redis: redis.url, logger: new MemoryLogger() }));
      const ada = await member(demos[0]!.ports.chat, 'ada');
      const bo = await member(demos[1]!.ports.chat, 'bo');
      await ada.until('* bo joined');
      ada.send('hello from the first demo');
      await bo.until('ada: hello from the first demo');
      ada.socket.destroy();
      bo.socket.destroy();
    } finally {
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
