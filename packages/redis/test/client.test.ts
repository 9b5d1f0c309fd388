/**
 * RedisClient against a real redis-server on loopback, checked against redis-cli.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionClosed, Timeout, timeout } from '@diesel/core';
import { RedisClient, RedisError, RespProtocolError, type RespValue } from '../src/index.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { useRedis } from './use-redis.js';

const shared = useRedis();
const { go } = shared;

async function connected(options: ConstructorParameters<typeof RedisClient>[0] = {}, url = shared.redis.url): Promise<RedisClient> {
  const client = new RedisClient(options);
  await go(client.connect(url));
  return client;
}

/** JSON as `redis-cli --json` prints it, for our decoded replies. */
function json(value: RespValue): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), json(v)]));
  if (value instanceof Set) return [...value].map(json);
  if (Array.isArray(value)) return value.map(json);
  if (typeof value === 'bigint') return Number(value);
  return value;
}

describe('RedisClient: commands', () => {
  it('strings, counters and expiry agree with redis-cli', async () => {
    const client = await connected();
    const key = `t:${Date.now()}:str`;
    expect(await go(client.ping())).toBe('PONG');
    expect(await go(client.set(key, 'héllo\r\nworld'))).toBe('OK');
    expect(await shared.redis.cli('--no-raw', 'GET', key)).toBe('"h\\xc3\\xa9llo\\r\\nworld"');
    expect(await go(client.get(key))).toBe('héllo\r\nworld');
    expect(await go(client.get(`${key}:missing`))).toBeNull();
    await shared.redis.cli('SET', `${key}:cli`, 'from-cli');
    expect(await go(client.get(`${key}:cli`))).toBe('from-cli');
    expect(await go(client.set(key, 'again', { nx: true }))).toBeNull();
    expect(await go(client.set(`${key}:new`, 'x', { xx: true }))).toBeNull();
    expect(await go(client.set(key, 'v', { ex: 100 }))).toBe('OK');
    expect(Number(await shared.redis.cli('TTL', key))).toBeGreaterThan(90);
    expect(await go(client.set(key, 'v', { px: 50_000, xx: true }))).toBe('OK');
    expect(await go(client.ttl(key))).toBeLessThanOrEqual(50);
    expect(await go(client.expire(key, 500))).toBe(true);
    expect(await go(client.expire(`${key}:missing`, 5))).toBe(false);
    expect(await go(client.incr(`${key}:n`))).toBe(1);
    expect(await go(client.incrby(`${key}:n`, 41))).toBe(42);
    expect(await shared.redis.cli('GET', `${key}:n`)).toBe('42');
    expect(await go(client.exists(key, `${key}:n`, `${key}:missing`))).toBe(2);
    expect(await go(client.del(key, `${key}:n`, `${key}:missing`))).toBe(2);
    expect(await shared.redis.cli('EXISTS', key)).toBe('0');
  });

  it('binary values round-trip byte for byte', async () => {
    const client = await connected();
    const bytes = Buffer.from([0, 1, 2, 13, 10, 255, 254, 36, 42]);
    expect(await go(client.set('t:bin', bytes))).toBe('OK');
    expect(await go(client.getBuffer('t:bin'))).toEqual(bytes);
    expect(await shared.redis.cli('STRLEN', 't:bin')).toBe(String(bytes.length));
  });

  it('hashes and lists agree with redis-cli', async () => {
    const client = await connected();
    expect(await go(client.hset('t:h', { name: 'Ada', born: 1815 }))).toBe(2);
    expect(await go(client.hset('t:h', 'field', 'value'))).toBe(1);
    expect(await go(client.hget('t:h', 'name'))).toBe('Ada');
    expect(await go(client.hget('t:h', 'nope'))).toBeNull();
    const all = await go(client.hgetall('t:h'));
    expect(all).toEqual({ name: 'Ada', born: '1815', field: 'value' });
    expect(JSON.parse(await shared.redis.cli('-2', '--json', 'HGETALL', 't:h'))).toEqual(json(await go(client.command('HGETALL', 't:h'))));
    expect(await go(client.hgetall('t:none'))).toEqual({});
    expect(await go(client.hdel('t:h', 'field', 'nope'))).toBe(1);

    expect(await go(client.lpush('t:l', 'a', 'b'))).toBe(2);
    expect(await go(client.rpush('t:l', 'c'))).toBe(3);
    expect(await shared.redis.cli('LRANGE', 't:l', '0', '-1')).toBe('b\na\nc');
    expect(await go(client.lrange('t:l', 0, -1))).toEqual(['b', 'a', 'c']);
    expect(await go(client.rpop('t:l'))).toBe('c');
    expect(await go(client.lpop('t:l'))).toBe('b');
    expect(await go(client.blpop('t:l', 1))).toEqual(['t:l', 'a']);
    expect(await go(client.rpop('t:l'))).toBeNull();
  });

  it('blpop waits for a push from another connection, and times out with null', async () => {
    const worker = await connected();
    const producer = await connected();
    const popped = go(worker.blpop(['t:jobs', 't:other'], 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await go(producer.rpush('t:other', 'job-1'))).toBe(1);
    expect(await popped).toEqual(['t:other', 'job-1']);
    expect(await go(worker.blpop('t:jobs', 0.1))).toBeNull();
  });

  it('command() answers as redis-cli --json does, for a set of commands', async () => {
    const client = await connected();
    await shared.redis.cli('ZADD', 't:z', '1', 'one', '2.5', 'two');
    await shared.redis.cli('SADD', 't:s', 'x');
    const commands = [
      ['ZRANGE', 't:z', '0', '-1', 'WITHSCORES'],
      ['SMEMBERS', 't:s'],
      ['TYPE', 't:z'],
      ['STRLEN', 't:missing'],
      ['ECHO', 'hello'],
      ['MGET', 't:missing', 't:bin'],
      ['CONFIG', 'GET', 'appendonly'],
    ];
    for (const args of commands) {
      const ours = json(await go(client.command(...args)));
      const theirs: unknown = JSON.parse(await shared.redis.cli('-2', '--json', ...args));
      expect(ours, args.join(' ')).toEqual(theirs);
    }
  });

  it('RESP3 (protocol 3 / HELLO 3): maps, doubles and sets, compared with redis-cli -3', async () => {
    const client = await connected({}, `${shared.redis.url}?protocol=3`);
    expect(client.target.protocol).toBe(3);
    await go(client.hset('t:h3', { a: '1', b: '2' }));
    const reply = await go(client.command('HGETALL', 't:h3'));
    expect(reply).toBeInstanceOf(Map);
    expect(await go(client.hgetall('t:h3'))).toEqual({ a: '1', b: '2' });
    await shared.redis.cli('ZADD', 't:z3', '1.5', 'm');
    const score = await go(client.command('ZSCORE', 't:z3', 'm'));
    expect(score).toBe(1.5);
    for (const args of [['HGETALL', 't:h3'], ['ZRANGE', 't:z3', '0', '-1', 'WITHSCORES'], ['SMEMBERS', 't:s']]) {
      expect(json(await go(client.command(...args))), args.join(' ')).toEqual(JSON.parse(await shared.redis.cli('-3', '--json', ...args)));
    }
  });

  it('pipeline() sends many commands in one call; errors stay in place', async () => {
    const client = await connected();
    const results = await go(client.pipeline([['SET', 't:p', '1'], ['INCR', 't:p'], ['HGET', 't:p', 'x'], ['GET', 't:p']]));
    expect(results[0]).toBe('OK');
    expect(results[1]).toBe(2);
    expect(results[2]).toBeInstanceOf(RedisError);
    expect((results[2] as RedisError).prefix).toBe('WRONGTYPE');
    expect(results[3]).toBe('2');
  });

  it('a bad argument throws at the call site and writes nothing', async () => {
    const client = await connected();
    await expect(
      go(
        (function* () {
          return yield* client.set('k', undefined as never);
        })(),
      ),
    ).rejects.toMatchObject({ code: 'DIESEL_ERR_REDIS_ARGUMENT' });
    expect(await go(client.ping())).toBe('PONG');
  });
});

describe('RedisClient: pipelined across routines', () => {
  it('100 routines share one connection; every reply is the right one', async () => {
    const client = await connected();
    const before = Number((await shared.redis.cli('INFO', 'stats')).match(/total_connections_received:(\d+)/)![1]);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, r) =>
        go(
          (function* () {
            for (let i = 0; i < 50; i++) {
              yield* client.set(`t:r${r}`, `${r}-${i}`);
              const back = yield* client.get(`t:r${r}`);
              if (back !== `${r}-${i}`) throw new Error(`routine ${r} got ${back} for ${i}`);
            }
            return yield* client.incr('t:counter');
          })(),
        ),
      ),
    );
    expect(new Set(results).size).toBe(100);
    const after = Number((await shared.redis.cli('INFO', 'stats')).match(/total_connections_received:(\d+)/)![1]);
    // Only redis-cli's own INFO connection was opened meanwhile.
    expect(after - before).toBe(1);
    expect(client.inFlight).toBe(0);
  });

  it('a server error stays on its call; the routines around it and a neighbour client are served', async () => {
    const client = await connected();
    const neighbour = await connected();
    await go(client.set('t:text', 'not a number'));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => go(i % 3 === 1 ? client.incr('t:text') : client.incr(`t:ok${i}`))),
    );
    outcomes.forEach((outcome, i) => {
      if (i % 3 === 1) {
        expect(outcome.status).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason as RedisError;
        expect(error).toBeInstanceOf(RedisError);
        expect(error.code).toBe('DIESEL_ERR_REDIS_SERVER');
        expect(error.message).toBe('ERR value is not an integer or out of range');
      } else {
        expect(outcome).toEqual({ status: 'fulfilled', value: 1 });
      }
    });
    await expect(go(client.command('NO-SUCH-COMMAND'))).rejects.toThrow(/unknown command/);
    expect(await go(client.ping())).toBe('PONG');
    expect(await go(neighbour.ping())).toBe('PONG');
  });
});

describe('RedisClient: connection setup', () => {
  let secured: RedisServer;
  beforeAll(async () => {
    secured = await startRedis(['--requirepass', 's3cret', '--user', 'app', 'on', '>app-pass', '~*', '+@all']);
  });
  afterAll(async () => {
    await secured?.stop();
  });

  it('AUTH and SELECT come from the URL', async () => {
    const client = await connected({}, `redis://:s3cret@127.0.0.1:${secured.port}/3`);
    await go(client.set('t:db3', 'three'));
    expect(await secured.cli('-a', 's3cret', '--no-auth-warning', '-n', '3', 'GET', 't:db3')).toBe('three');
    expect(await secured.cli('-a', 's3cret', '--no-auth-warning', '-n', '0', 'EXISTS', 't:db3')).toBe('0');
  });

  it('an ACL user, RESP3 and a client name go through HELLO 3', async () => {
    const client = await connected({ name: 'diesel-test' }, `redis://app:app-pass@127.0.0.1:${secured.port}?protocol=3`);
    expect(await go(client.command('ACL', 'WHOAMI'))).toBe('app');
    expect(await go(client.command('CLIENT', 'GETNAME'))).toBe('diesel-test');
  });

  it('a wrong password fails connect with the server text; no password gives NOAUTH on the call', async () => {
    const wrong = new RedisClient();
    await expect(go(wrong.connect(`redis://:nope@127.0.0.1:${secured.port}`))).rejects.toMatchObject({ prefix: 'WRONGPASS' });
    expect(wrong.connected).toBe(false);
    const anonymous = await connected({}, `redis://127.0.0.1:${secured.port}`);
    await expect(go(anonymous.get('k'))).rejects.toMatchObject({ prefix: 'NOAUTH' });
  });

  it('a refused connection is a ConnectError', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(go(new RedisClient().connect('127.0.0.1', port))).rejects.toMatchObject({ code: 'DIESEL_ERR_CONNECT' });
  });

  it('refuses URLs that are not redis:// or rediss://', () => {
    expect(() => new RedisClient('http://localhost')).toThrow(expect.objectContaining({ code: 'DIESEL_ERR_REDIS_URL' }));
    expect(() => new RedisClient('redis://localhost/abc')).toThrow(expect.objectContaining({ code: 'DIESEL_ERR_REDIS_URL' }));
  });
});

describe('RedisClient: bad replies and lost servers', () => {
  it('a malformed reply fails its call with RespProtocolError and the rest with ConnectionClosed; a neighbour is unaffected', async () => {
    // A fake server that answers the first command properly and the second with garbage.
    let count = 0;
    const fake = net.createServer((socket) => {
      socket.on('data', (chunk) => {
        const commands = chunk.toString('latin1').split('*').length - 1;
        let out = '';
        for (let i = 0; i < commands; i++) out += ++count === 2 ? '?garbage\r\n' : '+OK\r\n';
        socket.write(out);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const client = await connected({}, `redis://127.0.0.1:${(fake.address() as net.AddressInfo).port}`);
      const neighbour = await connected();
      const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map((key) => go(client.set(key, 'v'))));
      expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'OK' });
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(RespProtocolError);
      expect((outcomes[1] as PromiseRejectedResult).reason.code).toBe('DIESEL_ERR_REDIS_PROTOCOL');
      for (const outcome of outcomes.slice(2)) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionClosed);
      expect(client.connected).toBe(false);
      expect(await go(neighbour.ping())).toBe('PONG');
    } finally {
      fake.close();
    }
  });

  it('a server that stops answering: timeout() gives up on one call, and the calls behind it fail cleanly', async () => {
    // Accepts and reads, never answers (a hung server, or one behind a dead link).
    const sockets: net.Socket[] = [];
    const mute = net.createServer((socket) => {
      sockets.push(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const client = new RedisClient();
      // connect() itself needs no reply: no AUTH, SELECT or HELLO to send.
      await go(client.connect('127.0.0.1', (mute.address() as net.AddressInfo).port));
      const neighbour = await connected();
      const behind = [go(client.get('a')), go(client.get('b'))].map((call) => call.catch((error: unknown) => error));
      await expect(go(timeout(0.2, client.get('c')))).rejects.toBeInstanceOf(Timeout);
      // The timed-out call wrote a command and left: later replies would shift, so the
      // connection is closed and every call still in flight fails with ConnectionClosed.
      for (const error of await Promise.all(behind)) expect(error).toBeInstanceOf(ConnectionClosed);
      expect(client.inFlight).toBe(0);
      expect(await go(neighbour.ping())).toBe('PONG');
    } finally {
      for (const socket of sockets) socket.destroy();
      mute.close();
    }
  });

  it('a server killed mid-pipeline fails every pending call with ConnectionClosed; nothing hangs', async () => {
    const victim = await startRedis();
    try {
      const client = await connected({}, victim.url);
      let done = 0;
      let failed = 0;
      const routines = Array.from({ length: 100 }, (_, r) =>
        go(
          (function* () {
            try {
              for (let i = 0; ; i++) {
                yield* client.set(`k${r}`, i);
                done++;
              }
            } catch (error) {
              failed++;
              throw error;
            }
          })(),
        ),
      );
      // Settled from the start: the rejections come while the test awaits the kill.
      const settled = Promise.allSettled(routines);
      while (done < 2000) await new Promise((resolve) => setTimeout(resolve, 5));
      await victim.kill();
      const outcomes = await settled;
      expect(failed).toBe(100);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionClosed);
      }
      expect(client.inFlight).toBe(0);
      await expect(go(client.get('k0'))).rejects.toBeInstanceOf(ConnectionClosed);
    } finally {
      await victim.stop();
    }
  });

  it('with reconnect on, the next call after a restart reconnects (logged); bounded when the server stays away', async () => {
    const flaky = await startRedis();
    try {
      const client = await connected({ reconnect: { attempts: 3, minDelay: 0.05, maxDelay: 0.2 }, db: 2 }, flaky.url);
      await go(client.set('t:before', '1'));
      const inFlight = go(client.blpop('t:never', 0)).catch((error: unknown) => error);
      while (client.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await flaky.kill();
      // A call in flight is lost with the connection: reconnecting does not replay it.
      expect(await inFlight).toBeInstanceOf(ConnectionClosed);
      // Down for good: three tries, then a clear error.
      await expect(go(client.get('t:before'))).rejects.toMatchObject({ code: 'DIESEL_ERR_REDIS_RECONNECT_FAILED' });
      expect(shared.logger.lines.filter((line) => line.includes('reconnect attempt')).length).toBe(2);
      await flaky.restart();
      // Many routines at once: one reconnect, shared.
      const values = await Promise.all(Array.from({ length: 20 }, (_, i) => go(client.set(`t:after${i}`, 'x'))));
      expect(values.every((v) => v === 'OK')).toBe(true);
      expect(shared.logger.lines.filter((line) => line.includes('reconnected to')).length).toBe(1);
      // The handshake ran again: still on database 2.
      expect(await flaky.cli('-n', '2', 'GET', 't:after0')).toBe('x');
    } finally {
      await flaky.stop();
    }
  });
});
