import { afterEach, describe, expect, it } from 'vitest';
import { httpResponse, router, streamBody, type HttpRequest } from '../src/index.js';
import { exchange, serve, statusOf, type Served } from './helpers.js';

let served: Served | null = null;
afterEach(() => {
  served?.stop();
  served = null;
});

const say = (what: string) =>
  function* (req: HttpRequest) {
    return httpResponse(req, 200, {}, `${what} ${JSON.stringify(req.params ?? {})}`);
  };

async function get(port: number, path: string, method = 'GET'): Promise<string> {
  return exchange(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
}

describe('router', () => {
  it('dispatches literal, :param and /prefix/* routes, most specific first', async () => {
    served = await serve(router({
      '/': say('root'),
      '/users/me': say('me'),
      '/users/:id': say('user'),
      '/static/*': say('static'),
      '/static/special/*': say('special'),
      'POST /items': say('create'),
    }));
    const { port } = served;
    expect(await get(port, '/')).toMatch(/root \{\}$/);
    expect(await get(port, '/users/me')).toMatch(/me \{\}$/);
    expect(await get(port, '/users/a%20b?x=1')).toMatch(/user \{"id":"a b"\}$/);
    expect(await get(port, '/static/css/site.css')).toMatch(/static \{"\*":"css\/site.css"\}$/);
    expect(await get(port, '/static')).toMatch(/static \{"\*":""\}$/);
    expect(await get(port, '/static/special/x')).toMatch(/special \{"\*":"x"\}$/);
    expect(await get(port, '/items', 'POST')).toMatch(/create/);
  });

  it('answers 404 for no route and 405 with Allow for another method', async () => {
    served = await serve(router({ 'POST /items': say('create'), '/x': say('x') }));
    expect(statusOf(await get(served.port, '/nothing'))).toBe(404);
    const text = await get(served.port, '/items');
    expect(statusOf(text)).toBe(405);
    expect(text).toContain('Allow: POST\r\n');
  });

  it('nests, and passes streaming-body handlers through', async () => {
    const upload = streamBody(function* (req: HttpRequest) {
      let n = 0;
      for (let c = yield* req.bodyReader!.read(); c !== null; c = yield* req.bodyReader!.read()) n += c.length;
      return httpResponse(req, 200, {}, `streamed ${n}`);
    });
    served = await serve(router({ '/api/*': router({ '/api/upload': upload }) }), { maxBodySize: 4 });
    const text = await exchange(served.port, 'POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789');
    expect(text).toMatch(/streamed 10$/);
  });
});
