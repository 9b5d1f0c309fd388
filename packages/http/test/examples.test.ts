// The examples import '@diesel/http' (the built package, as a user would): build first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Application, Service, run } from '@diesel/core';
import { HttpServer, type HttpHandler } from '@diesel/http';
import { getAll } from '../examples/client.js';
import { hello } from '../examples/hello.js';
import { site } from '../examples/one-port.js';
import { routes as streamingRoutes } from '../examples/streaming.js';
import { Raw, bodyOf, exchange, statusOf } from './helpers.js';

const apps: Application[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) app.halt();
});

async function serveDist(handler: HttpHandler): Promise<number> {
  const app = new Application();
  const service = new Service(new HttpServer(handler), { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  apps.push(app);
  return service.port;
}

const get = (port: number, path: string) => exchange(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);

describe('examples', () => {
  it('hello.ts answers with its line', async () => {
    const port = await serveDist(hello);
    expect(await get(port, '/x')).toMatch(/Hello from diesel: GET \/x\n$/);
  });

  it('client.ts reads several responses over one connection', async () => {
    const port = await serveDist(hello);
    expect(await run(getAll('127.0.0.1', port, ['/', '/a']))).toEqual(['200 Hello from diesel: GET /', '200 Hello from diesel: GET /a']);
  });

  it('one-port.ts serves a page, static files, the Hono API and a WebSocket on one port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diesel-site-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<h1>static</h1>');
      const port = await serveDist(site(dir));
      expect(bodyOf(await get(port, '/'))).toContain('href="/static/"');
      expect(bodyOf(await get(port, '/static/'))).toBe('<h1>static</h1>');
      const time = JSON.parse(bodyOf(await get(port, '/api/time'))) as { now: string };
      expect(Number.isNaN(Date.parse(time.now))).toBe(false);
      expect(statusOf(await get(port, '/nowhere'))).toBe(404);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      try {
        await new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        const echoed = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
        ws.send('over the same port');
        expect(await echoed).toBe('over the same port');
      } finally {
        ws.terminate();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streaming.ts streams ticks and counts an upload', async () => {
    const port = await serveDist(streamingRoutes);
    const ticks = await get(port, '/ticks?count=3&interval=0.01');
    expect(bodyOf(ticks)).toBe('tick 1\ntick 2\ntick 3\n');
    const raw = await Raw.connect(port);
    try {
      raw.write('PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n');
      for (let i = 0; i < 30; i++) raw.write(Buffer.alloc(100_000, 65));
      expect(bodyOf(await raw.waitForText('bytes\n'))).toBe('received 3000000 bytes\n');
    } finally {
      raw.close();
    }
  });
});
