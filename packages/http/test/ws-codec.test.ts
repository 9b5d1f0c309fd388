import { describe, expect, it } from 'vitest';
import {
  FrameParser,
  Opcode,
  ParserState,
  WebSocketError,
  applyMask,
  encodeClosePayload,
  encodeFrame,
  frameHeader,
  isValidCloseCode,
  type FrameParserOptions,
  type WebSocketEvent,
} from '../src/index.js';

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** The three ways every parser test runs: whole, split at every offset, one byte at a time. */
function feeds(wire: Buffer): { name: string; chunks: Buffer[] }[] {
  const ways = [{ name: 'whole', chunks: [wire] }];
  for (let at = 1; at < wire.length; at++) ways.push({ name: `split at ${at}`, chunks: [wire.subarray(0, at), wire.subarray(at)] });
  ways.push({ name: 'byte by byte', chunks: [...wire].map((b) => Buffer.from([b])) });
  return ways;
}

function parseAll(chunks: Buffer[], options: FrameParserOptions): WebSocketEvent[] {
  const parser = new FrameParser(options);
  const events: WebSocketEvent[] = [];
  for (const chunk of chunks) {
    // Copy each chunk, so a parser that wrote into its input would be caught by the next way.
    parser.push(Buffer.from(chunk));
    for (let e = parser.next(); e !== null; e = parser.next()) events.push(e);
  }
  return events;
}

function parseError(chunks: Buffer[], options: FrameParserOptions): WebSocketError {
  try {
    parseAll(chunks, options);
  } catch (error) {
    if (error instanceof WebSocketError) return error;
    throw error;
  }
  throw new Error('expected a WebSocketError');
}

function expectEverySplit(wire: Buffer, options: FrameParserOptions, expected: WebSocketEvent[]): void {
  for (const { name, chunks } of feeds(wire)) {
    expect(parseAll(chunks, options), name).toEqual(expected);
  }
}

function expectFailureEverySplit(wire: Buffer, options: FrameParserOptions, code: string, closeCode: number): void {
  for (const { name, chunks } of feeds(wire)) {
    const error = parseError(chunks, options);
    expect(error.code, name).toBe(code);
    expect(error.closeCode, name).toBe(closeCode);
  }
}

const server: FrameParserOptions = { role: 'server' };
const client: FrameParserOptions = { role: 'client' };

describe('frame builder', () => {
  it('encodes the RFC 6455 §5.7 examples byte for byte', () => {
    // A single-frame unmasked text message.
    expect(encodeFrame(Opcode.TEXT, Buffer.from('Hello')).toString('hex')).toBe('810548656c6c6f');
    // A single-frame masked text message.
    expect(encodeFrame(Opcode.TEXT, Buffer.from('Hello'), { mask: MASK }).toString('hex')).toBe('818537fa213d7f9f4d5158');
    // Fragmented unmasked text: "Hel" then "lo".
    expect(encodeFrame(Opcode.TEXT, Buffer.from('Hel'), { fin: false }).toString('hex')).toBe('010348656c');
    expect(encodeFrame(Opcode.CONTINUATION, Buffer.from('lo')).toString('hex')).toBe('80026c6f');
    // Unmasked ping carrying "Hello".
    expect(encodeFrame(Opcode.PING, Buffer.from('Hello')).toString('hex')).toBe('890548656c6c6f');
  });

  it('picks 7-bit, 16-bit and 64-bit lengths at the boundaries', () => {
    expect(frameHeader(Opcode.BINARY, 125).toString('hex')).toBe('827d');
    expect(frameHeader(Opcode.BINARY, 126).toString('hex')).toBe('827e007e');
    expect(frameHeader(Opcode.BINARY, 65535).toString('hex')).toBe('827effff');
    expect(frameHeader(Opcode.BINARY, 65536).toString('hex')).toBe('827f0000000000010000');
    expect(frameHeader(Opcode.BINARY, 2 ** 32 + 5).toString('hex')).toBe('827f0000000100000005');
    expect(frameHeader(Opcode.BINARY, 256, { mask: MASK }).toString('hex')).toBe('82fe010037fa213d');
    expect(frameHeader(Opcode.TEXT, 0, { fin: false, rsv1: true }).toString('hex')).toBe('4100');
  });

  it('masks and unmasks symmetrically at every length', () => {
    for (let n = 0; n < 20; n++) {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 31) & 0xff));
      const masked = applyMask(data, MASK);
      for (let i = 0; i < n; i++) expect(masked[i]).toBe(data[i]! ^ MASK[i % 4]!);
      expect(applyMask(masked, MASK)).toEqual(data);
    }
  });

  it('masks like a byte-by-byte XOR at every length and every buffer alignment', () => {
    const backing = Buffer.from(Array.from({ length: 310 }, (_, i) => (i * 7 + 3) & 0xff));
    for (let offset = 0; offset < 4; offset++) {
      for (let n = 0; n <= 300; n++) {
        const data = backing.subarray(offset, offset + n);
        const expected = Buffer.from(data.map((b, i) => b ^ MASK[i % 4]!));
        expect(applyMask(data, MASK)).toEqual(expected);
        const frame = encodeFrame(Opcode.BINARY, data, { mask: MASK });
        expect(frame.subarray(frame.length - n)).toEqual(expected);
      }
    }
    // A payload parsed from chunks that start at every phase of the mask and every alignment.
    const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff));
    const wire = encodeFrame(Opcode.BINARY, payload, { mask: MASK });
    for (let at = 1; at < 40; at++) {
      const chunks = [Buffer.concat([Buffer.alloc(at % 4), wire.subarray(0, at)]).subarray(at % 4), wire.subarray(at)];
      expect(parseAll(chunks, server)).toEqual([{ type: 'binary', data: payload }]);
    }
  });

  it('builds close payloads and refuses codes that may not be sent', () => {
    expect(encodeClosePayload().length).toBe(0);
    expect(encodeClosePayload(1000, 'bye').toString('hex')).toBe('03e8627965');
    expect(() => encodeClosePayload(1005)).toThrow(RangeError);
    expect(() => encodeClosePayload(1006)).toThrow(RangeError);
    expect(() => encodeClosePayload(999)).toThrow(RangeError);
    expect(() => encodeClosePayload(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(() => encodeClosePayload(undefined, 'reason')).toThrow(RangeError);
    expect(isValidCloseCode(4999)).toBe(true);
    expect(isValidCloseCode(1004)).toBe(false);
    expect(isValidCloseCode(1015)).toBe(false);
    expect(isValidCloseCode(2999)).toBe(false);
  });
});

describe('FrameParser: messages, whole / split at every offset / byte by byte', () => {
  it('parses unmasked text from a server', () => {
    expectEverySplit(Buffer.from('810548656c6c6f', 'hex'), client, [{ type: 'text', data: 'Hello' }]);
  });

  it('parses masked text from a client', () => {
    expectEverySplit(Buffer.from('818537fa213d7f9f4d5158', 'hex'), server, [{ type: 'text', data: 'Hello' }]);
  });

  it('assembles a fragmented message with a ping between the fragments', () => {
    const wire = Buffer.concat([
      encodeFrame(Opcode.TEXT, Buffer.from('Hel'), { fin: false, mask: MASK }),
      encodeFrame(Opcode.PING, Buffer.from('p'), { mask: MASK }),
      encodeFrame(Opcode.CONTINUATION, Buffer.from(''), { fin: false, mask: MASK }),
      encodeFrame(Opcode.CONTINUATION, Buffer.from('lo ☃'), { mask: MASK }),
    ]);
    expectEverySplit(wire, server, [
      { type: 'ping', data: Buffer.from('p') },
      { type: 'text', data: 'Hello ☃' },
    ]);
  });

  it('splits a multi-byte character across fragments and still decodes it', () => {
    const snow = Buffer.from('☃'); // 3 bytes
    const wire = Buffer.concat([
      encodeFrame(Opcode.TEXT, snow.subarray(0, 1), { fin: false }),
      encodeFrame(Opcode.CONTINUATION, snow.subarray(1)),
    ]);
    expectEverySplit(wire, client, [{ type: 'text', data: '☃' }]);
  });

  it('parses binary with 16-bit and 64-bit lengths', () => {
    const medium = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    const big = Buffer.alloc(70_000, 7);
    expectEverySplit(encodeFrame(Opcode.BINARY, medium, { mask: MASK }), server, [{ type: 'binary', data: medium }]);
    // 70 KB split at every offset is 70 000 parses of 70 KB; whole and byte by byte are enough for it.
    const wire = encodeFrame(Opcode.BINARY, big);
    expect(parseAll([wire], client)).toEqual([{ type: 'binary', data: big }]);
    expect(parseAll([...wire].map((b) => Buffer.from([b])), client)).toEqual([{ type: 'binary', data: big }]);
    expect(parseAll([wire.subarray(0, 5), wire.subarray(5, 9), wire.subarray(9)], client)).toEqual([{ type: 'binary', data: big }]);
  });

  it('gives empty messages, pongs and several frames in one chunk', () => {
    const wire = Buffer.concat([
      encodeFrame(Opcode.TEXT, Buffer.alloc(0), { mask: MASK }),
      encodeFrame(Opcode.BINARY, Buffer.alloc(0), { mask: MASK }),
      encodeFrame(Opcode.PONG, Buffer.from('abc'), { mask: MASK }),
      encodeFrame(Opcode.TEXT, Buffer.from('x'), { mask: MASK }),
    ]);
    expectEverySplit(wire, server, [
      { type: 'text', data: '' },
      { type: 'binary', data: Buffer.alloc(0) },
      { type: 'pong', data: Buffer.from('abc') },
      { type: 'text', data: 'x' },
    ]);
  });

  it('parses close frames with and without a code, then ignores what follows', () => {
    const wire = Buffer.concat([
      encodeFrame(Opcode.CLOSE, encodeClosePayload(4001, 'gone ✓'), { mask: MASK }),
      encodeFrame(Opcode.TEXT, Buffer.from('after'), { mask: MASK }),
    ]);
    expectEverySplit(wire, server, [{ type: 'close', code: 4001, reason: 'gone ✓' }]);
    expectEverySplit(encodeFrame(Opcode.CLOSE, Buffer.alloc(0)), client, [{ type: 'close', code: 1005, reason: '' }]);
    const parser = new FrameParser(client);
    parser.push(encodeFrame(Opcode.CLOSE, Buffer.alloc(0)));
    parser.next();
    expect(parser.state).toBe(ParserState.DONE);
  });
});

describe('FrameParser: violations, whole / split at every offset / byte by byte', () => {
  const text = (s: string, options: { fin?: boolean } = {}) => encodeFrame(Opcode.TEXT, Buffer.from(s), { ...options, mask: MASK });

  it('rejects an unmasked client frame and a masked server frame (1002)', () => {
    expectFailureEverySplit(Buffer.from('810548656c6c6f', 'hex'), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
    expectFailureEverySplit(Buffer.from('818537fa213d7f9f4d5158', 'hex'), client, 'DIESEL_ERR_WS_PROTOCOL', 1002);
  });

  it('rejects reserved bits and reserved opcodes (1002)', () => {
    for (const first of [0xc1, 0xa1, 0x91]) {
      expectFailureEverySplit(Buffer.from([first, 0x80, ...MASK]), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
    }
    for (const opcode of [0x3, 0x7, 0xb, 0xf]) {
      expectFailureEverySplit(Buffer.from([0x80 | opcode, 0x80, ...MASK]), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
    }
  });

  it('rejects fragmented or oversized control frames (1002)', () => {
    expectFailureEverySplit(encodeFrame(Opcode.PING, Buffer.from('x'), { fin: false, mask: MASK }), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
    expectFailureEverySplit(frameHeader(Opcode.PING, 126, { mask: MASK }), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
  });

  it('rejects a continuation with nothing to continue and a new message inside a fragmented one (1002)', () => {
    expectFailureEverySplit(encodeFrame(Opcode.CONTINUATION, Buffer.from('x'), { mask: MASK }), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
    expectFailureEverySplit(Buffer.concat([text('a', { fin: false }), text('b')]), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
  });

  it('rejects invalid UTF-8 in text (1007), also when split across fragments', () => {
    expectFailureEverySplit(encodeFrame(Opcode.TEXT, Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80]), { mask: MASK }), server, 'DIESEL_ERR_WS_INVALID_UTF8', 1007);
    const wire = Buffer.concat([
      encodeFrame(Opcode.TEXT, Buffer.from([0xe2, 0x98]), { fin: false, mask: MASK }),
      encodeFrame(Opcode.CONTINUATION, Buffer.from([0x41]), { mask: MASK }),
    ]);
    expectFailureEverySplit(wire, server, 'DIESEL_ERR_WS_INVALID_UTF8', 1007);
  });

  it('rejects bad close frames: 1-byte payload, forbidden codes (1002), invalid UTF-8 reason (1007)', () => {
    expectFailureEverySplit(encodeFrame(Opcode.CLOSE, Buffer.from([0x03]), { mask: MASK }), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 5000]) {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      expectFailureEverySplit(encodeFrame(Opcode.CLOSE, payload, { mask: MASK }), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
    }
    expectFailureEverySplit(encodeFrame(Opcode.CLOSE, Buffer.from([0x03, 0xe8, 0xff]), { mask: MASK }), server, 'DIESEL_ERR_WS_INVALID_UTF8', 1007);
  });

  it('rejects a frame over maxFrameSize and a message over maxMessageSize from the header alone (1009)', () => {
    // Only the header is fed: the limit is enforced before any payload is buffered.
    expectFailureEverySplit(frameHeader(Opcode.BINARY, 101, { mask: MASK }), { role: 'server', maxFrameSize: 100 }, 'DIESEL_ERR_WS_MESSAGE_TOO_BIG', 1009);
    const two = Buffer.concat([
      encodeFrame(Opcode.BINARY, Buffer.alloc(60), { fin: false, mask: MASK }),
      frameHeader(Opcode.CONTINUATION, 60, { mask: MASK }),
    ]);
    expectFailureEverySplit(two, { role: 'server', maxMessageSize: 100 }, 'DIESEL_ERR_WS_MESSAGE_TOO_BIG', 1009);
    expectFailureEverySplit(frameHeader(Opcode.BINARY, 2 ** 40, { mask: MASK }), server, 'DIESEL_ERR_WS_MESSAGE_TOO_BIG', 1009);
    // The 64-bit length's top bit must be 0.
    expectFailureEverySplit(Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, ...MASK]), server, 'DIESEL_ERR_WS_PROTOCOL', 1002);
  });

  it('is done after a violation and ignores further input', () => {
    const parser = new FrameParser(server);
    parser.push(Buffer.from('810548656c6c6f', 'hex'));
    expect(() => parser.next()).toThrow(WebSocketError);
    expect(parser.state).toBe(ParserState.DONE);
    parser.push(text('more'));
    expect(parser.next()).toBeNull();
    expect(parser.bufferedLength).toBe(0);
  });
});

// A chunk holding a whole frame header (14 bytes or more) is parsed by index in one go;
// a shorter one state by state. Both must give the same events and the same errors.
describe('FrameParser: a whole header in one chunk and the state-by-state path agree', () => {
  const PAD = Buffer.alloc(16, 0x81); // enough that even a 6-byte header is followed by 14 bytes

  it('gives the same messages for fragments, controls and 16-bit lengths in one chunk', () => {
    const medium = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff));
    const wire = Buffer.concat([
      encodeFrame(Opcode.TEXT, Buffer.from('frag'), { fin: false, mask: MASK }),
      encodeFrame(Opcode.PING, Buffer.from('p'), { mask: MASK }),
      encodeFrame(Opcode.CONTINUATION, Buffer.alloc(0), { fin: false, mask: MASK }),
      encodeFrame(Opcode.CONTINUATION, Buffer.from('ments ✓'), { mask: MASK }),
      encodeFrame(Opcode.BINARY, medium, { mask: MASK }),
      encodeFrame(Opcode.BINARY, Buffer.alloc(0), { fin: false, mask: MASK }),
      encodeFrame(Opcode.CONTINUATION, Buffer.from('z'), { mask: MASK }),
      encodeFrame(Opcode.TEXT, Buffer.alloc(0), { mask: MASK }),
      encodeFrame(Opcode.CLOSE, encodeClosePayload(1000, 'ok'), { mask: MASK }),
      PAD,
    ]);
    expectEverySplit(wire, server, [
      { type: 'ping', data: Buffer.from('p') },
      { type: 'text', data: 'fragments ✓' },
      { type: 'binary', data: medium },
      { type: 'binary', data: Buffer.from('z') },
      { type: 'text', data: '' },
      { type: 'close', code: 1000, reason: 'ok' },
    ]);
  });

  it('gives the same violations when the bad header is followed by more bytes', () => {
    const cases: [Buffer, FrameParserOptions, string, number][] = [
      [Buffer.from([0xc1, 0x80, ...MASK]), server, 'DIESEL_ERR_WS_PROTOCOL', 1002], // RSV1 without deflate
      [Buffer.from([0x83, 0x80, ...MASK]), server, 'DIESEL_ERR_WS_PROTOCOL', 1002], // reserved opcode
      [frameHeader(Opcode.PING, 126, { mask: MASK }), server, 'DIESEL_ERR_WS_PROTOCOL', 1002],
      [Buffer.from([0x81, 0x01, 0x61]), server, 'DIESEL_ERR_WS_PROTOCOL', 1002], // unmasked from a client
      [encodeFrame(Opcode.TEXT, Buffer.from('a'), { mask: MASK }), client, 'DIESEL_ERR_WS_PROTOCOL', 1002], // masked from a server
      [Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, ...MASK]), server, 'DIESEL_ERR_WS_PROTOCOL', 1002],
      [frameHeader(Opcode.BINARY, 2 ** 40, { mask: MASK }), server, 'DIESEL_ERR_WS_MESSAGE_TOO_BIG', 1009],
      [frameHeader(Opcode.BINARY, 101, { mask: MASK }), { role: 'server', maxFrameSize: 100 }, 'DIESEL_ERR_WS_MESSAGE_TOO_BIG', 1009],
      [encodeFrame(Opcode.TEXT, Buffer.from([0xed, 0xa0, 0x80]), { mask: MASK }), server, 'DIESEL_ERR_WS_INVALID_UTF8', 1007],
    ];
    for (const [header, options, code, closeCode] of cases) expectFailureEverySplit(Buffer.concat([header, PAD]), options, code, closeCode);
  });

  it('hands out a payload that is a view of the pushed chunk, unmasked in place', () => {
    const parser = new FrameParser(server);
    const chunk = Buffer.concat([encodeFrame(Opcode.BINARY, Buffer.from('hello, world'), { mask: MASK }), PAD]);
    parser.push(chunk);
    const event = parser.next();
    expect(event).toEqual({ type: 'binary', data: Buffer.from('hello, world') });
    expect((event as { data: Buffer }).data.buffer).toBe(chunk.buffer);
    expect(parser.bufferedLength).toBe(PAD.length);
  });
});
