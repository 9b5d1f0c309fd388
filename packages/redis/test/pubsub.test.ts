/**
 * Pub/sub against a real redis-server: messages arrive in order, patterns, unsubscribe,
 * a bounded queue that loses nothing, timeouts, closing and losing the connection.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionClosed, first, sleep } from '@diesel/core';
import { RedisClient, type PubSubMessage } from '../src/index.js';
import { startRedis } from './redis-server.js';
import { useRedis } from './use-redis.js';

const shared = useRedis();
const { go } = shared;

async function client(options: ConstructorParameters<typeof RedisClient>[0] = {}): Promise<RedisClient> {
  const c = new RedisClient({ url: shared.redis.url, ...(typeof options === 'object' ? options : {}) });
  await go(c.connect());
  return c;
}

describe.each([2, 3] as const)('pub/sub over RESP%i', (protocol) => {
  it('delivers every message in order, from our client and from redis-cli', async () => {
    const publisher = await client({ protocol });
    const sub = await go(publisher.subscribe('news', 'alerts'));
    expect([...sub.channels].sort()).toEqual(['alerts', 'news']);
    const received: PubSubMessage[] = [];
    const reader = go(
      (function* () {
        for (let i = 0; i < 102; i++) received.push(yield* sub.message());
      })(),
    );
    for (let i = 0; i < 100; i++) expect(await go(publisher.publish('news', `n${i}`))).toBe(1);
    expect(await shared.redis.cli('PUBLISH', 'alerts', 'from cli')).toBe('1');
    await go(publisher.publish('elsewhere', 'nobody listens'));
    await go(publisher.publish('news', 'last'));
    await reader;
    expect(received.slice(0, 100).map((m) => m.message)).toEqual(Array.from({ length: 100 }, (_, i) => `n${i}`));
    expect(received[100]).toEqual({ channel: 'alerts', message: 'from cli' });
    expect(received[101]).toEqual({ channel: 'news', message: 'last' });
    sub.close();
  });

  it('psubscribe gives the pattern; unsubscribe stops delivery', async () => {
    const publisher = await client({ protocol });
    const sub = await go(publisher.psubscribe('room.*'));
    await go(publisher.publish('room.1', 'hello'));
    expect(await go(sub.message())).toEqual({ pattern: 'room.*', channel: 'room.1', message: 'hello' });
    await go(sub.subscribe('plain'));
    await go(sub.punsubscribe('room.*'));
    expect(sub.patterns.size).toBe(0);
    expect(await go(publisher.publish('room.2', 'unheard'))).toBe(0);
    expect(await go(publisher.publish('plain', 'heard'))).toBe(1);
    expect(await go(sub.message())).toEqual({ channel: 'plain', message: 'heard' });
    await go(sub.unsubscribe());
    expect(sub.channels.size).toBe(0);
    expect(await shared.redis.cli('PUBSUB', 'NUMSUB', 'plain')).toBe('plain\n0');
    sub.close();
  });
});

describe('subscriptions', () => {
  it('message(timeout) gives null when nothing comes; a message before it wins', async () => {
    const publisher = await client();
    const sub = await go(publisher.subscribe('quiet'));
    expect(await go(sub.message(0.05))).toBeNull();
    const waiting = go(sub.message(30));
    await go(publisher.publish('quiet', 'now'));
    expect(await waiting).toEqual({ channel: 'quiet', message: 'now' });
    sub.close();
  });

  it('several routines waiting on one subscription each get a different message', async () => {
    const publisher = await client();
    const sub = await go(publisher.subscribe('work'));
    const takers = Array.from({ length: 5 }, () => go(sub.message()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 5; i++) await go(publisher.publish('work', `job${i}`));
    const got = (await Promise.all(takers)).map((m) => m.message).sort();
    expect(got).toEqual(['job0', 'job1', 'job2', 'job3', 'job4']);
    sub.close();
  });

  it('a full queue stops reading instead of growing, and loses nothing', async () => {
    const publisher = await client({ subscription: { maxQueued: 10 } });
    const sub = await go(publisher.subscribe('flood'));
    expect(sub.maxQueued).toBe(10);
    for (let i = 0; i < 500; i++) await go(publisher.publish('flood', `m${i}`));
    while (!sub.paused) await new Promise((resolve) => setTimeout(resolve, 5));
    // One socket read may overshoot the bound by what it held, never by the whole flood.
    expect(sub.queued).toBeGreaterThanOrEqual(10);
    expect(sub.queued).toBeLessThan(500);
    const messages = await go(
      (function* () {
        const out: string[] = [];
        for (let i = 0; i < 500; i++) out.push((yield* sub.message()).message);
        return out;
      })(),
    );
    expect(messages).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
    sub.close();
  });

  it('close() fails a waiting message() with ConnectionClosed; so does a lost server', async () => {
    const publisher = await client();
    const sub = await go(publisher.subscribe('c'));
    const waiting = go(sub.message()).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    sub.close();
    expect(await waiting).toBeInstanceOf(ConnectionClosed);
    await expect(go(sub.message())).rejects.toBeInstanceOf(ConnectionClosed);

    const victim = await startRedis();
    try {
      const other = new RedisClient(victim.url);
      await go(other.connect());
      const doomed = await go(other.subscribe('x'));
      const pending = go(doomed.message()).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await victim.kill();
      expect(await pending).toBeInstanceOf(ConnectionClosed);
      expect(doomed.closed).toBe(true);
    } finally {
      await victim.stop();
    }
  });

  it('message() can be grouped: first(sub.message(), sleep(n)) — the sleep wins when quiet, the message when one comes', async () => {
    const publisher = await client();
    const sub = await go(publisher.subscribe('g'));
    const quiet = await go(first(sub.message(), sleep(0.05)));
    expect(quiet).toEqual([undefined, true]);
    // The group that lost left no waiter behind: the next message goes to the next taker.
    const later = go(first(sub.message(), sleep(30)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await go(publisher.publish('g', 'hello'));
    expect(await later).toEqual([{ channel: 'g', message: 'hello' }, undefined]);
    await go(publisher.publish('g', 'queued'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await go(first(sub.message(), sleep(30)))).toEqual([{ channel: 'g', message: 'queued' }, undefined]);
    sub.close();
  });
});
