import { afterEach, describe, expect, it } from 'vitest';
import { httpResponse, type HttpRequest } from '../src/index.js';
import { Raw, exchange, serve, statusOf, type Served } from './helpers.js';

let served: Served | null = null;
afterEach(() => {
  served?.stop();
  served = null;
});

function* echoLength(req: HttpRequest) {
  return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, `got ${req.body?.length ?? 0} bytes\n`);
}

const cases: [string, string, number][] = [
  ['Content-Length with Transfer-Encoding (smuggling)', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['two different Content-Lengths (smuggling)', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde', 400],
  ['a bad chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n', 400],
  ['a chunk size with trailing junk', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\nabc\r\n0\r\n\r\n', 400],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n', 400],
  ['a bare CR', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\rX-B: 2\r\n\r\n', 400],
  ['a bad request line', 'GET /a b c\r\nHost: x\r\n\r\n', 400],
  ['a missing Host in HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', 400],
  ['an unknown transfer coding', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501],
  ['an unknown method', 'BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n', 501],
  ['HTTP/2.0 in an HTTP/1 request line', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
  ['an expectation it cannot meet', 'POST / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\na', 417],
];

describe('HttpServer strictness: each refusal with its status, closing only that connection', () => {
  for (const [name, request, status] of cases) {
    it(`${name} → ${status}`, async () => {
      served = await serve(echoLength);
      const other = await Raw.connect(served.port);
      try {
        other.write('GET /before HTTP/1.1\r\nHost: x\r\n\r\n');
        await other.waitForText('got 0 bytes');
        const text = await exchange(served.port, request);
        expect(statusOf(text)).toBe(status);
        expect(text).toContain('Connection: close\r\n');
        // The refusal closed its own connection only: the other one still works.
        other.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
        await other.waitForText('got 0 bytes', 2);
        expect(other.ended).toBe(false);
      } finally {
        other.close();
      }
    });
  }

  it('a header section over 16 KiB → 431', async () => {
    served = await serve(echoLength);
    const text = await exchange(served.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    expect(statusOf(text)).toBe(431);
  });

  it('too many header fields → 431', async () => {
    served = await serve(echoLength, { maxHeaders: 20 });
    const text = await exchange(served.port, `GET / HTTP/1.1\r\nHost: x\r\n${'X-A: 1\r\n'.repeat(25)}\r\n`);
    expect(statusOf(text)).toBe(431);
  });

  it('a body over maxBodySize → 413, by Content-Length before reading it', async () => {
    served = await serve(echoLength, { maxBodySize: 1000 });
    const text = await exchange(served.port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n${'a'.repeat(5000)}`);
    expect(statusOf(text)).toBe(413);
  });

  it('a chunked body over maxBodySize → 413', async () => {
    served = await serve(echoLength, { maxBodySize: 1000 });
    const chunk = `200\r\n${'a'.repeat(512)}\r\n`;
    const text = await exchange(served.port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(3)}0\r\n\r\n`);
    expect(statusOf(text)).toBe(413);
  });

  it('slow headers (slowloris) → 408 after headersTimeout', async () => {
    served = await serve(echoLength, { headersTimeout: 0.3 });
    const raw = await Raw.connect(served.port);
    try {
      raw.write('GET / HTTP/1.1\r\nHost: x\r\n');
      raw.write('X-Slow: 1\r\n'); // ...and never the empty line
      const text = await raw.untilEnd();
      expect(statusOf(text)).toBe(408);
    } finally {
      raw.close();
    }
  });

  it('a body that never completes → 408 after requestTimeout', async () => {
    served = await serve(echoLength, { requestTimeout: 0.3 });
    const raw = await Raw.connect(served.port);
    try {
      raw.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
      const text = await raw.untilEnd();
      expect(statusOf(text)).toBe(408);
    } finally {
      raw.close();
    }
  });

  it('an idle keep-alive connection is closed quietly after keepAliveTimeout', async () => {
    served = await serve(echoLength, { keepAliveTimeout: 0.2 });
    const raw = await Raw.connect(served.port);
    try {
      raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await raw.waitForText('got 0 bytes');
      const text = await raw.untilEnd();
      expect(text.split('HTTP/1.1').length - 1).toBe(1); // nothing more was sent
    } finally {
      raw.close();
    }
  });

  it('a handler that throws gives 500, is logged, and the server keeps serving', async () => {
    served = await serve(function* (req: HttpRequest) {
      if (req.url === '/boom') throw new Error('kaboom');
      return httpResponse(req, 200, {}, 'fine');
    });
    const raw = await Raw.connect(served.port);
    try {
      raw.write('GET /boom HTTP/1.1\r\nHost: x\r\n\r\n');
      const text = await raw.waitForText('\r\n\r\n');
      expect(statusOf(text)).toBe(500);
      raw.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
      await raw.waitForText('fine');
      expect(served.logger.lines.some((l) => l.startsWith('error') && l.includes('kaboom'))).toBe(true);
    } finally {
      raw.close();
    }
  });
});
