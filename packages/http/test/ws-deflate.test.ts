import net from 'node:net';
import { Hub, run, type Routine } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  FrameParser,
  Opcode,
  WebSocketClient,
  WebSocketError,
  deflateMessage,
  deflateMessageAsync,
  encodeFrame,
  inflateMessage,
  inflateMessageAsync,
  negotiateDeflate,
  parseExtensions,
  type WebSocket,
  type WebSocketEvent,
} from '../src/index.js';
import { serveWs, type WsServer } from './ws/harness.js';
import { WsPeer } from './ws/peer.js';

/** permessage-deflate (RFC 7692, no context takeover): codec, negotiation, and against ws both ways. */

const MASK = Buffer.from([5, 6, 7, 8]);
const deflating = { role: 'server', perMessageDeflate: true } as const;

function parseEverySplit(wire: Buffer, options: ConstructorParameters<typeof FrameParser>[0]): WebSocketEvent[][] {
  const results: WebSocketEvent[][] = [];
  const ways: Buffer[][] = [[wire], [...wire].map((b) => Buffer.from([b]))];
  for (let at = 1; at < wire.length; at++) ways.push([wire.subarray(0, at), wire.subarray(at)]);
  for (const chunks of ways) {
    const parser = new FrameParser(options);
    const events: WebSocketEvent[] = [];
    for (const chunk of chunks) {
      parser.push(Buffer.from(chunk));
      for (let e = parser.next(); e !== null; e = parser.next()) events.push(e);
    }
    results.push(events);
  }
  return results;
}

function failure(wire: Buffer, options: ConstructorParameters<typeof FrameParser>[0]): WebSocketError {
  const parser = new FrameParser(options);
  parser.push(wire);
  try {
    while (parser.next() !== null);
  } catch (error) {
    if (error instanceof WebSocketError) return error;
    throw error;
  }
  throw new Error('expected a WebSocketError');
}

describe('permessage-deflate codec', () => {
  it('round-trips messages, including the empty one', () => {
    for (const text of ['', 'a', 'hello hello hello hello', 'ü☃'.repeat(1000)]) {
      expect(inflateMessage(deflateMessage(Buffer.from(text)), 1 << 20).toString()).toBe(text);
    }
    expect(deflateMessage(Buffer.from('x'.repeat(10_000))).length).toBeLessThan(100);
  });

  it('inflates a compressed message, whole / split at every offset / byte by byte', () => {
    const text = 'compress me, compress me, compress me ☃';
    const wire = encodeFrame(Opcode.TEXT, deflateMessage(Buffer.from(text)), { mask: MASK, rsv1: true });
    for (const events of parseEverySplit(wire, deflating)) expect(events).toEqual([{ type: 'text', data: text }]);
  });

  it('inflates a fragmented compressed message (RSV1 on the first frame only), with a ping between', () => {
    const data = Buffer.from('binary '.repeat(50));
    const compressed = deflateMessage(data);
    const wire = Buffer.concat([
      encodeFrame(Opcode.BINARY, compressed.subarray(0, 5), { fin: false, mask: MASK, rsv1: true }),
      encodeFrame(Opcode.PING, Buffer.alloc(0), { mask: MASK }),
      encodeFrame(Opcode.CONTINUATION, compressed.subarray(5), { mask: MASK }),
      encodeFrame(Opcode.TEXT, Buffer.from('plain'), { mask: MASK }),
    ]);
    for (const events of parseEverySplit(wire, deflating)) {
      expect(events).toEqual([
        { type: 'ping', data: Buffer.alloc(0) },
        { type: 'binary', data },
        { type: 'text', data: 'plain' },
      ]);
    }
  });

  it('rejects RSV1 on a continuation or a control frame, and RSV2/RSV3 (1002)', () => {
    const onContinuation = Buffer.concat([
      encodeFrame(Opcode.TEXT, Buffer.from('a'), { fin: false, mask: MASK }),
      encodeFrame(Opcode.CONTINUATION, Buffer.from('b'), { mask: MASK, rsv1: true }),
    ]);
    expect(failure(onContinuation, deflating).closeCode).toBe(1002);
    expect(failure(encodeFrame(Opcode.PING, Buffer.alloc(0), { mask: MASK, rsv1: true }), deflating).closeCode).toBe(1002);
    expect(failure(Buffer.from([0xe1, 0x80, ...MASK]), deflating).closeCode).toBe(1002);
  });

  it('stops a decompression bomb at maxMessageSize (1009) and rejects corrupt data (1007)', () => {
    const bomb = deflateMessage(Buffer.alloc(10 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(20_000);
    const error = failure(encodeFrame(Opcode.BINARY, bomb, { mask: MASK, rsv1: true }), { ...deflating, maxMessageSize: 1024 * 1024 });
    expect(error.code).toBe('DIESEL_ERR_WS_MESSAGE_TOO_BIG');
    expect(error.closeCode).toBe(1009);
    const corrupt = failure(encodeFrame(Opcode.BINARY, Buffer.from([0xff, 0xff, 0xff]), { mask: MASK, rsv1: true }), deflating);
    expect(corrupt.code).toBe('DIESEL_ERR_WS_INFLATE');
    expect(corrupt.closeCode).toBe(1007);
  });

  it('checks UTF-8 after inflating', () => {
    const wire = encodeFrame(Opcode.TEXT, deflateMessage(Buffer.from([0x61, 0xff])), { mask: MASK, rsv1: true });
    expect(failure(wire, deflating).closeCode).toBe(1007);
  });
});

describe('permessage-deflate off the hub', () => {
  it('hands compressed messages out uninflated with deferInflate, whole / split at every offset / byte by byte', async () => {
    const text = 'deferred '.repeat(300);
    const compressed = deflateMessage(Buffer.from(text));
    const wire = encodeFrame(Opcode.TEXT, compressed, { mask: MASK, rsv1: true });
    for (const events of parseEverySplit(wire, { ...deflating, deferInflate: true })) {
      expect(events).toEqual([{ type: 'compressed', binary: false, data: compressed }]);
    }
    expect((await inflateMessageAsync(compressed, 1 << 20)).toString()).toBe(text);
  });

  it('inflates on the thread pool with the same bound (1009) and errors (1007), and deflates there too', async () => {
    const bomb = deflateMessage(Buffer.alloc(15 * 1024 * 1024));
    await expect(inflateMessageAsync(bomb, 1024 * 1024)).rejects.toMatchObject({ code: 'DIESEL_ERR_WS_MESSAGE_TOO_BIG', closeCode: 1009 });
    await expect(inflateMessageAsync(Buffer.from([0xff, 0xff, 0xff]), 1024)).rejects.toMatchObject({ code: 'DIESEL_ERR_WS_INFLATE', closeCode: 1007 });
    for (const text of ['', 'a', 'x'.repeat(200_000)]) {
      const compressed = await deflateMessageAsync(Buffer.from(text));
      expect(compressed).toEqual(deflateMessage(Buffer.from(text)));
      expect(inflateMessage(compressed, 1 << 20).toString()).toBe(text);
    }
  });
});

describe('permessage-deflate negotiation', () => {
  it('parses extension offers', () => {
    const offers = parseExtensions(['permessage-deflate; client_max_window_bits; server_max_window_bits="10", x-other', 'foo']);
    expect(offers?.map((o) => [o.name, Object.fromEntries(o.params)])).toEqual([
      ['permessage-deflate', { client_max_window_bits: true, server_max_window_bits: '10' }],
      ['x-other', {}],
      ['foo', {}],
    ]);
    expect(parseExtensions(['permessage-deflate; a; a'])).toBeNull();
    expect(parseExtensions(['bad name'])).toBeNull();
  });

  it('accepts the first valid offer, always without context takeover', () => {
    expect(negotiateDeflate(['permessage-deflate; client_max_window_bits'])).toEqual({
      response: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
      windowBits: 15,
    });
    expect(negotiateDeflate(['permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=10'])).toEqual({
      response: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10',
      windowBits: 10,
    });
    expect(negotiateDeflate(['permessage-deflate; unknown_param'])).toBeNull();
    expect(negotiateDeflate(['permessage-deflate; client_max_window_bits=16'])).toBeNull();
    expect(negotiateDeflate(['x-webkit-deflate-frame'])).toBeNull();
    expect(negotiateDeflate([])).toBeNull();
  });
});

let server: WsServer | null = null;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.stop();
  server = null;
});

function* echo(ws: WebSocket) {
  for (let m = yield* ws.wait(); m !== null; m = yield* ws.wait()) yield* ws.send(m);
}

describe('permessage-deflate against ws', () => {
  it('server: negotiates with the ws client and sends and receives compressed messages', async () => {
    let agreed: unknown = 'unset';
    server = await serveWs(
      function* (ws) {
        agreed = ws.deflate;
        yield* echo(ws);
      },
      { perMessageDeflate: { threshold: 64 } },
    );
    const peer = await WsPeer.open(server.url, { perMessageDeflate: { threshold: 0 } });
    cleanups.push(() => peer.terminate());
    expect(peer.socket.extensions).toContain('permessage-deflate');
    const text = 'the same words again, '.repeat(5000); // 110 KB, very compressible
    const before = (peer.socket as unknown as { _socket: net.Socket })._socket.bytesRead;
    peer.socket.send(text);
    expect(await peer.nextText()).toBe(text);
    const onWire = (peer.socket as unknown as { _socket: net.Socket })._socket.bytesRead - before;
    expect(onWire).toBeLessThan(5_000); // the echo came back compressed
    peer.socket.send('short');
    expect(await peer.nextText()).toBe('short');
    peer.socket.send(Buffer.alloc(3000, 1));
    expect((await peer.next()).data).toEqual(Buffer.alloc(3000, 1));
    expect(agreed).toEqual({ threshold: 64, windowBits: 15 });
  });

  it('server: closes a deflate bomb with 1009 while a neighbour is echoed, and checks UTF-8 after inflating', async () => {
    server = await serveWs(echo, { perMessageDeflate: { threshold: 64 }, maxMessageSize: 4 * 1024 * 1024 });
    const neighbour = await WsPeer.open(server.url, { perMessageDeflate: { threshold: 0 } });
    const attacker = await WsPeer.open(server.url, { perMessageDeflate: { threshold: 0 } });
    cleanups.push(() => neighbour.terminate(), () => attacker.terminate());
    const closed = new Promise<number>((resolve) => attacker.socket.once('close', (code: number) => resolve(code)));
    attacker.socket.send(Buffer.alloc(15 * 1024 * 1024)); // ws compresses it to a few KB
    neighbour.socket.send('still served');
    expect(await neighbour.nextText()).toBe('still served');
    expect(await closed).toBe(1009);
    neighbour.socket.send('x'.repeat(100_000));
    expect(await neighbour.nextText()).toBe('x'.repeat(100_000));
  });

  it('server: without the option, declines the offer and ws falls back to plain frames', async () => {
    server = await serveWs(echo);
    const peer = await WsPeer.open(server.url);
    cleanups.push(() => peer.terminate());
    expect(peer.socket.extensions).toBe('');
    peer.socket.send('plain');
    expect(await peer.nextText()).toBe('plain');
  });

  it('client: negotiates with a ws server and echoes compressed messages', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    let bytesRead = 0;
    wss.on('connection', (socket, request) => {
      socket.on('message', (data, isBinary) => {
        bytesRead = request.socket.bytesRead;
        socket.send(data, { binary: isBinary });
      });
    });
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    cleanups.push(() => {
      for (const c of wss.clients) c.terminate();
    });
    const text = 'repeat after me, '.repeat(6000);
    const result = await run(
      (function* (): Routine<unknown> {
        const ws = yield* WebSocketClient.connect(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/`, { perMessageDeflate: true });
        try {
          yield* ws.send(text);
          const back = yield* ws.wait();
          yield* ws.send(new Uint8Array([1, 2, 3]));
          const small = yield* ws.wait();
          return { same: back === text, small, extensions: ws.responseHeaders.first('sec-websocket-extensions'), deflate: ws.deflate };
        } finally {
          yield* ws.close();
        }
      })(),
      { hub: new Hub({ logger: new MemoryLogger() }) },
    );
    expect(result).toMatchObject({ same: true, small: Buffer.from([1, 2, 3]), deflate: { threshold: 1024, windowBits: 15 } });
    expect((result as { extensions: string }).extensions).toContain('server_no_context_takeover');
    expect(bytesRead).toBeLessThan(5_000); // our 100 KB text went compressed
  });
});
