import { Loop } from '@diesel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpHeaders, Opcode, WebSocket, encodeClosePayload, encodeFrame, frameHeader, websocket } from '../src/index.js';
import { RawClient, handshakeRequest, serveRoutes, serveWs, type WsServer } from './ws/harness.js';
import { WsPeer } from './ws/peer.js';

/**
 * The server side against independent peers: the `ws` library as the client for
 * everything it can do, raw bytes over a net.Socket for what it will not send.
 */

const MASK = Buffer.from([1, 2, 3, 4]);
let server: WsServer | null = null;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await server?.stop();
  server = null;
});

async function open(url: string, options = {}, protocols: string[] = []): Promise<WsPeer> {
  const peer = await WsPeer.open(url, options, protocols);
  cleanups.push(() => peer.terminate());
  return peer;
}

async function raw(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  cleanups.push(() => client.close());
  return client;
}

function* echo(ws: WebSocket) {
  for (let m = yield* ws.wait(); m !== null; m = yield* ws.wait()) yield* ws.send(m);
}

/** Records how each server-side socket ended. */
function recorder() {
  const ends: { code: number; reason: string; error: string | null }[] = [];
  let wake: (() => void) | null = null;
  return {
    ends,
    *handler(ws: WebSocket) {
      try {
        yield* echo(ws);
      } finally {
        ends.push({ code: ws.closeCode, reason: ws.closeReason, error: ws.error?.code ?? null });
        wake?.();
      }
    },
    async ended(): Promise<{ code: number; reason: string; error: string | null }> {
      while (ends.length === 0) await new Promise<void>((r) => (wake = r));
      return ends[0]!;
    },
  };
}

/** Handshakes a raw client, returning it ready for frames. */
async function rawUpgraded(port: number): Promise<RawClient> {
  const client = await raw(port);
  client.write(handshakeRequest(port));
  const head = (await client.readUntil('\r\n\r\n')).toString('latin1');
  expect(head).toMatch(/^HTTP\/1\.1 101 /);
  return client;
}

/** Reads one unmasked server frame's opcode and payload. */
async function readFrame(client: RawClient): Promise<{ opcode: number; payload: Buffer }> {
  const [b0, b1] = await client.read(2);
  expect(b1! & 0x80).toBe(0); // servers never mask
  let length = b1! & 0x7f;
  if (length === 126) length = (await client.read(2)).readUInt16BE(0);
  else if (length === 127) length = Number((await client.read(8)).readBigUInt64BE(0));
  return { opcode: b0! & 0x0f, payload: await client.read(length) };
}

describe('websocket() server against the ws client', () => {
  it('shares one port and one router with ordinary pages', async () => {
    server = await serveRoutes({
      '/': () => ({ status: 200, headers: new HttpHeaders({ 'Content-Type': 'text/plain' }), body: 'a page\n' }),
      '/ws': websocket(echo),
      '/other/ws': websocket(function* (ws) {
        yield* ws.send('other endpoint');
      }),
    });
    const page = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(await page.text()).toBe('a page\n');
    const peer = await open(server.url);
    peer.socket.send('through the router');
    expect(await peer.nextText()).toBe('through the router');
    const other = await open(`ws://127.0.0.1:${server.port}/other/ws`);
    expect(await other.nextText()).toBe('other endpoint');
    expect(await other.closed).toEqual({ code: 1000, reason: '' });
    // A plain GET to the socket's path is told to upgrade.
    const plain = await fetch(`http://127.0.0.1:${server.port}/ws`);
    expect(plain.status).toBe(426);
  });

  it('echoes text and binary messages, including empty and multi-byte ones', async () => {
    server = await serveWs(echo);
    const peer = await open(server.url);
    for (const text of ['hello', '', 'ünïcödé ☃ 🚀', 'x'.repeat(70_000)]) {
      peer.socket.send(text);
      expect(await peer.nextText()).toBe(text);
    }
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    peer.socket.send(bytes);
    const back = await peer.next();
    expect(back.isBinary).toBe(true);
    expect(back.data).toEqual(bytes);
  });

  it('assembles fragmented messages the ws client sends', async () => {
    server = await serveWs(echo);
    const peer = await open(server.url);
    peer.socket.send('Hel', { fin: false });
    peer.socket.send('lo, ', { fin: false });
    peer.socket.ping('between fragments');
    peer.socket.send('world', { fin: true });
    expect(await peer.nextText()).toBe('Hello, world');
    await peer.until(() => peer.pongs.length === 1, 'the pong');
    expect(peer.pongs[0]!.toString()).toBe('between fragments');
  });

  it('answers pings with pongs carrying the same data', async () => {
    server = await serveWs(echo);
    const peer = await open(server.url);
    peer.socket.ping('are you there');
    peer.socket.ping(Buffer.alloc(125, 9));
    await peer.until(() => peer.pongs.length === 2, 'two pongs');
    expect(peer.pongs[0]!.toString()).toBe('are you there');
    expect(peer.pongs[1]).toEqual(Buffer.alloc(125, 9));
  });

  it('sends keepalive pings when the peer is silent (ws answers them)', async () => {
    const rec = recorder();
    // Half a second: a pong delayed past a whole interval (a very busy machine) would drop the connection.
    server = await serveWs(rec.handler, { pingInterval: 0.5 });
    const peer = await open(server.url);
    await peer.until(() => peer.pings.length >= 2, 'two keepalive pings');
    // Still open: ws answered every ping, so the server kept the connection.
    peer.socket.send('still here');
    expect(await peer.nextText()).toBe('still here');
  });

  it('drops a peer that does not answer keepalive pings (1006)', async () => {
    const rec = recorder();
    server = await serveWs(rec.handler, { pingInterval: 0.05 });
    const client = await rawUpgraded(server.port);
    const ping = await readFrame(client);
    expect(ping.opcode).toBe(Opcode.PING);
    await client.readToEnd(); // the server gave up and closed
    const end = await rec.ended();
    expect(end.code).toBe(1006);
  });

  it('echoes the client close code and reason, and wait() returns null', async () => {
    const rec = recorder();
    server = await serveWs(rec.handler);
    const peer = await open(server.url);
    peer.socket.close(4000, 'bye now ✓');
    expect(await peer.closed).toEqual({ code: 4000, reason: '' });
    expect(await rec.ended()).toEqual({ code: 4000, reason: 'bye now ✓', error: null });
  });

  it('closes with 1000 when the handler returns, and with the code and reason it gives', async () => {
    server = await serveWs(function* (ws) {
      const m = yield* ws.wait();
      if (m === 'custom') yield* ws.close(4001, 'server says bye');
    });
    const first = await open(server.url);
    first.socket.send('anything');
    expect(await first.closed).toEqual({ code: 1000, reason: '' });
    const second = await open(server.url);
    second.socket.send('custom');
    expect(await second.closed).toEqual({ code: 4001, reason: 'server says bye' });
  });

  it('closes with 1011 when the handler throws, and the error is logged', async () => {
    server = await serveWs(function* (ws) {
      yield* ws.wait();
      throw new Error('handler exploded');
    });
    const peer = await open(server.url);
    peer.socket.send('boom');
    expect((await peer.closed).code).toBe(1011);
    const logger = server.logger;
    await expect.poll(() => logger.lines.some((line) => line.startsWith('error') && line.includes('handler exploded'))).toBe(true);
  });

  it('fails invalid UTF-8 text with 1007', async () => {
    const rec = recorder();
    server = await serveWs(rec.handler);
    const peer = await open(server.url);
    peer.socket.send(Buffer.from([0x68, 0xc3, 0x28]), { binary: false });
    expect((await peer.closed).code).toBe(1007);
    expect(await rec.ended()).toMatchObject({ code: 1007, error: 'DIESEL_ERR_WS_INVALID_UTF8' });
  });

  it('fails unmasked client frames with 1002', async () => {
    const rec = recorder();
    server = await serveWs(rec.handler);
    const peer = await open(server.url);
    peer.socket.send('naked', { mask: false });
    expect((await peer.closed).code).toBe(1002);
    expect(await rec.ended()).toMatchObject({ code: 1002, error: 'DIESEL_ERR_WS_PROTOCOL' });
  });

  it('fails messages over maxMessageSize with 1009, and frames over maxFrameSize', async () => {
    const rec = recorder();
    server = await serveWs(rec.handler, { maxMessageSize: 1024 });
    const peer = await open(server.url);
    peer.socket.send(Buffer.alloc(1024, 1));
    expect((await peer.next()).data.length).toBe(1024);
    peer.socket.send(Buffer.alloc(600), { fin: false });
    peer.socket.send(Buffer.alloc(600), { fin: true });
    expect((await peer.closed).code).toBe(1009);
    expect(await rec.ended()).toMatchObject({ code: 1009, error: 'DIESEL_ERR_WS_MESSAGE_TOO_BIG' });
    await server.stop();

    server = await serveWs(echo, { maxFrameSize: 100 });
    const frames = await open(server.url);
    for (let i = 0; i < 3; i++) frames.socket.send(Buffer.alloc(100), { fin: i === 2 });
    expect((await frames.next()).data.length).toBe(300);
    frames.socket.send(Buffer.alloc(101));
    expect((await frames.closed).code).toBe(1009);
  });

  it('lets a Loop send on the socket while the handler reads; frames never interleave', async () => {
    const count = 200;
    server = await serveWs(function* (ws) {
      function* ticker() {
        for (let i = 0; i < count; i++) yield* ws.send(`tick ${i} ${'.'.repeat(i * 50)}`);
      }
      yield new Loop(ticker);
      yield* echo(ws);
    });
    const peer = await open(server.url);
    for (let i = 0; i < 20; i++) peer.socket.send(Buffer.alloc(20_000, i));
    const ticks: string[] = [];
    const echoes: Buffer[] = [];
    while (ticks.length < count || echoes.length < 20) {
      const m = await peer.next();
      if (m.isBinary) echoes.push(m.data);
      else ticks.push(m.data.toString());
    }
    expect(ticks).toEqual(Array.from({ length: count }, (_, i) => `tick ${i} ${'.'.repeat(i * 50)}`));
    expect(echoes.map((e) => e[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peer.errors).toEqual([]);
  });

  it('holds a sender back while the peer does not read (backpressure), then delivers everything', async () => {
    const total = 256; // 256 MiB if nothing held the sender back
    let sent = 0;
    server = await serveWs(function* (ws) {
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      for (let i = 0; i < total; i++) {
        yield* ws.send(chunk);
        sent++;
      }
      yield* ws.wait();
    });
    const peer = await open(server.url, { maxPayload: 2 * 1024 * 1024 });
    peer.socket.pause();
    // Wait until the sender has stopped making progress: the socket buffers are full.
    let last = -1;
    let still = 0;
    while (still < 5) {
      await new Promise((r) => setTimeout(r, 100));
      if (sent === last) still++;
      else still = 0;
      last = sent;
    }
    expect(sent).toBeLessThan(64); // kernel + stream buffers hold a few MiB, never the whole stream
    peer.socket.resume();
    let received = 0;
    while (received < total) {
      const m = await peer.next();
      expect(m.data.length).toBe(1024 * 1024);
      received++;
    }
    expect(sent).toBe(total);
  });

  it('negotiates a subprotocol from the server list', async () => {
    let chosen = 'unset';
    server = await serveWs(
      function* (ws) {
        chosen = ws.protocol;
        yield* echo(ws);
      },
      { protocols: ['v2.chat', 'v1.chat'] },
    );
    const peer = await open(server.url, {}, ['v1.chat', 'v2.chat']);
    expect(peer.socket.protocol).toBe('v2.chat');
    peer.socket.send('x');
    await peer.nextText();
    expect(chosen).toBe('v2.chat');
  });
});

describe('websocket() origin checks', () => {
  it('allows listed origins and answers 403 to others', async () => {
    server = await serveWs(echo, { origins: ['http://good.example', 'https://app.example:8443'] });
    const good = await open(server.url, { origin: 'http://good.example' });
    good.socket.send('ok');
    expect(await good.nextText()).toBe('ok');
    const alsoGood = await open(server.url, { origin: 'https://APP.example:8443' });
    alsoGood.socket.send('ok');
    expect(await alsoGood.nextText()).toBe('ok');
    await expect(WsPeer.open(server.url, { origin: 'http://evil.example' })).rejects.toThrow('unexpected response 403');
    await expect(WsPeer.open(server.url, { origin: 'https://good.example' })).rejects.toThrow('unexpected response 403');
  });

  it('allows only the same origin by default, and any origin with "*"', async () => {
    server = await serveWs(echo);
    const same = await open(server.url, { origin: `http://127.0.0.1:${server.port}` });
    same.socket.send('same');
    expect(await same.nextText()).toBe('same');
    await expect(WsPeer.open(server.url, { origin: 'http://attacker.example' })).rejects.toThrow('unexpected response 403');
    await server.stop();
    server = await serveWs(echo, { origins: '*' });
    const any = await open(server.url, { origin: 'http://attacker.example' });
    any.socket.send('any');
    expect(await any.nextText()).toBe('any');
  });
});

describe('websocket() protocol violations from raw bytes', () => {
  async function violation(frames: Buffer): Promise<{ code: number; reason: string }> {
    const rec = recorder();
    server = await serveWs(rec.handler);
    const client = await rawUpgraded(server.port);
    client.write(frames);
    const close = await readFrame(client);
    expect(close.opcode).toBe(Opcode.CLOSE);
    const rest = await client.readToEnd(); // the server closes the TCP connection after its close frame
    expect(rest.length).toBe(0);
    const end = await rec.ended();
    expect(end.code).toBe(close.payload.readUInt16BE(0));
    return { code: close.payload.readUInt16BE(0), reason: close.payload.subarray(2).toString() };
  }

  it('rejects reserved bits (1002)', async () => {
    expect((await violation(encodeFrame(Opcode.TEXT, Buffer.from('x'), { mask: MASK, rsv1: true }))).code).toBe(1002);
  });

  it('rejects reserved opcodes (1002)', async () => {
    expect((await violation(Buffer.from([0x83, 0x80, ...MASK]))).code).toBe(1002);
  });

  it('rejects a fragmented ping (1002)', async () => {
    expect((await violation(encodeFrame(Opcode.PING, Buffer.alloc(0), { fin: false, mask: MASK }))).code).toBe(1002);
  });

  it('rejects an invalid close code (1002) and an invalid UTF-8 close reason (1007)', async () => {
    expect((await violation(encodeFrame(Opcode.CLOSE, Buffer.from([0x03, 0xed]), { mask: MASK }))).code).toBe(1002);
    await server?.stop();
    expect((await violation(encodeFrame(Opcode.CLOSE, Buffer.from([0x03, 0xe8, 0xc0, 0xaf]), { mask: MASK }))).code).toBe(1007);
  });

  it('rejects a too-big frame from its header alone (1009)', async () => {
    const result = await violation(frameHeader(Opcode.BINARY, 17 * 1024 * 1024, { mask: MASK }));
    expect(result.code).toBe(1009);
  });

  it('completes the close handshake on a raw close frame with no code', async () => {
    const rec = recorder();
    server = await serveWs(rec.handler);
    const client = await rawUpgraded(server.port);
    client.write(encodeFrame(Opcode.CLOSE, encodeClosePayload(), { mask: MASK }));
    const reply = await readFrame(client);
    expect(reply).toEqual({ opcode: Opcode.CLOSE, payload: Buffer.alloc(0) });
    await client.readToEnd();
    expect((await rec.ended()).code).toBe(1005);
  });
});

describe('websocket() bad handshakes', () => {
  async function answer(request: string): Promise<string> {
    server ??= await serveWs(echo);
    const client = await raw(server.port);
    client.write(request);
    return (await client.readUntil('\r\n\r\n')).toString('latin1');
  }

  it('answers 426 to a request without Upgrade: websocket', async () => {
    server = await serveWs(echo);
    const head = await answer(handshakeRequest(server.port, { Upgrade: null, Connection: null }));
    expect(head).toMatch(/^HTTP\/1\.1 426 /);
    expect(head).toMatch(/\r\nUpgrade: websocket\r\n/i);
  });

  it('answers 426 with Sec-WebSocket-Version: 13 to another version', async () => {
    server = await serveWs(echo);
    const head = await answer(handshakeRequest(server.port, { 'Sec-WebSocket-Version': '8' }));
    expect(head).toMatch(/^HTTP\/1\.1 426 /);
    expect(head).toMatch(/\r\nSec-WebSocket-Version: 13\r\n/i);
  });

  it('answers 400 to a missing or malformed key, a POST, HTTP/1.0 and no Connection: upgrade', async () => {
    server = await serveWs(echo);
    const port = server.port;
    expect(await answer(handshakeRequest(port, { 'Sec-WebSocket-Key': null }))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await answer(handshakeRequest(port, { 'Sec-WebSocket-Key': 'too-short' }))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await answer(handshakeRequest(port, {}, 'POST /ws HTTP/1.1'))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await answer(handshakeRequest(port, {}, 'GET /ws HTTP/1.0'))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await answer(handshakeRequest(port, { Connection: 'keep-alive' }))).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('computes the RFC 6455 accept key', async () => {
    server = await serveWs(echo);
    const head = await answer(handshakeRequest(server.port));
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head).toContain('\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n');
  });
});

