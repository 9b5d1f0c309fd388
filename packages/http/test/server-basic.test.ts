import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '@diesel/core';
import { httpResponse, type HttpRequest } from '../src/index.js';
import { Raw, exchange, serve, statusOf, type Served } from './helpers.js';

let served: Served | null = null;
afterEach(() => {
  served?.stop();
  served = null;
});

function* hello(req: HttpRequest) {
  return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, `hello ${req.method} ${req.url}\n`);
}

describe('HttpServer basics', () => {
  it('answers a request and keeps the connection alive', async () => {
    served = await serve(hello);
    const raw = await Raw.connect(served.port);
    try {
      raw.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
      await raw.waitForText('hello GET /a\n');
      raw.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
      const text = await raw.waitForText('hello GET /b\n');
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(text).toContain('Content-Length: 13\r\n');
      expect(raw.ended).toBe(false);
    } finally {
      raw.close();
    }
  });

  it('answers pipelined requests in order, a slow one first', async () => {
    served = await serve(function* (req: HttpRequest) {
      if (req.url === '/slow') yield* sleep(0.05);
      return httpResponse(req, 200, {}, `${req.url};`);
    });
    const text = await exchange(
      served.port,
      'GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const bodies = text.split('\r\n\r\n').slice(1).map((b) => b.split('HTTP/1.1')[0]);
    expect(bodies).toEqual(['/slow;', '/2;', '/3;']);
  });

  it('rejects a bad request line with 400 and closes', async () => {
    served = await serve(hello);
    const text = await exchange(served.port, 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statusOf(text)).toBe(400);
    expect(text).toContain('Connection: close');
  });

  it('answers 200 pipelined requests sent in one write, small and large responses mixed', async () => {
    served = await serve(function* (req: HttpRequest) {
      const n = Number(req.url.slice(1));
      return httpResponse(req, 200, {}, n % 10 === 0 ? `${n}:${'x'.repeat(40_000)};` : `${n};`);
    });
    let requests = '';
    for (let i = 0; i < 200; i++) requests += `GET /${i} HTTP/1.1\r\nHost: x\r\n${i === 199 ? 'Connection: close\r\n' : ''}\r\n`;
    const text = await exchange(served.port, requests);
    const order = [...text.matchAll(/\r\n\r\n(\d+)[;:]/g)].map((m) => Number(m[1]));
    expect(order).toEqual([...Array(200).keys()]);
    expect(text.split('x'.repeat(40_000)).length - 1).toBe(20);
  });
});
