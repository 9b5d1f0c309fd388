import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, thisConnection } from '@diesel/core';
import { httpResponse, streamBody, type HttpRequest } from '../src/index.js';
import { Raw, exchange, serve, statusOf, type Served } from './helpers.js';

// Big streamed uploads (`streamBody`) over real sockets from node:http: every byte arrives
// in order whether the body is chunked or has a Content-Length, a reader that takes bytes
// already buffered still honours the request deadline, and a slow handler holds the
// client back instead of letting the server's buffer grow.

let served: Served | null = null;
afterEach(() => {
  served?.stop();
  served = null;
});

const hashing = streamBody(function* (req: HttpRequest) {
  const hash = createHash('sha256');
  let total = 0;
  for (let chunk = yield* req.bodyReader!.read(); chunk !== null; chunk = yield* req.bodyReader!.read()) {
    hash.update(chunk);
    total += chunk.length;
  }
  return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, `${total} ${hash.digest('hex')}`);
});

/** POSTs `body` in `piece`-byte writes with backpressure; resolves with the status and the reply. */
function upload(port: number, body: Buffer, piece: number, chunked: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = chunked ? {} : { 'Content-Length': String(body.length) };
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/', headers }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    let at = 0;
    const more = (): void => {
      while (at < body.length) {
        const part = body.subarray(at, at + piece);
        at += part.length;
        if (!req.write(part)) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

describe('streamed request bodies, bulk', () => {
  const body = randomBytes(6 * 1024 * 1024 + 123);
  const expected = `${body.length} ${createHash('sha256').update(body).digest('hex')}`;

  for (const chunked of [true, false]) {
    for (const piece of [64 * 1024, 1000, 300 * 1024]) {
      it(`delivers ${body.length} bytes intact, ${chunked ? 'chunked' : 'Content-Length'}, in ${piece}-byte writes`, async () => {
        served = await serve(hashing);
        const reply = await upload(served.port, body, piece, chunked);
        expect(reply.status).toBe(200);
        expect(reply.text).toBe(expected);
      }, 60_000);
    }
  }

  it('still ends a body that stops arriving with 408, and serves a neighbour meanwhile', async () => {
    served = await serve(hashing, { requestTimeout: 1 });
    const raw = await Raw.connect(served.port);
    try {
      // Part of the body, with more of it buffered than the handler's first read takes.
      raw.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n${'a'.repeat(200_000)}`);
      const neighbour = await exchange(served.port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      expect(statusOf(neighbour)).toBe(200);
      const text = await raw.waitForText('HTTP/1.1 408');
      expect(text).toContain('HTTP/1.1 408');
    } finally {
      raw.close();
    }
  }, 30_000);

  it('holds a fast client back while the handler reads slowly: the buffer stays bounded', async () => {
    let most = 0;
    let reads = 0;
    served = await serve(streamBody(function* (req: HttpRequest) {
      const connection = yield* thisConnection();
      let total = 0;
      for (let chunk = yield* req.bodyReader!.read(); chunk !== null; chunk = yield* req.bodyReader!.read()) {
        total += chunk.length;
        most = Math.max(most, connection.bufferedLength);
        // Slow only at first: long enough for the client to fill every buffer between us.
        if (++reads < 40) yield* sleep(0.02);
      }
      return httpResponse(req, 200, {}, `${total}`);
    }));
    const big = Buffer.alloc(16 * 1024 * 1024, 7);
    const reply = await upload(served.port, big, 256 * 1024, false);
    expect(reply.text).toBe(String(big.length));
    // Reading pauses past the 64 KiB mark; one more socket read (at most 64 KiB) may land.
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(192 * 1024);
  }, 60_000);
});
