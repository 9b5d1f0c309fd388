import { setTimeout as delay } from 'node:timers/promises';
import { Application, Service } from '@diesel/core';
import { FakeClock, MemoryLogger } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpServer, type HttpRequest, type HttpServerOptions, httpResponse, streamBody } from '../src/index.js';
import { Raw } from './helpers.js';

// A streamed body's reads share one deadline timer per request (armed by the first read
// that waits): these check on a fake clock that it still bounds the whole request, a
// chunk-size line included, and that each request on a connection gets its own.

let halt: (() => void) | null = null;
afterEach(() => {
  halt?.();
  halt = null;
});

async function serveOnFakeClock(options: HttpServerOptions): Promise<{ port: number; clock: FakeClock }> {
  const counting = streamBody(function* (req: HttpRequest) {
    let total = 0;
    for (let chunk = yield* req.bodyReader!.read(); chunk !== null; chunk = yield* req.bodyReader!.read()) total += chunk.length;
    return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, `got ${total}`);
  });
  const clock = new FakeClock();
  const app = new Application({ clock, logger: new MemoryLogger() });
  const service = new Service(new HttpServer(counting, options), { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  halt = () => app.halt();
  return { port: service.port, clock };
}

/** Lets loopback bytes reach the server (real I/O; the fake clock does not move meanwhile). */
const settle = (): Promise<unknown> => delay(150);
const HEAD = 'POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
const count = (text: string, what: string): number => text.split(what).length - 1;

describe('streamed body: one deadline for all the reads of a request', () => {
  it('ends a body whose every piece comes in time but whose whole does not (408)', async () => {
    const { port, clock } = await serveOnFakeClock({ requestTimeout: 10 });
    const raw = await Raw.connect(port);
    try {
      raw.write(`${HEAD}5\r\nhello\r\n`);
      await settle();
      await clock.advance(6);
      raw.write('5\r\nworld\r\n');
      await settle();
      await clock.advance(3); // 9 s in: each wait was short, the request is not yet over time
      raw.write('3\r\nab');
      await settle();
      expect(raw.text).toBe('');
      await clock.advance(1.5);
      const answer = await raw.untilEnd();
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      raw.close();
    }
  });

  it('ends a body stalled inside a chunk-size line (408)', async () => {
    const { port, clock } = await serveOnFakeClock({ requestTimeout: 10 });
    const raw = await Raw.connect(port);
    try {
      raw.write(`${HEAD}5\r\nhello\r\n1`);
      await settle();
      await clock.advance(9.5);
      expect(raw.text).toBe('');
      await clock.advance(1);
      expect(await raw.untilEnd()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      raw.close();
    }
  });

  it('gives the next request on the connection a deadline of its own', async () => {
    const { port, clock } = await serveOnFakeClock({ requestTimeout: 10, keepAliveTimeout: 60, headersTimeout: 60 });
    const raw = await Raw.connect(port);
    try {
      // The first body waits once (arming its timer), then completes.
      raw.write(`${HEAD}5\r\nhello\r\n`);
      await settle();
      raw.write('0\r\n\r\n');
      await raw.waitForText('got 5');
      await clock.advance(8);
      raw.write(`${HEAD}3\r\nabc\r\n`);
      await settle();
      await clock.advance(5); // 13 s after the first request began, 5 s into the second
      expect(count(raw.text, 'HTTP/1.1 ')).toBe(1);
      raw.write('2\r\nde\r\n');
      await settle();
      await clock.advance(5.5); // 10.5 s into the second request
      const answer = await raw.untilEnd();
      expect(count(answer, 'HTTP/1.1 200 ')).toBe(1);
      expect(answer).toContain('HTTP/1.1 408 ');
    } finally {
      raw.close();
    }
  });
});
