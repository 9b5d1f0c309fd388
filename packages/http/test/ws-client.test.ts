import net from 'node:net';
import { Hub, run, type Routine } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import WsSocket, { WebSocketServer } from 'ws';
import { Opcode, WebSocketClient, WebSocketError, acceptKey, encodeFrame } from '../src/index.js';

/**
 * `WebSocketClient` against independent peers: a `ws` WebSocketServer for everything it
 * can do, a raw net.Server for the violations it will not commit.
 */

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function go<T>(routine: Routine<T>): Promise<T> {
  return run(routine, { hub: new Hub({ logger: new MemoryLogger() }) });
}

interface WsServerPeer {
  url: string;
  server: WebSocketServer;
  /** The server side of each accepted connection, with what it received and how it closed. */
  connections: Promise<WsSocket>[];
  closes: Promise<{ code: number; reason: string }>[];
}

async function wsServer(onConnection: (socket: WsSocket) => void = (s) => s.on('message', (d, isBinary) => s.send(d, { binary: isBinary })), options = {}): Promise<WsServerPeer> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const peer: WsServerPeer = { url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/path?q=1`, server, connections: [], closes: [] };
  let accept!: (s: WsSocket) => void;
  let closed!: (c: { code: number; reason: string }) => void;
  const arm = () => {
    peer.connections.push(new Promise((r) => (accept = r)));
    peer.closes.push(new Promise((r) => (closed = r)));
  };
  arm();
  server.on('connection', (socket) => {
    const close = closed;
    socket.on('close', (code, reason) => close({ code, reason: reason.toString() }));
    onConnection(socket);
    accept(socket);
    arm();
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => resolve());
      }),
  );
  return peer;
}

/** Closes the client socket at the end of the test, whatever happened. */
function track(ws: WebSocketClient): WebSocketClient {
  cleanups.push(() => ws.terminate());
  return ws;
}

describe('WebSocketClient against a ws server', () => {
  it('echoes text and binary messages and reports the request it made', async () => {
    const peer = await wsServer();
    let path = '';
    peer.server.on('connection', (_s, request) => (path = request.url ?? ''));
    const received = await go(
      (function* () {
        const ws = track(yield* WebSocketClient.connect(peer.url));
        const out: unknown[] = [];
        for (const m of ['hello', '', 'ünïcödé ☃', 'y'.repeat(100_000)]) {
          yield* ws.send(m);
          out.push(yield* ws.wait());
        }
        yield* ws.send(new Uint8Array([1, 2, 3]));
        out.push(yield* ws.wait());
        yield* ws.close();
        return out;
      })(),
    );
    expect(received).toEqual(['hello', '', 'ünïcödé ☃', 'y'.repeat(100_000), Buffer.from([1, 2, 3])]);
    expect(path).toBe('/path?q=1');
    expect(await peer.closes[0]).toEqual({ code: 1000, reason: '' });
  });

  it('assembles fragmented messages from the server and answers its pings', async () => {
    const peer = await wsServer((socket) => {
      socket.send('frag', { fin: false });
      socket.ping('ping between');
      socket.send('mented', { fin: true });
    });
    const pong = new Promise<string>((resolve) => void peer.connections[0]!.then((s) => s.on('pong', (d: Buffer) => resolve(d.toString()))));
    const message = await go(
      (function* () {
        const ws = track(yield* WebSocketClient.connect(peer.url));
        return yield* ws.wait();
      })(),
    );
    expect(message).toBe('fragmented');
    expect(await pong).toBe('ping between');
  });

  it('gets the server close code and reason, and wait() returns null', async () => {
    const peer = await wsServer((socket) => socket.close(4002, 'go away ✓'));
    const result = await go(
      (function* () {
        const ws = track(yield* WebSocketClient.connect(peer.url));
        const m = yield* ws.wait();
        return { m, code: ws.closeCode, reason: ws.closeReason, closed: ws.closed };
      })(),
    );
    expect(result).toEqual({ m: null, code: 4002, reason: 'go away ✓', closed: true });
    expect((await peer.closes[0]!).code).toBe(4002);
  });

  it('sends its close code and reason', async () => {
    const peer = await wsServer();
    await go(
      (function* () {
        const ws = track(yield* WebSocketClient.connect(peer.url));
        yield* ws.close(4003, 'client done');
        return ws.closeCode;
      })(),
    );
    expect(await peer.closes[0]).toEqual({ code: 4003, reason: 'client done' });
  });

  it('sends keepalive pings that ws answers', async () => {
    const peer = await wsServer(() => {});
    const pings: Promise<void> = peer.connections[0]!.then(
      (s) =>
        new Promise<void>((resolve) => {
          let n = 0;
          s.on('ping', () => {
            if (++n === 2) {
              resolve();
              s.send('enough');
            }
          });
        }),
    );
    const message = await go(
      (function* () {
        // Half a second: a pong delayed past a whole interval (a very busy machine) would drop the connection.
        const ws = track(yield* WebSocketClient.connect(peer.url, { pingInterval: 0.5 }));
        return yield* ws.wait();
      })(),
    );
    await pings;
    expect(message).toBe('enough');
  });

  it('fails invalid UTF-8 text from the server with 1007', async () => {
    const peer = await wsServer((socket) => socket.send(Buffer.from([0xff, 0xfe]), { binary: false }));
    const result = await go(
      (function* () {
        const ws = track(yield* WebSocketClient.connect(peer.url));
        const m = yield* ws.wait();
        return { m, code: ws.closeCode, error: ws.error?.code };
      })(),
    );
    expect(result).toEqual({ m: null, code: 1007, error: 'DIESEL_ERR_WS_INVALID_UTF8' });
    expect((await peer.closes[0]!).code).toBe(1007);
  });

  it('fails a message over maxMessageSize with 1009', async () => {
    const peer = await wsServer((socket) => {
      socket.send(Buffer.alloc(1000));
      socket.send(Buffer.alloc(1001));
    });
    const result = await go(
      (function* () {
        const ws = track(yield* WebSocketClient.connect(peer.url, { maxMessageSize: 1000 }));
        const first = yield* ws.wait();
        const second = yield* ws.wait();
        return { first: (first as Buffer).length, second, code: ws.closeCode };
      })(),
    );
    expect(result).toEqual({ first: 1000, second: null, code: 1009 });
    expect((await peer.closes[0]!).code).toBe(1009);
  });

  it('offers subprotocols and reports the one chosen', async () => {
    const peer = await wsServer(undefined, { handleProtocols: (offered: Set<string>) => (offered.has('b') ? 'b' : false) });
    const protocol = await go(
      (function* () {
        const ws = track(yield* WebSocketClient.connect(peer.url, { protocols: ['a', 'b'], origin: 'http://example.com', headers: { 'X-Token': 't' } }));
        yield* ws.close();
        return ws.protocol;
      })(),
    );
    expect(protocol).toBe('b');
  });

  it('throws DIESEL_ERR_WS_HANDSHAKE with the status when the server refuses', async () => {
    const peer = await wsServer(undefined, { verifyClient: () => false });
    const error = await go(WebSocketClient.connect(peer.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketError);
    expect((error as WebSocketError).code).toBe('DIESEL_ERR_WS_HANDSHAKE');
    expect((error as WebSocketError).status).toBe(401);
  });

  it('refuses non-ws URLs', async () => {
    await expect(go(WebSocketClient.connect('http://127.0.0.1:1/'))).rejects.toThrow(TypeError);
  });
});

describe('WebSocketClient against a raw server that breaks the protocol', () => {
  /** A server that completes the handshake (correctly, or with `accept` overridden) and then writes `frames`. */
  async function rawServer(frames: Buffer, accept?: string): Promise<{ url: string; received: Promise<Buffer> }> {
    let resolveReceived!: (b: Buffer) => void;
    const received = new Promise<Buffer>((r) => (resolveReceived = r));
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      let data = Buffer.alloc(0);
      let upgraded = false;
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        if (!upgraded) {
          const end = data.indexOf('\r\n\r\n');
          if (end === -1) return;
          const key = /sec-websocket-key: *(\S+)/i.exec(data.subarray(0, end).toString())![1]!;
          upgraded = true;
          data = data.subarray(end + 4);
          // One write: the first frames share the handshake response's packet.
          const head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept ?? acceptKey(key)}\r\n\r\n`;
          socket.write(Buffer.concat([Buffer.from(head), frames]));
        }
      });
      socket.on('end', () => {
        resolveReceived(data);
        socket.end();
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    return { url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, received };
  }

  async function expectFailure(frames: Buffer, closeCode: number, code: string): Promise<void> {
    const { url, received } = await rawServer(frames);
    const result = await go(
      (function* () {
        const ws = track(yield* WebSocketClient.connect(url));
        const m = yield* ws.wait();
        return { m, code: ws.closeCode, error: ws.error?.code };
      })(),
    );
    expect(result).toEqual({ m: null, code: closeCode, error: code });
    // The client sent a masked close frame with that code before closing its side.
    const bytes = await received;
    expect(bytes[0]).toBe(0x88);
    expect(bytes[1]! & 0x80).toBe(0x80);
    const mask = bytes.subarray(2, 6);
    expect(((bytes[6]! ^ mask[0]!) << 8) | (bytes[7]! ^ mask[1]!)).toBe(closeCode);
  }

  it('fails masked server frames with 1002', async () => {
    await expectFailure(encodeFrame(Opcode.TEXT, Buffer.from('masked'), { mask: Buffer.from([9, 9, 9, 9]) }), 1002, 'DIESEL_ERR_WS_PROTOCOL');
  });

  it('fails reserved bits and reserved opcodes with 1002', async () => {
    await expectFailure(encodeFrame(Opcode.TEXT, Buffer.from('x'), { rsv1: true }), 1002, 'DIESEL_ERR_WS_PROTOCOL');
    await expectFailure(Buffer.from([0x8b, 0x00]), 1002, 'DIESEL_ERR_WS_PROTOCOL');
  });

  it('fails a continuation frame with nothing to continue with 1002', async () => {
    await expectFailure(encodeFrame(Opcode.CONTINUATION, Buffer.from('x')), 1002, 'DIESEL_ERR_WS_PROTOCOL');
  });

  it('rejects a wrong Sec-WebSocket-Accept', async () => {
    const { url } = await rawServer(Buffer.alloc(0), 'd3JvbmcgYWNjZXB0IGtleSE=');
    await expect(go(WebSocketClient.connect(url))).rejects.toMatchObject({ code: 'DIESEL_ERR_WS_HANDSHAKE' });
  });

  it('reads frames that arrive in the same packet as the handshake response', async () => {
    const { url } = await rawServer(Buffer.concat([encodeFrame(Opcode.TEXT, Buffer.from('early')), encodeFrame(Opcode.TEXT, Buffer.from('bird'))]));
    const got = await go(
      (function* () {
        const ws = track(yield* WebSocketClient.connect(url));
        return [yield* ws.wait(), yield* ws.wait()];
      })(),
    );
    expect(got).toEqual(['early', 'bird']);
  });
});
