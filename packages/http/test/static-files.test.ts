import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { router, staticFiles } from '../src/index.js';
import { Raw, bodyOf, exchange, serve, statusOf, type Served } from './helpers.js';

let dir = '';
let served: Served | null = null;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diesel-static-'));
  const root = join(dir, 'public');
  mkdirSync(join(root, 'css'), { recursive: true });
  mkdirSync(join(root, 'docs'));
  mkdirSync(join(root, 'empty'));
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(root, 'css', 'site.css'), 'body{}');
  writeFileSync(join(root, 'docs', 'index.html'), '<h1>docs</h1>');
  writeFileSync(join(root, 'digits.txt'), '0123456789');
  writeFileSync(join(root, 'data.bin'), Buffer.from([0, 1, 2, 255]));
  writeFileSync(join(root, '.env'), 'SECRET=1');
  writeFileSync(join(dir, 'secret.txt'), 'top secret');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link-out.txt'));
  symlinkSync(dir, join(root, 'dir-out'));
  symlinkSync(join(root, 'digits.txt'), join(root, 'link-in.txt'));
  utimesSync(join(root, 'digits.txt'), new Date('2024-01-02T03:04:05Z'), new Date('2024-01-02T03:04:05Z'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  served?.stop();
  served = null;
});

async function start(): Promise<number> {
  served = await serve(router({ '/static/*': staticFiles(join(dir, 'public')) }));
  return served.port;
}

function get(port: number, path: string, extra = '', method = 'GET'): Promise<string> {
  return exchange(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`);
}

function header(text: string, name: string): string | undefined {
  const m = new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`, 'i').exec(text.slice(0, text.indexOf('\r\n\r\n') + 2));
  return m?.[1];
}

describe('staticFiles', () => {
  it('serves files with content types, length and validators', async () => {
    const port = await start();
    const css = await get(port, '/static/css/site.css');
    expect(statusOf(css)).toBe(200);
    expect(header(css, 'Content-Type')).toBe('text/css; charset=utf-8');
    expect(header(css, 'Content-Length')).toBe('6');
    expect(header(css, 'ETag')).toMatch(/^W\/"/);
    expect(bodyOf(css)).toBe('body{}');
    const bin = await get(port, '/static/data.bin');
    expect(header(bin, 'Content-Type')).toBe('application/octet-stream');
    const digits = await get(port, '/static/digits.txt');
    expect(header(digits, 'Last-Modified')).toBe('Tue, 02 Jan 2024 03:04:05 GMT');
  });

  it('serves index files and redirects a directory without its slash', async () => {
    const port = await start();
    expect(bodyOf(await get(port, '/static/'))).toBe('<h1>home</h1>');
    expect(bodyOf(await get(port, '/static/docs/'))).toBe('<h1>docs</h1>');
    const redirect = await get(port, '/static/docs?x=1');
    expect(statusOf(redirect)).toBe(301);
    expect(header(redirect, 'Location')).toBe('/static/docs/?x=1');
    expect(statusOf(await get(port, '/static/empty/'))).toBe(404);
    expect(statusOf(await get(port, '/static/nothing.txt'))).toBe(404);
  });

  it('answers 304 to If-None-Match and If-Modified-Since', async () => {
    const port = await start();
    const first = await get(port, '/static/digits.txt');
    const etag = header(first, 'ETag')!;
    const again = await get(port, '/static/digits.txt', `If-None-Match: ${etag}\r\n`);
    expect(statusOf(again)).toBe(304);
    expect(bodyOf(again)).toBe('');
    const since = await get(port, '/static/digits.txt', 'If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\n');
    expect(statusOf(since)).toBe(304);
    const older = await get(port, '/static/digits.txt', 'If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT\r\n');
    expect(statusOf(older)).toBe(200);
    const otherTag = await get(port, '/static/digits.txt', 'If-None-Match: "nope"\r\n');
    expect(statusOf(otherTag)).toBe(200);
  });

  it('serves byte ranges (206) and refuses unsatisfiable ones (416)', async () => {
    const port = await start();
    const mid = await get(port, '/static/digits.txt', 'Range: bytes=2-4\r\n');
    expect(statusOf(mid)).toBe(206);
    expect(header(mid, 'Content-Range')).toBe('bytes 2-4/10');
    expect(bodyOf(mid)).toBe('234');
    expect(bodyOf(await get(port, '/static/digits.txt', 'Range: bytes=7-\r\n'))).toBe('789');
    expect(bodyOf(await get(port, '/static/digits.txt', 'Range: bytes=-2\r\n'))).toBe('89');
    const past = await get(port, '/static/digits.txt', 'Range: bytes=20-30\r\n');
    expect(statusOf(past)).toBe(416);
    expect(header(past, 'Content-Range')).toBe('bytes */10');
    // If-Range with a stale validator: the whole file.
    const stale = await get(port, '/static/digits.txt', 'Range: bytes=2-4\r\nIf-Range: "stale"\r\n');
    expect(statusOf(stale)).toBe(200);
    expect(bodyOf(stale)).toBe('0123456789');
  });

  it('answers a pathological 100 KB Range header at once and keeps serving a neighbour', async () => {
    // The header fills a raised header limit; a backtracking parser blocked the hub for hours on it.
    served = await serve(router({ '/static/*': staticFiles(join(dir, 'public')) }), { maxHeaderSize: 256 * 1024 });
    const port = served.port;
    const attacker = await Raw.connect(port);
    const neighbour = await Raw.connect(port);
    try {
      attacker.write(`GET /static/digits.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=${' '.repeat(100_000)}x\r\n\r\n`);
      const answer = await attacker.waitForText('0123456789');
      expect(statusOf(answer)).toBe(200);
      neighbour.write('GET /static/css/site.css HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(bodyOf(await neighbour.waitForText('body{}'))).toBe('body{}');
    } finally {
      attacker.close();
      neighbour.close();
    }
  }, 10_000);

  it('answers HEAD with the length and no body', async () => {
    const port = await start();
    const raw = await Raw.connect(port);
    try {
      raw.write('HEAD /static/digits.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /static/css/site.css HTTP/1.1\r\nHost: x\r\n\r\n');
      const text = await raw.waitForText('body{}');
      const head = text.slice(0, text.indexOf('HTTP/1.1', 5));
      expect(header(head, 'Content-Length')).toBe('10');
      expect(head.endsWith('\r\n\r\n')).toBe(true);
    } finally {
      raw.close();
    }
  });

  const escapes: [string, string, number][] = [
    ['a raw .. segment', '/static/../secret.txt', 403],
    ['an encoded %2e%2e segment', '/static/%2e%2e/secret.txt', 403],
    ['a mixed-case %2E. segment', '/static/%2E./secret.txt', 403],
    ['an encoded slash', '/static/..%2fsecret.txt', 403],
    ['a backslash', '/static/..%5csecret.txt', 403],
    ['a NUL byte', '/static/digits.txt%00.html', 403],
    ['a symlink to a file outside', '/static/link-out.txt', 403],
    ['a symlink to a directory outside', '/static/dir-out/secret.txt', 403],
    ['a dotfile', '/static/.env', 404],
    ['bad percent-encoding', '/static/%zz', 400],
  ];
  for (const [name, path, status] of escapes) {
    it(`refuses ${name} (${status}) and never leaks the file`, async () => {
      const port = await start();
      const text = await get(port, path);
      expect(statusOf(text)).toBe(status);
      expect(text).not.toContain('top secret');
      expect(text).not.toContain('SECRET=1');
    });
  }

  it('follows a symlink that stays inside the root', async () => {
    const port = await start();
    expect(bodyOf(await get(port, '/static/link-in.txt'))).toBe('0123456789');
  });

  it('allows only GET and HEAD', async () => {
    const port = await start();
    const text = await exchange(port, 'DELETE /static/digits.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(text)).toBe(405);
    expect(header(text, 'Allow')).toBe('GET, HEAD');
  });
});
