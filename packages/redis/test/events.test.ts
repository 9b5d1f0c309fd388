/**
 * redisEvents() against a real redis-server: wait in one process, fire in another (real
 * child processes), order per publisher, no echo of a process's own events, the JSON
 * check, local fires that do not wait for Redis, and Redis killed and back.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Application, EventNotJson, fire, run, wait, type Routine } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { DEFAULT_EVENTS_CHANNEL, redisEvents } from '../src/index.js';
import { startRedis, type RedisServer } from './redis-server.js';

const PEER = fileURLToPath(new URL('./fixtures/events-peer.mjs', import.meta.url));

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

interface PeerMessage {
  [key: string]: unknown;
}

/** A child process on the bus; `next(key)` resolves with its next message that has `key`. */
class Peer {
  readonly child: ChildProcess;
  readonly logs: { level: string; message: string }[] = [];
  readonly #messages: PeerMessage[] = [];
  #waiters: (() => void)[] = [];
  constructor(url: string) {
    this.child = fork(PEER, [url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: PeerMessage) => {
      if (typeof message.log === 'string') this.logs.push({ level: message.log, message: String(message.message) });
      else this.#messages.push(message);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }
  async next(key: string, timeoutMs = 20_000): Promise<PeerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.#messages.findIndex((m) => key in m);
      if (at !== -1) return this.#messages.splice(at, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no ${key} message from the peer in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
  send(command: PeerMessage): void {
    this.child.send(command);
  }
  async halt(): Promise<PeerMessage> {
    this.send({ halt: true });
    const done = await this.next('halted');
    await new Promise((resolve) => (this.child.exitCode !== null ? resolve(null) : this.child.once('exit', resolve)));
    return done;
  }
}

async function peer(url = redis.url): Promise<Peer> {
  const p = new Peer(url);
  await p.next('ready');
  return p;
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('redisEvents across processes', () => {
  it('a routine waiting in process B is woken by a fire in process A, with the value; A counts only its own waiters', async () => {
    const [a, b] = await Promise.all([peer(), peer()]);
    try {
      b.send({ wait: 'greeting' });
      await b.next('waiting');
      const value = { text: 'hello from A', n: 3, list: [1, 'two', null, { ok: true }] };
      a.send({ fire: 'greeting', values: [value] });
      expect((await a.next('fired')).counts).toEqual([0]);
      expect((await b.next('waited')).value).toEqual(value);
    } finally {
      await Promise.all([a.halt(), b.halt()]);
    }
  });

  it('keeps each publisher’s order, interleaved; a process never gets its own events back', async () => {
    const [a, b, c] = await Promise.all([peer(), peer(), peer()]);
    try {
      const N = 500;
      c.send({ listen: 'n', count: 2 * N });
      a.send({ listen: 'n', count: 2 * N }); // A hears its own N fires (locally) and B's N: an echo would show up as more of A's
      await Promise.all([c.next('listening'), a.next('listening')]);
      a.send({ fire: 'n', values: Array.from({ length: N }, (_, i) => ({ from: 'a', i })) });
      b.send({ fire: 'n', values: Array.from({ length: N }, (_, i) => ({ from: 'b', i })) });
      await Promise.all([a.next('fired'), b.next('fired')]);
      const got = (await c.next('listened')).got as { from: string; i: number }[];
      for (const from of ['a', 'b']) expect(got.filter((e) => e.from === from).map((e) => e.i)).toEqual([...Array(N).keys()]);
      const heardByA = (await a.next('listened')).got as { from: string; i: number }[];
      expect(heardByA.filter((e) => e.from === 'a').map((e) => e.i)).toEqual([...Array(N).keys()]);
      expect(heardByA.filter((e) => e.from === 'b').map((e) => e.i)).toEqual([...Array(N).keys()]);
      const doneA = await a.halt();
      expect(doneA.received).toBe(N); // only B's
    } finally {
      await Promise.all([b.halt(), c.halt()]);
    }
  });
});

describe('redisEvents in this process', () => {
  function* waitAll(event: string, into: unknown[], count: number): Routine<void> {
    for (let i = 0; i < count; i++) into.push(yield* wait(event));
  }

  it('a value JSON cannot carry fails at fire with DIESEL_ERR_EVENT_NOT_JSON; nothing reaches the other process', async () => {
    const b = await peer();
    const logger = new MemoryLogger();
    const app = new Application({ events: redisEvents({ url: redis.url }), logger });
    await app.start();
    try {
      b.send({ listen: 'x', count: 1 });
      await b.next('listening');
      const error = await run(fire('x', { at: new Date() }), { hub: app.hub }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventNotJson);
      expect((error as EventNotJson).code).toBe('DIESEL_ERR_EVENT_NOT_JSON');
      expect((error as Error).message).toMatch(/value\.at is a Date/);
      await run(fire('x', 'fine'), { hub: app.hub });
      expect((await b.next('listened')).got).toEqual(['fine']);
    } finally {
      app.halt();
      await app.halted();
      await b.halt();
    }
  });

  it('local waiters are woken at fire, before Redis is involved; with Redis killed, local delivery goes on and the failures are logged; it recovers', async () => {
    const own = await startRedis();
    const logger = new MemoryLogger();
    const events = redisEvents({ url: own.url, reconnect: { minDelay: 0.05, maxDelay: 0.2, attempts: 3 }, logger });
    const app = new Application({ events, logger });
    await app.start();
    const b = await peer(own.url);
    try {
      const seen: unknown[] = [];
      const waiting = run(waitAll('local', seen, 1), { hub: app.hub });
      // The fire token returns after the local waiter was resolved: no round trip in between.
      expect(await run(fire('local', 1), { hub: app.hub })).toBe(1);
      await waiting;
      expect(seen).toEqual([1]);

      await own.kill();
      const afterKill: unknown[] = [];
      const waitingAgain = run(waitAll('local', afterKill, 3), { hub: app.hub });
      for (const value of [2, 3, 4]) {
        expect(await run(fire('local', value), { hub: app.hub })).toBe(1);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await waitingAgain;
      expect(afterKill).toEqual([2, 3, 4]);
      await eventually(() => logger.lines.some((line) => /^error redis events: \d+ events not sent to other processes/.test(line)), 'a logged publish failure');
      expect(logger.lines.some((line) => /subscription to .* lost/.test(line))).toBe(true);
      expect(events.dropped).toBeGreaterThan(0);

      await own.restart();
      // Both sides resubscribe; then events flow again, both ways.
      await eventually(() => logger.lines.some((line) => line.includes('resubscribed')), 'this process to resubscribe');
      await eventually(() => b.logs.some((line) => line.message.includes('resubscribed')), 'the peer to resubscribe');
      b.send({ listen: 'back', count: 1 });
      await b.next('listening');
      // The first fire after the outage may be the one that finds the dead connection: fire until heard.
      let heard: unknown[] | null = null;
      const listened = b.next('listened', 20_000).then((m) => (heard = m.got as unknown[]));
      while (heard === null) {
        await run(fire('back', 'again'), { hub: app.hub });
        await Promise.race([listened, new Promise((resolve) => setTimeout(resolve, 100))]);
      }
      expect(heard).toEqual(['again']);
      b.send({ fire: 'from-b', values: ['b says hi'] });
      const fromB: unknown[] = [];
      const gotFromB = run(waitAll('from-b', fromB, 1), { hub: app.hub });
      await gotFromB;
      expect(fromB).toEqual(['b says hi']);
    } finally {
      app.halt();
      await app.halted();
      await b.halt();
      await own.stop();
    }
  });

  it('halting does not hang with Redis gone', async () => {
    const own = await startRedis();
    const logger = new MemoryLogger();
    const app = new Application({ events: redisEvents({ url: own.url, logger }), logger });
    await app.start();
    await own.kill();
    await run(fire('x', 'lost'), { hub: app.hub });
    app.halt();
    await app.halted();
    expect(app.running).toBe(false);
    await own.stop();
  });

  it('past maxPending, events are dropped for the other processes (counted, logged once) and local waiters still wake', async () => {
    const own = await startRedis();
    const logger = new MemoryLogger();
    const events = redisEvents({ url: own.url, maxPending: 5, reconnect: false, logger });
    const app = new Application({ events, logger });
    await app.start();
    await own.kill();
    try {
      const seen: unknown[] = [];
      const waiting = run(waitAll('e', seen, 50), { hub: app.hub });
      // One routine firing 50 times without a pause: the publisher never gets to run.
      await run(
        (function* (): Routine<void> {
          for (let i = 0; i < 50; i++) yield* fire('e', i);
        })(),
        { hub: app.hub },
      ).catch(() => {});
      // The local waiter woke with the first fire (it waits again only once it has run,
      // and the firing routine never paused): local delivery does not depend on Redis.
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen[0]).toBe(0);
      expect(events.pending).toBeLessThanOrEqual(5);
      expect(events.dropped).toBeGreaterThanOrEqual(45);
      expect(logger.lines.filter((line) => line.includes('not sending more to other processes'))).toHaveLength(1);
      app.halt();
      await waiting.catch(() => {});
    } finally {
      app.halt();
      await app.halted();
      await own.stop();
    }
  });

  it('a message on the channel that is not a diesel event is logged and skipped; the next event still arrives', async () => {
    const logger = new MemoryLogger();
    const app = new Application({ events: redisEvents({ url: redis.url, logger }), logger });
    await app.start();
    try {
      const seen: unknown[] = [];
      const stop = app.hub.listen('ok', (value) => seen.push(value));
      await redis.cli('PUBLISH', DEFAULT_EVENTS_CHANNEL, 'not json at all');
      await redis.cli('PUBLISH', DEFAULT_EVENTS_CHANNEL, '{"e":"ok"}');
      await redis.cli('PUBLISH', DEFAULT_EVENTS_CHANNEL, JSON.stringify({ o: 'someone-else', e: 'ok', v: { fine: true } }));
      await eventually(() => seen.length === 1, 'the good event');
      expect(seen).toEqual([{ fine: true }]);
      expect(logger.lines.filter((line) => line.includes('not a diesel event'))).toHaveLength(2);
      stop();
    } finally {
      app.halt();
      await app.halted();
    }
  });

  it('run() fails clearly when Redis cannot be reached', async () => {
    const app = new Application({ events: redisEvents({ url: 'redis://127.0.0.1:1', connectTimeout: 2 }), logger: new MemoryLogger() });
    await expect(app.run()).rejects.toThrow(/127\.0\.0\.1:1/);
    expect(app.running).toBe(false);
  });
});
