import { afterEach, describe, expect, it } from 'vitest';
import { bytes, sleep, thisConnection } from '@diesel/core';
import { httpResponse, streamBody, takenOver, type HttpRequest } from '../src/index.js';
import { Raw, exchange, serve, statusOf, type Served } from './helpers.js';

let served: Served | null = null;
afterEach(() => {
  served?.stop();
  served = null;
});

function* echo(req: HttpRequest) {
  return httpResponse(req, 200, { 'Content-Type': 'application/octet-stream', 'X-Method': req.method }, req.body ?? '');
}

describe('HttpServer features', () => {
  it('reads a chunked request body', async () => {
    served = await serve(echo);
    const text = await exchange(served.port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n');
    expect(text).toContain('Content-Length: 6\r\n');
    expect(text.endsWith('\r\n\r\nhello!')).toBe(true);
  });

  it('streams a chunked response from a generator that yields tokens between chunks', async () => {
    served = await serve(function* (req: HttpRequest) {
      return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, (function* () {
        yield 'one\n';
        yield* sleep(0.01);
        yield 'two\n';
        yield Buffer.from('three\n');
      })());
    });
    const text = await exchange(served.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(text).toContain('Transfer-Encoding: chunked\r\n');
    expect(text.split('\r\n\r\n')[1]).toBe('4\r\none\n\r\n4\r\ntwo\n\r\n6\r\nthree\n\r\n0');
  });

  it('streams an async iterable body with a declared Content-Length as is', async () => {
    served = await serve(function* (req: HttpRequest) {
      async function* parts() {
        yield 'ab';
        yield 'cd';
      }
      return httpResponse(req, 200, { 'Content-Length': '4' }, parts());
    });
    const text = await exchange(served.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(text).toContain('Content-Length: 4\r\n');
    expect(text).not.toContain('chunked');
    expect(text.endsWith('\r\n\r\nabcd')).toBe(true);
  });

  it('answers HEAD with the headers a GET would have, and no body', async () => {
    let started = false;
    served = await serve(function* (req: HttpRequest) {
      if (req.url === '/stream') {
        return httpResponse(req, 200, {}, (function* () {
          started = true;
          yield 'never sent';
        })());
      }
      return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, 'twelve bytes');
    });
    const raw = await Raw.connect(served.port);
    try {
      raw.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\nHEAD /stream HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const text = await raw.waitForText('twelve bytes');
      const [first, second] = text.split('HTTP/1.1 200 OK').slice(1);
      expect(first).toContain('Content-Length: 12\r\n');
      expect(first!.endsWith('\r\n\r\n')).toBe(true);
      expect(second!.endsWith('\r\n\r\n')).toBe(true);
      expect(text).not.toContain('never sent');
      expect(started).toBe(false); // HEAD: the body generator was closed unstarted
    } finally {
      raw.close();
    }
  });

  it('sends 100 Continue before reading a body the client is holding back', async () => {
    served = await serve(echo);
    const raw = await Raw.connect(served.port);
    try {
      raw.write('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
      await raw.waitForText('HTTP/1.1 100 Continue\r\n\r\n');
      raw.write('hello');
      const text = await raw.waitForText('hello');
      expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    } finally {
      raw.close();
    }
  });

  it('closes after Connection: close, and after an HTTP/1.0 request without keep-alive', async () => {
    served = await serve(echo);
    const one = await exchange(served.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(one)).toBe(200);
    expect(one).toContain('Connection: close\r\n');
    const two = await exchange(served.port, 'GET / HTTP/1.0\r\n\r\n');
    expect(statusOf(two)).toBe(200);
    expect(two).toContain('Connection: close\r\n');
  });

  it('keeps an HTTP/1.0 keep-alive connection and sends a stream close-delimited', async () => {
    served = await serve(function* (req: HttpRequest) {
      if (req.url === '/stream') return httpResponse(req, 200, {}, ['a', 'b', 'c']);
      return httpResponse(req, 200, {}, 'fixed');
    });
    const raw = await Raw.connect(served.port);
    try {
      raw.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const first = await raw.waitForText('fixed');
      expect(first).toContain('Connection: keep-alive\r\n');
      raw.write('GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const text = await raw.untilEnd();
      const second = text.slice(first.length);
      expect(second).not.toContain('chunked');
      expect(second).toContain('Connection: close\r\n');
      expect(second.endsWith('\r\n\r\nabc')).toBe(true);
    } finally {
      raw.close();
    }
  });

  it('lets a handler stream the request body itself (streamBody)', async () => {
    const seen: number[] = [];
    served = await serve(streamBody(function* (req: HttpRequest) {
      expect(req.body).toBeNull();
      let total = 0;
      for (let chunk = yield* req.bodyReader!.read(); chunk !== null; chunk = yield* req.bodyReader!.read()) {
        seen.push(chunk.length);
        total += chunk.length;
      }
      return httpResponse(req, 200, {}, `${total}`);
    }), { maxBodySize: 10 });
    const raw = await Raw.connect(served.port);
    try {
      raw.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (let k = 0; k < 20; k++) raw.write(`400\r\n${'z'.repeat(1024)}\r\n`);
      raw.write('0\r\n\r\n');
      const text = await raw.waitForText('20480');
      expect(statusOf(text)).toBe(200);
      expect(seen.reduce((a, b) => a + b, 0)).toBe(20480);
    } finally {
      raw.close();
    }
  });

  it('passes an upgrade request to the handler, which takes the connection over with the pipelined bytes intact', async () => {
    served = await serve(function* (req: HttpRequest) {
      expect(req.headers.first('upgrade')).toBe('x-echo');
      expect(req.body).toBeNull();
      yield 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x-echo\r\nConnection: Upgrade\r\n\r\n';
      const conn = yield* thisConnection();
      expect(conn).toBeDefined();
      const first = yield* bytes(5); // sent by the client in the same packet as the head
      yield `echo:${first.toString()}`;
      return takenOver();
    });
    const text = await exchange(served.port, 'GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x-echo\r\n\r\nhello');
    expect(text).toBe('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x-echo\r\nConnection: Upgrade\r\n\r\necho:hello');
  });

  it('answers an upgrade request it does not take over as plain HTTP and keeps going', async () => {
    served = await serve(function* (req: HttpRequest) {
      return httpResponse(req, 426, {}, `no ${req.headers.first('upgrade')}`);
    });
    const raw = await Raw.connect(served.port);
    try {
      raw.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: nope\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const text = await raw.waitForText('no undefined');
      expect(text.split('HTTP/1.1 426').length - 1).toBe(2);
    } finally {
      raw.close();
    }
  });

  it('logs one info line per request', async () => {
    served = await serve(echo);
    await exchange(served.port, 'GET /logged HTTP/1.1\r\nHost: example:8088\r\nConnection: close\r\n\r\n');
    expect(served.logger.lines).toContain('info GET /logged Host=example:8088');
  });

  it('answers a broken body read by a streaming handler with 400, not 500', async () => {
    served = await serve(streamBody(function* (req: HttpRequest) {
      while ((yield* req.bodyReader!.read()) !== null);
      return httpResponse(req, 200, {}, 'read it all');
    }));
    const text = await exchange(served.port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nnot-hex\r\n');
    expect(statusOf(text)).toBe(400);
    expect(served.logger.lines.some((l) => l.startsWith('error'))).toBe(false);
  });
});
