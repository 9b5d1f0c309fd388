import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '@diesel/core';
import { HttpClient, HttpError, httpResponse, type HttpRequest } from '../src/index.js';
import { serve, type Served } from './helpers.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A node:http server on a free port; counts the TCP connections it accepted. */
async function nodeServer(handler: http.RequestListener): Promise<{ port: number; connections: () => number }> {
  const server = http.createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

function client(): HttpClient {
  const c = new HttpClient({ timeout: 20 });
  closers.push(() => c.close());
  return c;
}

describe('HttpClient against node:http', () => {
  it('reuses one keep-alive connection for several requests', async () => {
    const server = await nodeServer((req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`you asked ${req.method} ${req.url}`);
    });
    const c = client();
    const bodies = await run(
      (function* () {
        yield* c.connect('127.0.0.1', server.port);
        const out: string[] = [];
        for (let i = 0; i < 3; i++) {
          const [status, headers, body] = yield* c.request('GET', `/n/${i}`);
          expect(status).toBe(200);
          expect(headers.first('content-type')).toBe('text/plain');
          out.push(body.toString());
        }
        return out;
      })(),
    );
    expect(bodies).toEqual(['you asked GET /n/0', 'you asked GET /n/1', 'you asked GET /n/2']);
    expect(server.connections()).toBe(1);
  });

  it('reads chunked responses and sends a chunked request body', async () => {
    const server = await nodeServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        res.write('got ');
        res.write(`${req.headers['transfer-encoding']} `);
        res.end(Buffer.concat(parts));
      });
    });
    const c = client();
    const [status, headers, body] = await run(
      (function* () {
        yield* c.connect('127.0.0.1', server.port);
        return yield* c.request('POST', '/up', {}, (function* () {
          yield 'streamed ';
          yield Buffer.from('body');
        })());
      })(),
    );
    expect(status).toBe(200);
    expect(headers.first('transfer-encoding')).toBe('chunked');
    expect(body.toString()).toBe('got chunked streamed body');
  });

  it('reads a close-delimited response, then reconnects for the next request', async () => {
    // A server that answers without any length and closes (HTTP/1.0 style).
    const raw = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end'));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    closers.push(() => raw.close());
    let accepted = 0;
    raw.on('connection', () => accepted++);
    const c = client();
    const bodies = await run(
      (function* () {
        yield* c.connect('127.0.0.1', (raw.address() as net.AddressInfo).port);
        const [, , one] = yield* c.request('GET', '/');
        const [, , two] = yield* c.request('GET', '/');
        return [one.toString(), two.toString()];
      })(),
    );
    expect(bodies).toEqual(['until the end', 'until the end']);
    expect(accepted).toBe(2);
  });

  it('does not follow redirects, and knows HEAD and 204 have no body', async () => {
    const server = await nodeServer((req, res) => {
      if (req.url === '/old') {
        res.writeHead(301, { Location: '/new' });
        res.end('moved');
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else {
        res.setHeader('Content-Length', '5');
        res.end(req.method === 'HEAD' ? undefined : 'hello');
      }
    });
    const c = client();
    const results = await run(
      (function* () {
        yield* c.connect('127.0.0.1', server.port);
        const a = yield* c.request('GET', '/old');
        const b = yield* c.request('HEAD', '/x');
        const d = yield* c.request('GET', '/empty');
        const e = yield* c.request('GET', '/x');
        return [a, b, d, e].map(([s, h, body]) => [s, h.first('location') ?? '', body.toString()]);
      })(),
    );
    expect(results).toEqual([
      [301, '/new', 'moved'],
      [200, '', ''],
      [204, '', ''],
      [200, '', 'hello'],
    ]);
  });

  it('refuses a malformed response with an HttpError', async () => {
    const raw = net.createServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    closers.push(() => raw.close());
    const c = client();
    await expect(
      run(
        (function* () {
          yield* c.connect('127.0.0.1', (raw.address() as net.AddressInfo).port);
          return yield* c.request('GET', '/');
        })(),
      ),
    ).rejects.toBeInstanceOf(HttpError);
  });
});

describe('HttpClient against HttpServer', () => {
  let served: Served | null = null;
  afterEach(() => {
    served?.stop();
    served = null;
  });

  it('round-trips bodies and headers over one connection, from inside a server handler too', async () => {
    served = await serve(function* (req: HttpRequest) {
      return httpResponse(req, 200, { 'X-Echo': req.headers.first('x-ask') ?? '' }, req.body ?? `no body for ${req.url}`);
    });
    const port = served.port;
    const c = client();
    const results = await run(
      (function* () {
        yield* c.connect('127.0.0.1', port);
        const a = yield* c.request('POST', '/a', { 'X-Ask': 'one' }, 'payload');
        const b = yield* c.request('GET', '/b', [['X-Ask', 'two']]);
        return [a, b].map(([s, h, body]) => `${s} ${h.first('x-echo')} ${body.toString()}`);
      })(),
    );
    expect(results).toEqual(['200 one payload', '200 two no body for /b']);
    expect(served.logger.lines.filter((l) => l.startsWith('info GET') || l.startsWith('info POST')).length).toBe(2);
  });
});
