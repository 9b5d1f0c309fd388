/**
 * JSON both ways: `request.json()` (bounded by the body limit; a clear 400 for a body
 * that is not JSON) and `jsonResponse()`, over real sockets with `fetch` as the client.
 * Also `staticFiles()` given a root that is not there, which fails at construction.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, jsonResponse, router, staticFiles, type HttpRequest } from '../src/index.js';
import { serve, type Served } from './helpers.js';

let served: Served | null = null;
afterEach(() => {
  served?.stop();
  served = null;
});

function* create(req: HttpRequest) {
  const body = req.json<{ name?: unknown }>();
  if (typeof body?.name !== 'string') return jsonResponse(req, 422, { error: 'name must be a string' });
  return jsonResponse(req, 201, { created: body.name }, { 'X-Created': '1' });
}

async function start(maxBodySize?: number): Promise<string> {
  served = await serve(
    router({
      'POST /users': create,
      '/problem': (req: HttpRequest) => jsonResponse(req, 404, { error: 'none' }, { 'Content-Type': 'application/problem+json' }),
    }),
    maxBodySize === undefined ? {} : { maxBodySize },
  );
  return `http://127.0.0.1:${served.port}`;
}

const post = (base: string, body: string): Promise<Response> => fetch(`${base}/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

describe('request.json() and jsonResponse()', () => {
  it('parses a JSON body and answers JSON, with the content type and extra headers', async () => {
    const base = await start();
    const response = await post(base, JSON.stringify({ name: 'Ada Lovelace ✓' }));
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('x-created')).toBe('1');
    expect(await response.json()).toEqual({ created: 'Ada Lovelace ✓' });
  });

  it('a body that is not JSON is a 400 naming DIESEL_ERR_HTTP_BAD_JSON, and the next client is served', async () => {
    const base = await start();
    const bad = await post(base, '{"name": ');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^400 Bad Request: the request body is not valid JSON/);
    const empty = await post(base, '');
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(/no body; JSON was expected/);
    const good = await post(base, '{"name":"Grace"}');
    expect(good.status).toBe(201);
    expect(await good.json()).toEqual({ created: 'Grace' });
  });

  it('is bounded by the body limit: a larger body is a 413 before the handler runs', async () => {
    const base = await start(1024);
    const big = await post(base, JSON.stringify({ name: 'x'.repeat(2000) }));
    expect(big.status).toBe(413);
    const small = await post(base, JSON.stringify({ name: 'small' }));
    expect(small.status).toBe(201);
  });

  it('JSON that is valid but not what the handler wants is the handler\'s answer', async () => {
    const base = await start();
    const response = await post(base, '[1, 2]');
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ error: 'name must be a string' });
  });

  it('jsonResponse keeps a content type given in headers, and refuses a value JSON cannot carry', async () => {
    const base = await start();
    const response = await fetch(`${base}/problem`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({ error: 'none' });
    expect(() => jsonResponse(null, 200, undefined)).toThrow(/undefined cannot be sent as JSON/);
    expect(JSON.parse(jsonResponse(null, 200, null).body as string)).toBeNull();
  });
});

describe('staticFiles() with a root that is not a directory', () => {
  it('throws at construction with DIESEL_ERR_HTTP_STATIC_ROOT, naming the path and the directory it resolved against', () => {
    let error: unknown;
    try {
      staticFiles('./missing-public-dir');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).code).toBe('DIESEL_ERR_HTTP_STATIC_ROOT');
    expect((error as HttpError).message).toContain(`staticFiles("./missing-public-dir"): ${join(process.cwd(), 'missing-public-dir')} does not exist`);
    expect((error as HttpError).message).toContain('import.meta.url');
  });

  it('a file is not a root either', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diesel-json-'));
    try {
      writeFileSync(join(dir, 'file.txt'), 'x');
      expect(() => staticFiles(join(dir, 'file.txt'))).toThrow(/is not a directory/);
      expect(typeof staticFiles(dir)).toBe('function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
