/**
 * rediss:// through @diesel/tls against a TLS-only redis-server (a development CA made
 * by devCertificate).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hub, run, type Routine, type Token } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { devCertificate } from '@diesel/tls';
import { RedisClient } from '../src/index.js';
import { startRedis, type RedisServer } from './redis-server.js';

let redis: RedisServer;
let ca: string;
let dir: string;
const hub = new Hub({ logger: new MemoryLogger() });

function go<T>(operation: Routine<T> | Generator<unknown, T, unknown> | Token<T>): Promise<T> {
  return run(operation as Routine<T>, { hub });
}

beforeAll(async () => {
  const certificate = devCertificate({ hosts: ['127.0.0.1'] });
  ca = certificate.ca;
  dir = mkdtempSync(path.join(os.tmpdir(), 'diesel-redis-tls-'));
  const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), ca: path.join(dir, 'ca.pem') };
  writeFileSync(files.cert, certificate.cert);
  writeFileSync(files.key, certificate.key);
  writeFileSync(files.ca, certificate.ca);
  redis = await startRedis([], files);
}, 60_000);
afterAll(async () => {
  hub.halt();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('rediss:// (TLS through @diesel/tls)', () => {
  it('commands and a subscription work over TLS; redis-cli --tls sees the same data', async () => {
    expect(redis.url.startsWith('rediss://')).toBe(true);
    const client = new RedisClient({ url: redis.url, tls: { ca } });
    await go(client.connect());
    expect(client.target.tls).toBe(true);
    await go(client.set('t:tls', 'secret'));
    expect(await redis.cli('GET', 't:tls')).toBe('secret');
    expect(await go(client.get('t:tls'))).toBe('secret');
    const sub = await go(client.subscribe('tls-news'));
    await go(client.publish('tls-news', 'over tls'));
    expect(await go(sub.message(30))).toEqual({ channel: 'tls-news', message: 'over tls' });
    sub.close();
    client.close();
  });

  it('a server certificate the client does not trust fails connect', async () => {
    const client = new RedisClient(redis.url);
    await expect(go(client.connect())).rejects.toMatchObject({ code: 'DIESEL_ERR_CONNECT' });
    expect(client.connected).toBe(false);
  });
});
