import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchApp, httpResponse, router, staticFiles, type HttpRequest } from '../src/index.js';
import { runPeer, serve, type Served } from './helpers.js';

let dir = '';
let served: Served | null = null;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diesel-peers-'));
  writeFileSync(join(dir, 'hello.txt'), 'static hello\n');
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  served?.stop();
  served = null;
});

function* page(req: HttpRequest) {
  return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, `page ${req.method} ${req.url} ${req.body?.length ?? 0}\n`);
}

async function start(): Promise<string> {
  served = await serve(
    router({
      '/': page,
      '/echo': page,
      '/static/*': staticFiles(dir),
      '/api/*': fetchApp((request: Request) => new Response(`fetch ${new URL(request.url).pathname}\n`)),
    }),
    { maxBodySize: 8 * 1024 * 1024 },
  );
  return served.base;
}

describe('real peers: curl', () => {
  it('GET, keep-alive reuse across URLs, and the verbose handshake', async () => {
    const base = await start();
    const { stdout, stderr } = await runPeer('curl', ['-sS', '-v', `${base}/`, `${base}/static/hello.txt`, `${base}/api/x`]);
    expect(stdout).toBe('page GET / 0\nstatic hello\nfetch /api/x\n');
    expect(stderr).toMatch(/Re-using existing connection|Reusing existing/);
  });

  it('POST data, a chunked upload and Expect: 100-continue', async () => {
    const base = await start();
    const posted = await runPeer('curl', ['-sS', '--data-binary', 'hello world', `${base}/echo`]);
    expect(posted.stdout).toBe('page POST /echo 11\n');
    const chunked = await runPeer('curl', ['-sS', '-H', 'Transfer-Encoding: chunked', '--data-binary', `@${join(dir, 'hello.txt')}`, `${base}/echo`]);
    expect(chunked.stdout).toBe('page POST /echo 13\n');
    const expect100 = await runPeer('curl', ['-sS', '-v', '-H', 'Expect: 100-continue', '--data-binary', `@${join(dir, 'big.bin')}`, `${base}/echo`]);
    expect(expect100.stdout).toBe(`page POST /echo ${3 * 1024 * 1024}\n`);
    expect(expect100.stderr).toContain('HTTP/1.1 100 Continue');
  });

  it('HEAD, ranges, conditional GET and a 3 MiB download intact', async () => {
    const base = await start();
    const head = await runPeer('curl', ['-sS', '-I', `${base}/static/big.bin`]);
    expect(head.stdout).toMatch(/Content-Length: 3145728/i);
    const range = await runPeer('curl', ['-sS', '-r', '0-5', `${base}/static/hello.txt`]);
    expect(range.stdout).toBe('static');
    const full = await runPeer('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `${base}/static/big.bin`]);
    expect(full.stdout).toBe('200 3145728');
    const etag = /etag: (.*)\r/i.exec(head.stdout)![1]!;
    const cond = await runPeer('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `If-None-Match: ${etag}`, `${base}/static/big.bin`]);
    expect(cond.stdout).toBe('304');
  });

  it('HTTP/1.0 and path traversal from curl --path-as-is', async () => {
    const base = await start();
    const old = await runPeer('curl', ['-sS', '-0', `${base}/`]);
    expect(old.stdout).toBe('page GET / 0\n');
    const traversal = await runPeer('curl', ['-sS', '--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', `${base}/static/../../etc/passwd`]);
    expect(traversal.stdout).toBe('403');
  });
});

describe('real peers: load', () => {
  it('autocannon: 50 connections with pipelining, every response a 200', async () => {
    const base = await start();
    // A fixed number of requests, not a duration: how many fit in a second depends on the machine.
    const result = await autocannon({ url: `${base}/`, connections: 50, pipelining: 4, amount: 2000 });
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    // autocannon stops once it has sent `amount`; answers to the last pipelined requests may be cut off.
    expect(result['2xx']).toBeGreaterThanOrEqual(1000);
  });

  it('wrk: keep-alive load, no socket errors', async () => {
    const base = await start();
    const { stdout } = await runPeer('wrk', ['-t1', '-c20', '-d2s', `${base}/`]);
    expect(stdout).toMatch(/Requests\/sec/);
    expect(stdout).not.toMatch(/Socket errors/);
    expect(stdout).not.toMatch(/Non-2xx/);
  });
});
