import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Application, Service } from '@diesel/core';
import { HttpServer, type HttpHandler, router } from '@diesel/http';
import { liveGraphRoutes, serveLiveGraph } from '../examples/live-graph/live-graph.js';
import { WsPeer } from './ws/peer.js';

/**
 * The seed's demo in a real browser: headless Chromium opens the page, the page opens the
 * WebSocket on the same port, and the graph fills in. The screenshot is kept as a test
 * artifact (test-artifacts/live-graph.png).
 */

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-artifacts');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Served {
  port: number;
  app: Application;
  stop(): void;
}

/** Serves routes with the built package's HttpServer and router (the example imports the built package too). */
async function serveRoutes(routes: Record<string, HttpHandler>): Promise<Served> {
  const app = new Application();
  const service = new Service(new HttpServer(router(routes)), { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  return { port: service.port, app, stop: () => app.halt() };
}

let server: Served | null = null;
afterEach(() => {
  server?.stop();
  server = null;
});

describe('live-graph example', () => {
  it('the feed is a child task of the socket: when the page goes away mid-sleep, no routine remains', async () => {
    // A long interval: the feed is asleep when the page leaves. A detached feed would
    // sleep on (and try to send) for 30 s more; a child is cancelled with its socket.
    const served = await serveRoutes(liveGraphRoutes('', { interval: 30 }));
    server = served;
    const { app, port } = served;
    const peer = await WsPeer.open(`ws://127.0.0.1:${port}/ws`, { origin: `http://127.0.0.1:${port}` });
    expect(Number(await peer.nextText())).toBeLessThan(1);
    expect(app.hub.size).toBe(2); // the socket's routine and its feed
    peer.terminate();
    for (let i = 0; i < 10_000 && app.hub.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(app.hub.size).toBe(0);
  });

  it('mounted under /graph in a router: serves the page and streams values in [0, 1) over the socket on the same port', async () => {
    server = await serveRoutes(liveGraphRoutes('/graph', { interval: 0.01 }));
    const page = await fetch(`http://127.0.0.1:${server.port}/graph`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('"/graph/ws"');
    const peer = await WsPeer.open(`ws://127.0.0.1:${server.port}/graph/ws`, { origin: `http://127.0.0.1:${server.port}` });
    try {
      for (let i = 0; i < 5; i++) {
        const v = Number(await peer.nextText());
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1);
      }
    } finally {
      peer.terminate();
    }
    await expect(WsPeer.open(`ws://127.0.0.1:${server.port}/graph/ws`, { origin: 'http://elsewhere.example' })).rejects.toThrow('403');
  });

  it('draws at least 20 points in headless Chromium, and saves a screenshot', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is needed for this test and was not found at ${CHROMIUM}: install it (sudo bash scripts/install-peers.sh) or set CHROMIUM_PATH`);
    }
    // Served alone, as main() does: the page at / and the socket at /ws, one port.
    const alone = await serveLiveGraph({ port: 0, host: '127.0.0.1', interval: 0.05 });
    server = { port: alone.port, app: alone.app, stop: () => alone.app.halt() };
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 860, height: 440 } });
      const response = await page.goto(`http://127.0.0.1:${server.port}/`);
      expect(response?.status()).toBe(200);
      await page.waitForFunction(() => Number((globalThis as { pointCount?: number }).pointCount ?? 0) >= 20, null, { timeout: 60_000, polling: 100 });
      expect(Number(await page.getAttribute('body', 'data-points'))).toBeGreaterThanOrEqual(20);
      expect(await page.textContent('#status')).toMatch(/^connected: \d+ points/);
      mkdirSync(ARTIFACTS, { recursive: true });
      const path = join(ARTIFACTS, 'live-graph.png');
      const png = await page.screenshot({ path });
      expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
      expect(statSync(path).size).toBeGreaterThan(5_000);
    } finally {
      await browser.close();
    }
  });
});
