import { setTimeout as delay } from 'node:timers/promises';
import { Application, Service, sleep } from '@diesel/core';
import { FakeClock, MemoryLogger } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpServer, type HttpRequest, type HttpServerOptions, textResponse } from '../src/index.js';
import type { HttpHandler } from '../src/types.js';
import { Raw, exchange, serve, statusOf, type Served } from './helpers.js';

let served: Served | null = null;
let halt: (() => void) | null = null;
afterEach(() => {
  served?.stop();
  served = null;
  halt?.();
  halt = null;
});

/** Serves on a fake clock, so timeouts are checked exactly, never against wall time. */
async function serveOnFakeClock(handler: HttpHandler, options: HttpServerOptions): Promise<{ port: number; clock: FakeClock }> {
  const clock = new FakeClock();
  const app = new Application({ clock, logger: new MemoryLogger() });
  const service = new Service(new HttpServer(handler, options), { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  halt = () => app.halt();
  return { port: service.port, clock };
}

/** Lets loopback bytes reach the server (real I/O; the fake clock does not move meanwhile). */
const settle = (): Promise<unknown> => delay(150);

const hello = () => textResponse(200, 'hello\n');

describe('HttpServer hardening', () => {
  it('gives the first request headersTimeout from the connection, not from the end of an idle wait', async () => {
    const { port, clock } = await serveOnFakeClock(hello, { headersTimeout: 10, keepAliveTimeout: 5 });
    const slow = await Raw.connect(port);
    try {
      await settle();
      slow.write('GET / HTTP/1.1\r\nHost: x\r\n');
      await settle();
      await clock.advance(6);
      slow.write('X-Slow: 1\r\n');
      await settle();
      expect(slow.text).toBe('');
      await clock.advance(4.5); // 10.5 s after the connection: past the headers timeout
      const answer = await slow.untilEnd();
      expect(statusOf(answer)).toBe(408);
    } finally {
      slow.close();
    }
  });

  it('gives a keep-alive request at most headersTimeout from the start of the idle wait', async () => {
    const { port, clock } = await serveOnFakeClock(hello, { headersTimeout: 10, keepAliveTimeout: 5 });
    const slow = await Raw.connect(port);
    try {
      slow.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await slow.waitForText('hello\n');
      await settle();
      await clock.advance(1);
      slow.write('GET / HTTP/1.1\r\nHost: x\r\n');
      await settle();
      await clock.advance(6); // the idle wait ends with a request begun
      slow.write('X-Slow: 1\r\n');
      await settle();
      await clock.advance(3.5); // 10.5 s after the idle wait began
      const answer = await slow.untilEnd();
      expect(answer.split('HTTP/1.1 ').length - 1).toBe(2);
      expect(answer).toContain('HTTP/1.1 408 ');
    } finally {
      slow.close();
    }
  });

  it('refuses a head with bare LF line endings at once with 400, not after the headers timeout', async () => {
    const { port } = await serveOnFakeClock(hello, { headersTimeout: 60 });
    // The fake clock never moves here: only an immediate refusal can end this exchange.
    const answer = await exchange(port, 'GET / HTTP/1.1\nHost: x\n\n');
    expect(statusOf(answer)).toBe(400);
    expect(answer).toContain('CRLF');
  });

  it('refuses a CONNECT the handler does not take over and closes, never reading what follows as a request', async () => {
    const seen: string[] = [];
    served = await serve((req: HttpRequest) => {
      seen.push(`${req.method} ${req.url}`);
      return textResponse(405, 'no tunnels here\n');
    });
    const answer = await exchange(served.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nPOST /smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    expect(statusOf(answer)).toBe(405);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer.split('HTTP/1.1 ').length - 1).toBe(1);
    expect(seen).toEqual(['CONNECT example.com:443']);
  });

  for (const how of ['FIN', 'reset'] as const) {
    it(`notices a client that leaves (${how}) while the handler runs: aborts req.signal and releases the socket`, async () => {
      let aborted: (reason: unknown) => void = () => undefined;
      const abortedReason = new Promise<unknown>((resolve) => (aborted = resolve));
      served = await serve(function* longPoll(req: HttpRequest) {
        if (req.url === '/poll') {
          req.signal?.addEventListener('abort', () => aborted(req.signal?.reason));
          yield sleep(120);
        }
        return textResponse(200, 'done\n');
      });
      const leaving = await Raw.connect(served.port);
      leaving.write('GET /poll HTTP/1.1\r\nHost: x\r\n\r\n');
      await settle();
      if (how === 'FIN') leaving.socket.end();
      else leaving.socket.resetAndDestroy();
      const reason = await abortedReason;
      expect((reason as { code?: string }).code).toBe('DIESEL_ERR_HTTP_CLIENT_GONE');
      if (how === 'FIN') expect(await leaving.untilEnd()).toBe(''); // our side closed too: no CLOSE_WAIT
      for (let i = 0; i < 100 && served.app.services[0]!.connectionCount > 0; i++) await delay(50);
      expect(served.app.services[0]!.connectionCount).toBe(0);
      const neighbour = await exchange(served.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(statusOf(neighbour)).toBe(200);
    });
  }
});
