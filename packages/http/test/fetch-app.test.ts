import { afterEach, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { streamText } from 'hono/streaming';
import { httpResponse, fetchApp, router, type HttpRequest } from '../src/index.js';
import { Raw, bodyOf, exchange, serve, statusOf, type Served } from './helpers.js';

let served: Served | null = null;
afterEach(() => {
  served?.stop();
  served = null;
});

function honoApp(): Hono {
  const app = new Hono();
  app.get('/api/hello', (c) => c.text(`hello ${c.req.query('name') ?? 'world'} from ${new URL(c.req.url).host}`));
  app.post('/api/json', async (c) => c.json({ got: await c.req.json() }, 201));
  app.post('/api/echo', (c) => new Response(c.req.raw.body, { headers: { 'Content-Type': 'application/octet-stream' } }));
  app.post('/api/count', async (c) => {
    let n = 0;
    const reader = c.req.raw.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
    return c.text(`counted ${n}`);
  });
  app.get('/api/stream', (c) =>
    streamText(c, async (s) => {
      for (let i = 0; i < 3; i++) {
        await s.write(`part ${i}\n`);
        await s.sleep(5);
      }
    }),
  );
  app.get('/api/boom', () => {
    throw new Error('hono kaboom');
  });
  app.get('/api/cookies', (c) => {
    c.header('Set-Cookie', 'a=1', { append: true });
    c.header('Set-Cookie', 'b=2', { append: true });
    return c.body(null, 204);
  });
  return app;
}

describe('fetchApp with a real Hono app', () => {
  it('serves routes beside diesel pages, with query, Host and JSON bodies', async () => {
    served = await serve(router({ '/': function* (req: HttpRequest) { return httpResponse(req, 200, {}, 'page'); }, '/api/*': fetchApp(honoApp()) }));
    const hello = await exchange(served.port, 'GET /api/hello?name=diesel HTTP/1.1\r\nHost: example.org:8000\r\nConnection: close\r\n\r\n');
    expect(statusOf(hello)).toBe(200);
    expect(bodyOf(hello)).toBe('hello diesel from example.org:8000');
    const json = await exchange(served.port, 'POST /api/json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{"a":1}');
    expect(statusOf(json)).toBe(201);
    expect(JSON.parse(bodyOf(json))).toEqual({ got: { a: 1 } });
    expect(await exchange(served.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/page$/);
  });

  it('streams a large request body into the app, chunked, without a body limit', async () => {
    served = await serve(fetchApp(honoApp()), { maxBodySize: 1024 });
    const raw = await Raw.connect(served.port);
    try {
      raw.write('POST /api/count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = `4000\r\n${'q'.repeat(0x4000)}\r\n`;
      for (let i = 0; i < 64; i++) raw.write(chunk);
      raw.write('0\r\n\r\n');
      const text = await raw.waitForText(`counted ${64 * 0x4000}`);
      expect(statusOf(text)).toBe(200);
    } finally {
      raw.close();
    }
  });

  it('echoes a request body back while it is still arriving (full duplex)', async () => {
    served = await serve(fetchApp(honoApp()));
    const raw = await Raw.connect(served.port);
    try {
      raw.write('POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n');
      // The first piece comes back before the client has sent the rest.
      await raw.waitForText('first');
      raw.write('6\r\nsecond\r\n0\r\n\r\n');
      const text = await raw.waitForText('\r\n0\r\n\r\n');
      expect(text).toContain('Transfer-Encoding: chunked');
      expect(text).toContain('5\r\nfirst\r\n');
      expect(text).toContain('6\r\nsecond\r\n');
    } finally {
      raw.close();
    }
  });

  it('streams a Hono streaming response as chunks', async () => {
    served = await serve(fetchApp(honoApp()));
    const text = await exchange(served.port, 'GET /api/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(text).toContain('Transfer-Encoding: chunked');
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    expect(body).toContain('part 0\n');
    expect(body).toContain('part 2\n');
    expect(body.indexOf('part 0')).toBeLessThan(body.indexOf('part 1'));
    expect(body.endsWith('\r\n0\r\n\r\n')).toBe(true);
  });

  it('keeps repeated Set-Cookie fields apart, and a throwing app gives 500 (logged)', async () => {
    served = await serve(fetchApp(honoApp()));
    const cookies = await exchange(served.port, 'GET /api/cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(cookies)).toBe(204);
    expect(cookies).toContain('set-cookie: a=1\r\n');
    expect(cookies).toContain('set-cookie: b=2\r\n');
    // Hono catches the error itself and answers 500; the server stays up.
    const boom = await exchange(served.port, 'GET /api/boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(boom)).toBe(500);
  });

  it('a plain fetch function that rejects gives 500 and is logged', async () => {
    served = await serve(fetchApp(async () => {
      throw new Error('fetch kaboom');
    }));
    const text = await exchange(served.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(text)).toBe(500);
    expect(served.logger.lines.some((l) => l.includes('fetch kaboom'))).toBe(true);
  });
});
