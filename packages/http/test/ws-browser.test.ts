import { afterEach, describe, expect, it } from 'vitest';
import { HttpHeaders, websocket, type WebSocket } from '../src/index.js';
import { serveRoutes, type WsServer } from './ws/harness.js';
import { launchChromium } from './chromium.js';

/**
 * A real browser as the client: Chromium's own WebSocket (which offers permessage-deflate)
 * against websocket() behind HttpServer + router, for text, binary, compression and the
 * close handshake in both directions.
 */

const PAGE = `<!doctype html><meta charset="utf-8"><title>ws check</title><script>
window.run = async () => {
  const ws = new WebSocket('ws://' + location.host + '/ws');
  ws.binaryType = 'arraybuffer';
  const next = () => new Promise((resolve) => (ws.onmessage = (e) => resolve(e.data)));
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  const big = 'browser text ☃ '.repeat(2000);
  ws.send(big);
  const textBack = await next();
  ws.send(new Uint8Array([1, 2, 3, 250]));
  const binaryBack = Array.from(new Uint8Array(await next()));
  const closed = new Promise((resolve) => (ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean })));
  ws.send('bye');
  return { extensions: ws.extensions, textOk: textBack === big, binaryBack, close: await closed };
};
</script>`;

let server: WsServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe('websocket() with Chromium as the client', () => {
  it('echoes compressed text and binary, and closes cleanly with the server code and reason', async () => {
    const received: string[] = [];
    server = await serveRoutes({
      '/': () => ({ status: 200, headers: new HttpHeaders({ 'Content-Type': 'text/html; charset=utf-8' }), body: PAGE }),
      '/ws': websocket(
        function* (ws: WebSocket) {
          for (let m = yield* ws.wait(); m !== null; m = yield* ws.wait()) {
            received.push(typeof m === 'string' ? `text:${m.length}` : `binary:${m.length}`);
            if (m === 'bye') {
              yield* ws.close(4100, 'see you');
              return;
            }
            yield* ws.send(m);
          }
        },
        { perMessageDeflate: { threshold: 0 } },
      ),
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${server.port}/`);
      const result = await page.evaluate(() => (globalThis as unknown as { run(): Promise<unknown> }).run());
      expect(result).toEqual({
        extensions: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
        textOk: true,
        binaryBack: [1, 2, 3, 250],
        close: { code: 4100, reason: 'see you', wasClean: true },
      });
      expect(received).toEqual(['text:30000', 'binary:4', 'text:3']);
    } finally {
      await browser.close();
    }
  });
});
