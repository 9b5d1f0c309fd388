import { isUtf8 } from 'node:buffer';
import { deflateRaw, deflateRawSync, inflateRaw, inflateRawSync, constants as zlib } from 'node:zlib';
import { CloseCode, WebSocketError, protocolError } from './errors.js';

/**
 * The WebSocket frame codec (RFC 6455 §5), with no I/O: `FrameParser` takes bytes as they
 * arrive, in chunks of any size, walks named states and hands out whole messages and
 * control frames; the `encode*` functions build wire bytes. The socket glue
 * (`websocket.ts`, `client.ts`) only moves bytes between a connection and these.
 */

/**
 * Frame opcodes (RFC 6455 §5.2), by name: the first argument of `encodeFrame` and
 * `frameHeader`.
 * @example
 * const ping = encodeFrame(Opcode.PING, Buffer.from('are you there?'));
 */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/**
 * Default largest message, assembled from all its fragments: 16 MiB. A bigger one closes
 * the socket with 1009 (`MESSAGE_TOO_BIG`); `maxMessageSize` changes it.
 * @example
 * websocket(handler, { origins, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE / 16 }); // 1 MiB
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

/**
 * Largest payload of a control frame (ping, pong, close), in bytes: 125, fixed by
 * RFC 6455 §5.5. A longer one from the peer is a protocol error (close 1002).
 * @example
 * const data = Buffer.from(note).subarray(0, MAX_CONTROL_PAYLOAD);
 * yield* ws.ping(data);
 */
export const MAX_CONTROL_PAYLOAD = 125;

/**
 * What the parser gives out: a whole message, or a control frame.
 * @example
 * for (let event = parser.next(); event !== null; event = parser.next()) {
 *   if (event.type === 'text') console.log('message', event.data);
 *   else if (event.type === 'close') console.log('close', event.code);
 * }
 */
export type WebSocketEvent =
  | { readonly type: 'text'; readonly data: string }
  | { readonly type: 'binary'; readonly data: Buffer }
  | { readonly type: 'ping'; readonly data: Buffer }
  | { readonly type: 'pong'; readonly data: Buffer }
  /** `code` is 1005 (NO_STATUS) when the close frame had no payload. */
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  /**
   * Only with `deferInflate`: a whole compressed message, still compressed, for the
   * caller to inflate (`inflateMessageAsync`) and, for text, check as UTF-8.
   */
  | { readonly type: 'compressed'; readonly binary: boolean; readonly data: Buffer };

/**
 * What `new FrameParser(options)` takes: whose frames it reads, and its limits.
 * @example
 * const parser = new FrameParser({ role: 'server', maxMessageSize: 1024 * 1024 });
 */
export interface FrameParserOptions {
  /**
   * Whose frames are parsed. `'server'` parses frames *from clients*, which must be masked;
   * `'client'` parses frames from a server, which must not be (RFC 6455 §5.1).
   */
  role: 'server' | 'client';
  /** Largest message (all fragments together) in bytes; more is close 1009. Default 16 MiB. */
  maxMessageSize?: number;
  /** Largest single frame payload in bytes; more is close 1009. Default: `maxMessageSize`. */
  maxFrameSize?: number;
  /**
   * permessage-deflate (RFC 7692) was negotiated, without context takeover: RSV1 on a
   * message's first frame marks it compressed, and it is inflated (to at most
   * `maxMessageSize` bytes) when complete. Default false: RSV1 is a protocol error.
   */
  perMessageDeflate?: boolean;
  /**
   * Hand compressed messages out as `compressed` events instead of inflating them in
   * `next()` (default false). The socket glue sets it and inflates on zlib's thread pool,
   * so a message that inflates to megabytes never blocks the hub.
   */
  deferInflate?: boolean;
}

/**
 * The parser's states, named after the part of the frame it is waiting for.
 * @example
 * const parser = new FrameParser({ role: 'client' });
 * parser.push(Buffer.from([0x81])); // the first byte of a text frame
 * parser.next();
 * console.log(parser.state === ParserState.GET_INFO); // false: the length byte is missing
 */
export enum ParserState {
  GET_INFO,
  GET_PAYLOAD_LENGTH_16,
  GET_PAYLOAD_LENGTH_64,
  GET_MASK,
  GET_DATA,
  /** A close frame was parsed, or a violation was thrown: nothing more is read. */
  DONE,
}

const EMPTY = Buffer.alloc(0);

/**
 * The sans-I/O frame parser. `push(chunk)` adds bytes; `next()` returns the next event,
 * or `null` when it needs more bytes. A protocol violation throws a `WebSocketError`
 * carrying the close code to send (1002 protocol, 1007 invalid UTF-8, 1009 too big);
 * after that, and after a close frame, the parser is done and ignores further input.
 * @example
 * const parser = new FrameParser({ role: 'client' });
 * parser.push(encodeFrame(Opcode.TEXT, Buffer.from('hi')));
 * parser.next(); // { type: 'text', data: 'hi' }
 * parser.next(); // null: needs more bytes
 */
export class FrameParser {
  readonly maxMessageSize: number;
  readonly maxFrameSize: number;
  readonly #expectMask: boolean;
  readonly #deflate: boolean;
  readonly #deferInflate: boolean;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  #state = ParserState.GET_INFO;

  // The frame being parsed.
  #fin = false;
  #opcode = 0;
  #masked = false;
  #payloadLength = 0;
  readonly #mask = Buffer.alloc(4);
  #payload: Buffer = EMPTY;
  #filled = 0;

  // The message being assembled from fragments.
  #messageOpcode = 0;
  #compressed = false;
  #rsv1 = false;
  #fragments: Buffer[] = [];
  #messageLength = 0;

  constructor(options: FrameParserOptions) {
    this.#expectMask = options.role === 'server';
    this.#deflate = options.perMessageDeflate ?? false;
    this.#deferInflate = options.deferInflate ?? false;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.maxFrameSize = options.maxFrameSize ?? this.maxMessageSize;
    for (const [name, value] of [['maxMessageSize', this.maxMessageSize], ['maxFrameSize', this.maxFrameSize]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`FrameParser: ${name} must be a non-negative integer, got ${value}`);
    }
  }

  /** The state the parser is in (for tests and debugging). */
  get state(): ParserState {
    return this.#state;
  }

  /** Bytes pushed and not yet parsed. */
  get bufferedLength(): number {
    return this.#buffered;
  }

  /**
   * Adds received bytes. The chunk now belongs to the parser: it may unmask payloads in
   * place and hand out views of it, so do not reuse its memory (push a copy if you must).
   */
  push(chunk: Uint8Array): void {
    if (this.#state === ParserState.DONE || chunk.length === 0) return;
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#chunks.push(buffer);
    this.#buffered += buffer.length;
  }

  /** Parses as far as the pushed bytes allow: the next event, or null. Throws `WebSocketError` on a violation. */
  next(): WebSocketEvent | null {
    try {
      for (;;) {
        switch (this.#state) {
          case ParserState.GET_INFO: {
            const head = this.#chunks[0];
            // The usual case: a whole header in the first chunk, read by index (no views).
            if (head !== undefined && head.length >= MAX_HEADER) {
              const event = this.#frameInHead(head);
              if (event != null) return event;
              break;
            }
            if (this.#buffered < 2) return null;
            this.#getInfo();
            break;
          }
          case ParserState.GET_PAYLOAD_LENGTH_16:
            if (this.#buffered < 2) return null;
            this.#payloadLength = this.#take(2).readUInt16BE(0);
            this.#haveLength();
            break;
          case ParserState.GET_PAYLOAD_LENGTH_64: {
            if (this.#buffered < 8) return null;
            this.#payloadLength = payloadLength64(this.#take(8), 0);
            this.#haveLength();
            break;
          }
          case ParserState.GET_MASK:
            if (this.#buffered < 4) return null;
            this.#take(4).copy(this.#mask);
            this.#startData();
            break;
          case ParserState.GET_DATA: {
            if (!this.#fillPayload()) return null;
            this.#state = ParserState.GET_INFO;
            const event = this.#frameDone();
            if (event !== null) return event;
            break;
          }
          case ParserState.DONE:
            return null;
        }
      }
    } catch (error) {
      this.#finish();
      throw error;
    }
  }

  /**
   * Parses a frame whose header lies whole in `head` (at least MAX_HEADER bytes), with the
   * same checks in the same order as the state-by-state path. When the payload is in
   * `head` too the frame is done here — one view of the payload, unmasked in place, and
   * one skip — and its event (or null, for a fragment) is returned; otherwise the parser
   * is left in GET_DATA (undefined returned) for `#fillPayload`.
   */
  #frameInHead(head: Buffer): WebSocketEvent | null | undefined {
    const second = head[1]!;
    this.#info(head[0]!, second);
    let length = second & 0x7f;
    let at = 2;
    if (length === 126) {
      length = (head[2]! << 8) | head[3]!;
      at = 4;
    } else if (length === 127) {
      length = payloadLength64(head, 2);
      at = 10;
    }
    this.#payloadLength = length;
    this.#checkLength();
    if (this.#masked) {
      const mask = this.#mask;
      mask[0] = head[at]!;
      mask[1] = head[at + 1]!;
      mask[2] = head[at + 2]!;
      mask[3] = head[at + 3]!;
      at += 4;
    }
    if (head.length - at < length) {
      this.#skip(at);
      this.#startData();
      return undefined;
    }
    let payload: Buffer = EMPTY;
    if (length > 0) {
      payload = head.subarray(at, at + length);
      if (this.#masked) xorInPlace(payload, 0, length, this.#mask, 0);
    }
    this.#skip(at + length);
    this.#payload = payload;
    this.#filled = length;
    this.#state = ParserState.GET_INFO;
    return this.#frameDone();
  }

  #getInfo(): void {
    const first = this.#peekByte(0);
    const second = this.#peekByte(1);
    this.#skip(2);
    this.#info(first, second);
    if (this.#payloadLength === 126) this.#state = ParserState.GET_PAYLOAD_LENGTH_16;
    else if (this.#payloadLength === 127) this.#state = ParserState.GET_PAYLOAD_LENGTH_64;
    else this.#haveLength();
  }

  /** Reads and checks a frame's first two bytes: FIN, RSV bits, opcode, mask bit, 7-bit length. */
  #info(first: number, second: number): void {
    this.#fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    // RSV1 is permessage-deflate's "compressed" bit, valid only on a message's first frame.
    this.#rsv1 = (first & 0x40) !== 0 && this.#deflate && (opcode === Opcode.TEXT || opcode === Opcode.BINARY);
    if ((first & (this.#rsv1 ? 0x30 : 0x70)) !== 0) throw protocolError(`reserved bits set (RSV${rsvNames(first)}) that no extension allows here`);
    this.#opcode = opcode;
    this.#masked = (second & 0x80) !== 0;
    this.#payloadLength = second & 0x7f;
    if (opcode >= 0x8) {
      if (opcode > Opcode.PONG) throw protocolError(`reserved control opcode 0x${opcode.toString(16)}`);
      if (!this.#fin) throw protocolError('a control frame must not be fragmented');
      if (this.#payloadLength > MAX_CONTROL_PAYLOAD) throw protocolError(`a control frame's payload must be at most ${MAX_CONTROL_PAYLOAD} bytes`);
    } else if (opcode === Opcode.CONTINUATION) {
      if (this.#messageOpcode === 0) throw protocolError('a continuation frame with no message to continue');
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (this.#messageOpcode !== 0) throw protocolError('a new message began before the fragmented one finished');
    } else {
      throw protocolError(`reserved data opcode 0x${opcode.toString(16)}`);
    }
    if (this.#masked !== this.#expectMask) {
      throw protocolError(this.#expectMask ? 'a client frame must be masked' : 'a server frame must not be masked');
    }
  }

  #haveLength(): void {
    this.#checkLength();
    if (this.#masked) this.#state = ParserState.GET_MASK;
    else this.#startData();
  }

  /** The frame and message size limits, checked as soon as the payload length is known. */
  #checkLength(): void {
    const length = this.#payloadLength;
    if (this.#opcode < 0x8) {
      if (length > this.maxFrameSize) throw tooBig(`a frame of ${length} bytes is over the limit of ${this.maxFrameSize}`);
      if (this.#messageLength + length > this.maxMessageSize) {
        throw tooBig(`a message of more than ${this.maxMessageSize} bytes`);
      }
    }
  }

  #startData(): void {
    this.#state = ParserState.GET_DATA;
    this.#filled = 0;
    this.#payload = EMPTY;
    const length = this.#payloadLength;
    if (length === 0) return;
    const head = this.#chunks[0];
    // Common case: the whole payload is inside the first chunk, so hand out a view of it,
    // unmasked in place (pushed chunks belong to the parser).
    if (head !== undefined && head.length >= length) {
      const view = head.subarray(0, length);
      if (this.#masked) xorInPlace(view, 0, length, this.#mask, 0);
      this.#payload = view;
      this.#filled = length;
      this.#skip(length);
      return;
    }
    this.#payload = Buffer.allocUnsafe(length);
  }

  /** Copies (and unmasks) buffered bytes into the payload; true once it is complete. */
  #fillPayload(): boolean {
    const payload = this.#payload;
    const length = this.#payloadLength;
    while (this.#filled < length) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) return false;
      const n = Math.min(chunk.length, length - this.#filled);
      if (this.#masked) unmaskInto(chunk, n, payload, this.#filled, this.#mask);
      else chunk.copy(payload, this.#filled, 0, n);
      this.#filled += n;
      this.#skip(n);
    }
    return true;
  }

  #frameDone(): WebSocketEvent | null {
    const payload = this.#payload;
    this.#payload = EMPTY;
    switch (this.#opcode) {
      case Opcode.PING:
        return { type: 'ping', data: payload };
      case Opcode.PONG:
        return { type: 'pong', data: payload };
      case Opcode.CLOSE:
        this.#finish();
        return parseClose(payload);
      default:
        break;
    }
    if (this.#opcode !== Opcode.CONTINUATION) {
      this.#messageOpcode = this.#opcode;
      this.#compressed = this.#rsv1;
    }
    const fragments = this.#fragments;
    let data: Buffer;
    if (this.#fin && fragments.length === 0) {
      // A message in one frame (or whose earlier fragments were empty): no list to build.
      data = payload;
    } else {
      if (payload.length > 0) fragments.push(payload);
      this.#messageLength += payload.length;
      if (!this.#fin) return null;
      data = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments, this.#messageLength);
      this.#fragments = [];
    }
    const opcode = this.#messageOpcode;
    this.#messageLength = 0;
    this.#messageOpcode = 0;
    if (this.#compressed && this.#deferInflate) return { type: 'compressed', binary: opcode === Opcode.BINARY, data };
    if (this.#compressed) data = inflateMessage(data, this.maxMessageSize);
    if (opcode === Opcode.BINARY) return { type: 'binary', data };
    if (!isUtf8(data)) throw invalidUtf8('a text message is not valid UTF-8');
    return { type: 'text', data: data.toString('utf8') };
  }

  #finish(): void {
    this.#state = ParserState.DONE;
    this.#chunks.length = 0;
    this.#buffered = 0;
    this.#fragments = [];
    this.#payload = EMPTY;
  }

  #peekByte(at: number): number {
    let index = at;
    for (const chunk of this.#chunks) {
      if (index < chunk.length) return chunk[index]!;
      index -= chunk.length;
    }
    throw new RangeError('peek past the buffered bytes');
  }

  /** Drops `n` buffered bytes. */
  #skip(n: number): void {
    this.#buffered -= n;
    let left = n;
    while (left > 0) {
      const chunk = this.#chunks[0]!;
      if (chunk.length <= left) {
        left -= chunk.length;
        this.#chunks.shift();
      } else {
        this.#chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
  }

  /** Removes and returns `n` buffered bytes (a view when they sit in one chunk). Only for small header fields. */
  #take(n: number): Buffer {
    const head = this.#chunks[0]!;
    if (head.length >= n) {
      const view = head.subarray(0, n);
      this.#skip(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.#peekByte(i);
    this.#skip(n);
    return out;
  }
}

/** Longest frame header: 2 bytes, an 8-byte length and a 4-byte mask. */
const MAX_HEADER = 14;

/** A 64-bit payload length at `at` (RFC 6455 §5.2: the top bit 0), refused past 2^53. */
function payloadLength64(bytes: Buffer, at: number): number {
  const high = bytes.readUInt32BE(at);
  if (high >= 0x80000000) throw protocolError('the most significant bit of a 64-bit payload length must be 0');
  if (high > 0x1fffff) throw tooBig(`a frame of more than 2^53 bytes`);
  return high * 0x100000000 + bytes.readUInt32BE(at + 4);
}

function rsvNames(first: number): string {
  const names: number[] = [];
  if (first & 0x40) names.push(1);
  if (first & 0x20) names.push(2);
  if (first & 0x10) names.push(3);
  return names.join(',');
}

function tooBig(message: string): WebSocketError {
  return new WebSocketError('DIESEL_ERR_WS_MESSAGE_TOO_BIG', message, { closeCode: CloseCode.MESSAGE_TOO_BIG });
}

function invalidUtf8(message: string): WebSocketError {
  return new WebSocketError('DIESEL_ERR_WS_INVALID_UTF8', message, { closeCode: CloseCode.INVALID_PAYLOAD });
}

/**
 * True for a close code a peer may send (RFC 6455 §7.4): 1000–1003, 1007–1014 and
 * 3000–4999. 1004 is reserved; 1005, 1006 and 1015 must never be on the wire.
 * @example
 * isValidCloseCode(1000); // true
 * isValidCloseCode(1005); // false
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function parseClose(payload: Buffer): WebSocketEvent {
  if (payload.length === 0) return { type: 'close', code: CloseCode.NO_STATUS, reason: '' };
  if (payload.length === 1) throw protocolError('a close frame with a 1-byte payload');
  const code = payload.readUInt16BE(0);
  if (!isValidCloseCode(code)) throw protocolError(`invalid close code ${code}`);
  const reason = payload.subarray(2);
  if (!isUtf8(reason)) throw invalidUtf8('a close reason is not valid UTF-8');
  return { type: 'close', code, reason: reason.toString('utf8') };
}

/** XORs `length` bytes of `source` (from 0) into `target` at `offset`, continuing the mask at `offset % 4`. */
function unmaskInto(source: Buffer, length: number, target: Buffer, offset: number, mask: Buffer): void {
  source.copy(target, offset, 0, length);
  xorInPlace(target, offset, offset + length, mask, offset & 3);
}

/** Below this many bytes a plain loop beats making a Uint32Array view. */
const WORD_MIN = 256;
const rotated = new Uint8Array(4);
const rotatedWord = new Uint32Array(rotated.buffer);

/**
 * XORs `buffer[start, end)` with the mask, the byte at `start` taking mask byte `phase`.
 * The aligned middle goes four bytes at a time through a Uint32Array view (memory order,
 * so the mask word is built the same way and endianness does not matter).
 */
function xorInPlace(buffer: Buffer, start: number, end: number, mask: Buffer, phase: number): void {
  let i = start;
  if (end - start >= WORD_MIN) {
    const base = buffer.byteOffset;
    for (; ((base + i) & 3) !== 0; i++) buffer[i] = buffer[i]! ^ mask[(phase + i - start) & 3]!;
    const k = (phase + i - start) & 3;
    for (let j = 0; j < 4; j++) rotated[j] = mask[(k + j) & 3]!;
    const m = rotatedWord[0]!;
    const count = (end - i) >>> 2;
    const words = new Uint32Array(buffer.buffer, base + i, count);
    for (let w = 0; w < count; w++) words[w] = words[w]! ^ m;
    i += count * 4;
  } else {
    const m0 = mask[phase & 3]!, m1 = mask[(phase + 1) & 3]!, m2 = mask[(phase + 2) & 3]!, m3 = mask[(phase + 3) & 3]!;
    for (const end4 = start + ((end - start) & ~3); i < end4; i += 4) {
      buffer[i] = buffer[i]! ^ m0;
      buffer[i + 1] = buffer[i + 1]! ^ m1;
      buffer[i + 2] = buffer[i + 2]! ^ m2;
      buffer[i + 3] = buffer[i + 3]! ^ m3;
    }
  }
  for (; i < end; i++) buffer[i] = buffer[i]! ^ mask[(phase + i - start) & 3]!;
}

/**
 * Masks (or unmasks: XOR is its own inverse) `data` with a 4-byte `mask` into a new buffer.
 * @example
 * const masked = applyMask(Buffer.from('hi'), Buffer.from([1, 2, 3, 4]));
 */
export function applyMask(data: Uint8Array, mask: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  unmaskInto(toBuffer(data), data.length, out, 0, toBuffer(mask));
  return out;
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * How `encodeFrame` and `frameHeader` build a frame; all optional.
 * @example
 * const first = encodeFrame(Opcode.TEXT, Buffer.from('hel'), { fin: false, mask: randomBytes(4) });
 */
export interface FrameOptions {
  /** Last frame of the message (default true). */
  fin?: boolean;
  /** A 4-byte masking key: required for frames a client sends, absent for a server's. */
  mask?: Uint8Array | null;
  /** Sets RSV1 (permessage-deflate's "compressed" bit); for tests of the parser's checks. */
  rsv1?: boolean;
}

/**
 * The frame header for a payload of `length` bytes: 2 to 14 bytes (RFC 6455 §5.2).
 * Pure; write it followed by the payload (masked with the same `mask`, if any).
 * @example
 * const header = frameHeader(Opcode.BINARY, 1024);
 */
export function frameHeader(opcode: number, length: number, options: FrameOptions = {}): Buffer {
  const mask = options.mask ?? null;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const header = Buffer.allocUnsafe(2 + lengthBytes + (mask === null ? 0 : 4));
  writeHeader(header, opcode, length, lengthBytes, options.fin ?? true, options.rsv1 ?? false, mask);
  return header;
}

function writeHeader(target: Buffer, opcode: number, length: number, lengthBytes: number, fin: boolean, rsv1: boolean, mask: Uint8Array | null): number {
  target[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const maskBit = mask === null ? 0 : 0x80;
  let at = 2;
  if (lengthBytes === 0) {
    target[1] = maskBit | length;
  } else if (lengthBytes === 2) {
    target[1] = maskBit | 126;
    target.writeUInt16BE(length, 2);
    at = 4;
  } else {
    target[1] = maskBit | 127;
    target.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    target.writeUInt32BE(length >>> 0, 6);
    at = 10;
  }
  if (mask !== null) {
    if (mask.length !== 4) throw new RangeError('a masking key is 4 bytes');
    target.set(mask, at);
    at += 4;
  }
  return at;
}

/**
 * One whole frame, header and (masked, if `mask` is given) payload, in one buffer. Pure.
 * @example
 * const wire = encodeFrame(Opcode.TEXT, Buffer.from('hello'));
 * const fromClient = encodeFrame(Opcode.TEXT, Buffer.from('hello'), { mask: randomBytes(4) });
 */
export function encodeFrame(opcode: number, payload: Uint8Array, options: FrameOptions = {}): Buffer {
  return frameBytes(opcode, payload, options.fin ?? true, options.rsv1 ?? false, options.mask ?? null);
}

/** @internal `encodeFrame` without the options object: the socket glue calls it once per message sent. */
export function frameBytes(opcode: number, payload: Uint8Array, fin: boolean, rsv1: boolean, mask: Uint8Array | null): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + lengthBytes + (mask === null ? 0 : 4) + length);
  const at = writeHeader(frame, opcode, length, lengthBytes, fin, rsv1, mask);
  if (mask === null) frame.set(payload, at);
  else unmaskInto(toBuffer(payload), length, frame.subarray(at), 0, toBuffer(mask));
  return frame;
}

/**
 * The payload of a close frame: the code (2 bytes) and the UTF-8 reason, or empty when
 * `code` is undefined. Throws RangeError for a code that may not be sent or a reason
 * over 123 bytes. Pure.
 * @example
 * encodeFrame(Opcode.CLOSE, encodeClosePayload(1000, 'bye'));
 */
export function encodeClosePayload(code?: number, reason = ''): Buffer {
  if (code === undefined) {
    if (reason !== '') throw new RangeError('a close reason needs a close code');
    return EMPTY;
  }
  if (!isValidCloseCode(code)) throw new RangeError(`close code ${code} may not be sent`);
  const length = Buffer.byteLength(reason);
  if (length > MAX_CONTROL_PAYLOAD - 2) throw new RangeError(`a close reason must be at most ${MAX_CONTROL_PAYLOAD - 2} bytes, got ${length}`);
  const payload = Buffer.allocUnsafe(2 + length);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return payload;
}

/** What RFC 7692 §7.2.1 strips from the end of each compressed message and the receiver puts back. */
const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Inflates one permessage-deflate message (no context takeover) to at most `maxSize`
 * bytes: more is a `WebSocketError` with close 1009, corrupt data one with 1007.
 * @example
 * inflateMessage(deflateMessage(Buffer.from('hello')), 1024).toString(); // 'hello'
 */
export function inflateMessage(data: Uint8Array, maxSize: number): Buffer {
  try {
    return inflateRawSync(Buffer.concat([data, DEFLATE_TAIL]), { finishFlush: zlib.Z_SYNC_FLUSH, maxOutputLength: Math.max(1, maxSize) });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooBig(`a compressed message inflates to more than ${maxSize} bytes`);
    throw new WebSocketError('DIESEL_ERR_WS_INFLATE', `a compressed message does not inflate: ${(error as Error).message}`, { closeCode: CloseCode.INVALID_PAYLOAD, cause: error });
  }
}

/**
 * `inflateMessage` on zlib's thread pool: the hub goes on serving other connections while
 * a large message inflates. The same bound (`maxSize`, 1009 past it) and errors (1007).
 * @example
 * (await inflateMessageAsync(deflateMessage(Buffer.from('hello')), 1024)).toString(); // 'hello'
 */
export function inflateMessageAsync(data: Uint8Array, maxSize: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    inflateRaw(Buffer.concat([data, DEFLATE_TAIL]), { finishFlush: zlib.Z_SYNC_FLUSH, maxOutputLength: Math.max(1, maxSize) }, (error, result) => {
      if (error === null) resolve(result);
      else if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') reject(tooBig(`a compressed message inflates to more than ${maxSize} bytes`));
      else reject(new WebSocketError('DIESEL_ERR_WS_INFLATE', `a compressed message does not inflate: ${error.message}`, { closeCode: CloseCode.INVALID_PAYLOAD, cause: error }));
    });
  });
}

/**
 * `deflateMessage` on zlib's thread pool, for large messages.
 * @example
 * const compressed = await deflateMessageAsync(Buffer.alloc(1 << 20));
 */
export function deflateMessageAsync(data: Uint8Array, windowBits = 15): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(data, { finishFlush: zlib.Z_SYNC_FLUSH, windowBits }, (error, out) => {
      if (error !== null) reject(error);
      else resolve(stripTail(out));
    });
  });
}

function stripTail(out: Buffer): Buffer {
  const end = out.length >= 4 && out.subarray(out.length - 4).equals(DEFLATE_TAIL) ? out.length - 4 : out.length;
  // An empty message is nothing but the tail: a single 0x00 byte (an empty fixed block, unfinished) stands for it.
  return end === 0 ? Buffer.from([0x00]) : out.subarray(0, end);
}

/**
 * Compresses one message for permessage-deflate (no context takeover): raw DEFLATE,
 * sync-flushed, with the final `00 00 ff ff` removed. Send it with RSV1 set. Pure.
 * @example
 * const frame = encodeFrame(Opcode.TEXT, deflateMessage(Buffer.from('hello')), { rsv1: true });
 */
export function deflateMessage(data: Uint8Array, windowBits = 15): Buffer {
  return stripTail(deflateRawSync(data, { finishFlush: zlib.Z_SYNC_FLUSH, windowBits }));
}
