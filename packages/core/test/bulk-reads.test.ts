import { createHash } from 'node:crypto';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Application, BytesLimitExceeded, ConnectionClosed, bytes, first, receive, sleep, until } from '../src/index.js';
import { serveInMemory } from '../src/testing/index.js';
import { closed, dial, line, serve } from './helpers.js';

const apps: Application[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) app.halt();
});

const pattern = (n: number) => {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + (i >> 12)) & 0xff;
  return out;
};
const sha = (data: Buffer | Buffer[]) => {
  const hash = createHash('sha256');
  for (const part of Array.isArray(data) ? data : [data]) hash.update(part);
  return hash.digest('hex');
};

/** Writes `data` in writes of `size` bytes, with backpressure, then half-closes. */
async function send(socket: net.Socket, data: Buffer, size: number): Promise<void> {
  for (let at = 0; at < data.length; at += size) {
    if (!socket.write(data.subarray(at, at + size))) await new Promise((r) => socket.once('drain', r));
  }
  socket.end();
}

/** An echo line service handler that answers on the same app, to show neighbours are served. */
function* echoLine() {
  for (;;) yield `echo ${yield* until('\n')}`;
}

describe('bulk reads over TCP', () => {
  it('bytes(65536) until EOF receives every byte in order, whatever the chunking, and reports the tail', async () => {
    const data = pattern(3 * 1024 * 1024 + 777);
    const digests: string[] = [];
    const server = await serve(function* () {
      const parts: Buffer[] = [];
      try {
        for (;;) {
          const part = yield* bytes(65536);
          if (part.length !== 65536) throw new Error(`bytes(65536) gave ${part.length}`);
          parts.push(Buffer.from(part));
        }
      } catch (error) {
        if (!(error instanceof ConnectionClosed)) throw error;
        parts.push(Buffer.from(error.buffered));
      }
      digests.push(sha(parts));
      yield `${digests.length}\n`;
    });
    apps.push(server.app);
    // Odd write sizes make reads straddle socket chunks; one write of everything hands whole chunks.
    for (const size of [1000, 65536, 70001, data.length]) {
      const socket = await dial(server.port);
      await send(socket, data, size);
      await closed(socket);
    }
    expect(digests).toEqual(Array(4).fill(sha(data)));
  });

  it('receive(max) gives at least one and at most max bytes per read, every byte once', async () => {
    const data = pattern(2 * 1024 * 1024);
    const sizes: number[] = [];
    let digest = '';
    const server = await serve(function* () {
      const parts: Buffer[] = [];
      try {
        for (;;) {
          const part = yield* receive(50_000);
          sizes.push(part.length);
          parts.push(Buffer.from(part));
        }
      } catch (error) {
        if (!(error instanceof ConnectionClosed)) throw error;
      }
      digest = sha(parts);
    });
    apps.push(server.app);
    const socket = await dial(server.port);
    await send(socket, data, 30_000);
    await closed(socket);
    expect(digest).toBe(sha(data));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50_000);
  });

  it('one bytes(n) far above the high-water mark (8 MiB) completes, and a neighbour is served meanwhile', async () => {
    const data = pattern(8 * 1024 * 1024);
    let digest = '';
    const big = await serve(function* () {
      digest = sha(yield* bytes(data.length));
      yield 'ok\n';
    });
    const small = await serve(echoLine);
    apps.push(big.app, small.app);
    const socket = await dial(big.port);
    const sent = send(socket, data, 65536);
    const neighbour = await dial(small.port);
    neighbour.write('still here\n');
    expect(await line(neighbour, '\n')).toBe('echo still here\n');
    await sent;
    expect(await line(socket, '\n')).toBe('ok\n');
    expect(digest).toBe(sha(data));
    neighbour.destroy();
  });

  it('bytes(n) above bytesLimit is a clear BytesLimitExceeded on that connection only; n at the limit works', async () => {
    const limit = 256 * 1024;
    const outcomes: unknown[] = [];
    const server = await serve(
      function* () {
        const n = Number((yield* until('\n')).trim());
        try {
          const got = yield* bytes(n);
          yield `got ${got.length}\n`;
        } catch (error) {
          outcomes.push(error);
          yield `error ${(error as BytesLimitExceeded).code}\n`;
        }
      },
      { bytesLimit: limit },
    );
    apps.push(server.app);
    const tooBig = await dial(server.port);
    tooBig.write(`${limit + 1}\n`);
    expect(await line(tooBig, '\n')).toBe('error DIESEL_ERR_BYTES_LIMIT\n');
    expect(outcomes[0]).toBeInstanceOf(BytesLimitExceeded);
    expect((outcomes[0] as BytesLimitExceeded).message).toContain(String(limit));
    const atLimit = await dial(server.port);
    atLimit.write(`${limit}\n`);
    atLimit.write(pattern(limit));
    expect(await line(atLimit, '\n')).toBe(`got ${limit}\n`);
    tooBig.destroy();
    atLimit.destroy();
  });
});

describe('bulk reads in memory (exact boundaries, backpressure)', () => {
  it('bytes(n) on exact chunk boundaries returns each chunk as written', async () => {
    const chunks = [pattern(4096), pattern(4096).reverse(), pattern(100), pattern(4096)];
    const { peer, exited } = serveInMemory(function* () {
      const out: string[] = [];
      for (const chunk of chunks) out.push(sha(yield* bytes(chunk.length)));
      return out;
    });
    for (const chunk of chunks) {
      peer.write(chunk);
      await new Promise((r) => setImmediate(r));
    }
    const outcome = await exited;
    expect(outcome).toEqual({ ok: true, value: chunks.map((c) => sha(c)) });
  });

  it('a bytes(n) that waits over many small chunks finishes on the chunk that completes it; a sleep beside it still wins; FIN ends it with the tail', async () => {
    const chunk = pattern(1024);
    const { peer, exited } = serveInMemory(function* () {
      // 1. Exactly n bytes in 16 pieces: one result, the bytes in order.
      const whole = yield* bytes(16 * 1024);
      // 2. Fewer than n bytes and a sleep beside: the sleep ends the group.
      const [none, slept] = yield* first(bytes(64 * 1024), sleep(0.2));
      // 3. The peer's FIN with a partial read buffered: ConnectionClosed carries the tail.
      try {
        yield* bytes(1024 * 1024);
        return { whole: sha(whole), none, slept, tail: -1 };
      } catch (error) {
        if (!(error instanceof ConnectionClosed)) throw error;
        return { whole: sha(whole), none, slept, tail: error.buffered.length };
      }
    });
    for (let i = 0; i < 16; i++) {
      peer.write(chunk);
      await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < 3; i++) {
      peer.write(chunk);
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 400));
    peer.end();
    const outcome = await exited;
    expect(outcome).toEqual({ ok: true, value: { whole: sha(Array(16).fill(chunk)), none: undefined, slept: true, tail: 3 * 1024 } });
  });

  it('a peer sending faster than the routine reads is paused: buffered input stays near the high-water mark', async () => {
    const { peer, connection, exited } = serveInMemory(function* () {
      yield* sleep(0.3);
      let total = 0;
      try {
        for (;;) total += (yield* receive()).length;
      } catch (error) {
        if (!(error instanceof ConnectionClosed)) throw error;
      }
      return total;
    });
    const chunk = pattern(16 * 1024);
    let written = 0;
    let peak = 0;
    const writer = (async () => {
      for (let i = 0; i < 256; i++) {
        if (!peer.write(chunk)) await new Promise((r) => peer.once('drain', r));
        written += chunk.length;
        peak = Math.max(peak, connection.bufferedLength);
      }
      peer.end();
    })();
    await writer;
    const outcome = await exited;
    expect(outcome).toEqual({ ok: true, value: written });
    // 64 KiB mark plus one chunk in flight, well under the 4 MiB sent.
    expect(peak).toBeLessThanOrEqual(64 * 1024 + chunk.length);
  });
});
