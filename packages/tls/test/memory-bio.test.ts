import { createHash, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { receive, type RemoteAddress } from '@diesel/core';
import { memoryPair, serveInMemory } from '@diesel/core/testing';
import { MemoryBio, TlsError, TlsErrorCode, tlsInfo, wrapTls, type DevCertificate } from '../src/index.js';
import { type Running, readUntilText, serve, sharedCertificate, stop, tlsClient } from './helpers.js';

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

describe('MemoryBio (the in-memory transport under TLS)', () => {
  it('delivers the prefix first, then the inner stream, each byte once', async () => {
    const [near, far] = memoryPair();
    far.write('second,');
    near.pause();
    const bio = new MemoryBio(near, Buffer.from('first,'));
    far.end('third');
    expect((await collect(bio)).toString()).toBe('first,second,third');
  });

  it('stays paused until the reader asks, and pauses the inner stream under backpressure', async () => {
    const inner = new PassThrough({ highWaterMark: 1024 });
    inner.pause();
    const bio = new MemoryBio(inner, Buffer.alloc(0));
    inner.write(Buffer.alloc(200 * 1024));
    await new Promise((resolve) => setImmediate(resolve));
    // Nothing read yet: everything is still queued, bounded by the BIO's buffer.
    expect(bio.readableLength).toBeLessThanOrEqual(128 * 1024);
    expect(inner.isPaused()).toBe(true);
    let total = 0;
    bio.on('data', (chunk: Buffer) => (total += chunk.length));
    await new Promise<void>((resolve) => {
      const check = (): void => (total === 200 * 1024 ? resolve() : void setImmediate(check));
      check();
    });
    expect(total).toBe(200 * 1024);
  });

  it('writes through to the inner stream, waiting for it to drain', async () => {
    const [near, far] = memoryPair({ highWaterMark: 16 });
    const bio = new MemoryBio(near, Buffer.alloc(0));
    const payload = randomBytes(64 * 1024);
    const received = collect(far);
    bio.end(payload);
    expect((await received).equals(payload)).toBe(true);
  });

  it('destroying the BIO closes the stream under it, and the other way round', async () => {
    const [a] = memoryPair();
    const bio = new MemoryBio(a, Buffer.alloc(0));
    bio.destroy();
    await new Promise((resolve) => a.once('close', resolve));
    expect(a.destroyed).toBe(true);

    const [b] = memoryPair();
    const bio2 = new MemoryBio(b, Buffer.alloc(0));
    b.destroy();
    await new Promise((resolve) => bio2.once('close', resolve));
    expect(bio2.destroyed).toBe(true);
  });
});

describe('TLS on the in-memory path', () => {
  let dev: DevCertificate;
  let running: Running | null = null;
  beforeAll(() => {
    dev = sharedCertificate();
  });
  afterEach(async () => {
    await stop(running);
    running = null;
  });

  function* echo(_remote: RemoteAddress) {
    const info = yield* tlsInfo();
    yield `${info.protocol} ${info.transport}\r\n`;
    for (;;) yield yield* receive();
  }

  it('runs TLS over an in-memory connection (no socket at all)', async () => {
    const served = serveInMemory(wrapTls(echo, { key: dev.key, cert: dev.cert }));
    const client = tls.connect({ socket: served.peer, ca: dev.ca, servername: 'localhost' });
    try {
      expect(await readUntilText(client, '\r\n')).toBe('TLSv1.3 memory\r\n');
      client.write('in memory\r\n');
      expect(await readUntilText(client, 'in memory\r\n')).toBe('in memory\r\n');
    } finally {
      client.destroy();
      served.hub.halt();
    }
  });

  it('tlsInfo() on a plaintext connection is a TlsError (DIESEL_ERR_TLS_NOT_ENCRYPTED)', async () => {
    const served = serveInMemory(function* () {
      yield* tlsInfo();
    });
    try {
      const outcome = await served.exited;
      expect(outcome.ok).toBe(false);
      const error = (outcome as { error: unknown }).error;
      expect(error).toBeInstanceOf(TlsError);
      expect((error as TlsError).code).toBe(TlsErrorCode.NOT_ENCRYPTED);
    } finally {
      served.hub.halt();
      served.peer.destroy();
    }
  });

  it("echoes 8 MiB intact over TCP with transport: 'memory'", async () => {
    running = await serve(echo, { tls: { key: dev.key, cert: dev.cert, transport: 'memory' } });
    const client = await tlsClient(running.port, { ca: dev.ca });
    try {
      expect(await readUntilText(client, '\r\n')).toBe('TLSv1.3 memory\r\n');
      const payload = randomBytes(8 * 1024 * 1024);
      const hash = createHash('sha256');
      let length = 0;
      const done = new Promise<void>((resolve) => {
        client.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          length += chunk.length;
          if (length >= payload.length) resolve();
        });
      });
      client.write(payload);
      await done;
      expect(length).toBe(payload.length);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    } finally {
      client.destroy();
    }
  });
});
