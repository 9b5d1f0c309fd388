import { afterEach, describe, expect, it } from 'vitest';
import { fetchApp, router } from '../src/index.js';
import { Raw, bodyOf, exchange, serve, statusOf, type Served } from './helpers.js';

let served: Served | null = null;
afterEach(() => {
  served?.stop();
  served = null;
});

/** A Fetch app that reads the whole body, as most do (`arrayBuffer()`, `json()`, `text()`). */
async function whole(request: Request): Promise<Response> {
  if (request.method === 'GET') return new Response('neighbour ok');
  const body = await request.arrayBuffer();
  return new Response(`got ${body.byteLength}`);
}

function chunked(size: number, piece = 16 * 1024): string {
  const chunk = `${piece.toString(16)}\r\n${'x'.repeat(piece)}\r\n`;
  return chunk.repeat(Math.ceil(size / piece));
}

describe('fetchApp request-body limit', () => {
  it('refuses a chunked body past maxBodySize with 413, reading no more than the limit, and serves a neighbour', async () => {
    served = await serve(router({ '/api/*': fetchApp(whole, { maxBodySize: 64 * 1024 }) }));
    const upload = await Raw.connect(served.port);
    try {
      upload.write('POST /api/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      // Far more than the limit, sent as fast as the socket takes it: the answer must not wait for it all.
      upload.write(chunked(4 * 1024 * 1024));
      const answer = await upload.waitFor((t) => t.includes('\r\n\r\n'), 'a response head');
      expect(statusOf(answer)).toBe(413);
    } finally {
      upload.close();
    }
    const neighbour = await exchange(served.port, 'GET /api/hi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(bodyOf(neighbour)).toBe('neighbour ok');
  });

  it('refuses a declared Content-Length past maxBodySize before the app runs', async () => {
    let called = 0;
    served = await serve(router({ '/api/*': fetchApp((request: Request) => (called++, whole(request)), { maxBodySize: 1000 }) }));
    const answer = await exchange(served.port, 'POST /api/up HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n');
    expect(statusOf(answer)).toBe(413);
    expect(called).toBe(0);
  });

  it('takes bodies up to the limit, and any size when the route streams', async () => {
    served = await serve(router({ '/api/small/*': fetchApp(whole, { maxBodySize: 1000 }), '/api/stream/*': fetchApp(whole, { maxBodySize: 1000, streamRequestBody: true }) }));
    const fits = await exchange(served.port, `POST /api/small/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n${'y'.repeat(1000)}`);
    expect(bodyOf(fits)).toBe('got 1000');
    const streamed = await exchange(served.port, `POST /api/stream/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked(256 * 1024)}0\r\n\r\n`);
    expect(bodyOf(streamed)).toBe(`got ${256 * 1024}`);
  });
});

describe('fetchApp and a client that leaves', () => {
  it('aborts the Fetch request signal when the client goes mid-request', async () => {
    let aborted: (reason: unknown) => void = () => undefined;
    const reason = new Promise<unknown>((resolve) => (aborted = resolve));
    const slow = (request: Request): Promise<Response> =>
      new Promise((resolve) => {
        request.signal.addEventListener('abort', () => {
          aborted(request.signal.reason);
          resolve(new Response('too late'));
        });
      });
    served = await serve(router({ '/api/*': fetchApp(slow) }));
    const leaving = await Raw.connect(served.port);
    leaving.write('GET /api/slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 150));
    leaving.socket.end();
    expect((await reason) as { code?: string }).toMatchObject({ code: 'DIESEL_ERR_HTTP_CLIENT_GONE' });
    leaving.close();
  });
});
