#!/usr/bin/env node
// One server under attack, in its own process: `node servers.mjs KIND`. It prints one
// JSON line `{"ready":true,"port":N,...}` once listening; the attack suite (run.mjs)
// drives it over 127.0.0.1 and watches its RSS. Imports the built packages (dist/).
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Application, Service, receive, sleep, until } from '../../packages/core/dist/index.js';
import { HttpServer, fetchApp, router, staticFiles, textResponse, websocket } from '../../packages/http/dist/index.js';
import { devCertificate, wrapTls } from '../../packages/tls/dist/index.js';
import { ChatRoom, chatHandler } from '../../packages/chat/dist/index.js';
import { forwarder } from '../../packages/forwarder/dist/index.js';

const kind = process.argv[2];
const quiet = { info() {}, debug() {}, warn() {}, error(m) { process.stderr.write(`${m}\n`); } };
const app = new Application({ logger: quiet, onError: (error) => process.stderr.write(`routine error: ${String(error)}\n`) });
/** Timeouts shortened so the suite can check them in seconds (the documented defaults are longer). */
const HTTP_OPTIONS = { headersTimeout: 3, keepAliveTimeout: 2, logRequests: false };
const extra = {};

function* neighbourOrSleep(req) {
  if (req.url.startsWith('/poll')) {
    yield sleep(60);
    return textResponse(200, 'late\n');
  }
  if (req.url.startsWith('/big')) {
    // 8 MiB, written piece by piece with backpressure: a reader that stops holds ~one piece.
    const piece = Buffer.alloc(64 * 1024, 0x78);
    return { status: 200, headers: textResponse(200, '').headers, body: (function* () { for (let i = 0; i < 128; i++) yield piece; })() };
  }
  return textResponse(200, 'ok\n');
}

function* echoLines() {
  for (;;) yield yield* until('\r\n');
}

let service;
switch (kind) {
  case 'http': {
    const dir = mkdtempSync(join(tmpdir(), 'diesel-attack-'));
    writeFileSync(join(dir, 'file.txt'), 'static file body\n');
    const whole = async (request) => (request.method === 'GET' ? new Response('fetch ok\n') : new Response(`got ${(await request.arrayBuffer()).byteLength}\n`));
    const routes = router({ '/static/*': staticFiles(dir), '/api/*': fetchApp(whole), '/*': neighbourOrSleep });
    service = new Service(new HttpServer(routes, { ...HTTP_OPTIONS, maxHeaderSize: 64 * 1024 }), { port: 0, host: '127.0.0.1' });
    const lines = new Service(echoLines, { port: 0, host: '127.0.0.1' });
    app.addService(lines);
    extra.linePort = () => lines.port;
    break;
  }
  case 'ws': {
    function* echo(ws) {
      for (let m = yield* ws.wait(); m !== null; m = yield* ws.wait()) yield* ws.send(typeof m === 'string' ? m : `${m.length} bytes`);
    }
    const routes = router({ '/ws': websocket(echo, { perMessageDeflate: true, origins: '*' }), '/*': neighbourOrSleep });
    service = new Service(new HttpServer(routes, HTTP_OPTIONS), { port: 0, host: '127.0.0.1' });
    break;
  }
  case 'tls': {
    const dev = devCertificate({ hosts: ['localhost'] });
    const caFile = join(mkdtempSync(join(tmpdir(), 'diesel-attack-')), 'ca.pem');
    writeFileSync(caFile, dev.ca);
    extra.ca = () => caFile;
    function* echo() {
      for (;;) yield yield* receive();
    }
    // ATTACK_CIPHERS=modern runs it with the forward-secret AEAD preset (for testssl.sh).
    service = new Service(wrapTls(echo, { key: dev.key, cert: dev.cert, handshakeTimeout: 3, ciphers: process.env.ATTACK_CIPHERS }), { port: 0, host: '127.0.0.1' });
    break;
  }
  case 'chat': {
    const room = new ChatRoom();
    extra.room = () => room.size;
    service = new Service(chatHandler(room, { nickTimeout: 5 }), { port: 0, host: '127.0.0.1' });
    setInterval(() => process.stdout.write(`${JSON.stringify({ members: room.size, connections: service.connectionCount })}\n`), 500).unref();
    break;
  }
  case 'forwarder': {
    // The target echoes, except a connection that starts with STALL: that one it never reads.
    const target = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (chunk) => {
        if (chunk.subarray(0, 5).toString() === 'STALL') {
          socket.pause();
          return;
        }
        socket.write(chunk);
        socket.pipe(socket);
      });
    });
    await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
    service = new Service(forwarder({ host: '127.0.0.1', port: target.address().port }), { port: 0, host: '127.0.0.1' });
    break;
  }
  default:
    process.stderr.write(`unknown server kind ${kind}\n`);
    process.exit(2);
}
app.addService(service);
await app.start();
const ready = { ready: true, port: service.port };
for (const [name, get] of Object.entries(extra)) ready[name] = get();
process.stdout.write(`${JSON.stringify(ready)}\n`);
process.on('SIGTERM', () => {
  app.halt();
  setTimeout(() => process.exit(0), 500).unref();
});
