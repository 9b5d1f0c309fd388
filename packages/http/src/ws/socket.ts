import { randomFillSync } from 'node:crypto';
import { type Connection, ConnectionClosed, type CustomToken, type Routine } from '@diesel/core';
import { isUtf8 } from 'node:buffer';
import { FrameParser, MAX_CONTROL_PAYLOAD, Opcode, deflateMessage, deflateMessageAsync, encodeClosePayload, encodeFrame, frameBytes, frameHeader, inflateMessageAsync } from './codec.js';
import { CloseCode, WebSocketError } from './errors.js';
import { AfterPromise, ReadChunk, WriteChunks } from './io.js';

/**
 * A received message: text as a string, binary as bytes.
 * @example
 * const message: WebSocketMessage | null = yield* ws.wait();
 * if (typeof message === 'string') yield* ws.send(message.toUpperCase());
 */
export type WebSocketMessage = string | Buffer;

/**
 * Limits and timers shared by server and client sockets; each has a documented default.
 * @example
 * const limits: WebSocketLimits = { maxMessageSize: 1024 * 1024, pingInterval: 30, closeTimeout: 2 };
 * websocket(handler, { origins: '*', ...limits });
 */
export interface WebSocketLimits {
  /** Largest message (all fragments together) accepted, in bytes; more is close 1009. Default 16 MiB. */
  maxMessageSize?: number;
  /** Largest single frame accepted, in bytes; more is close 1009. Default: `maxMessageSize`. */
  maxFrameSize?: number;
  /**
   * Keepalive: seconds of silence from the peer, while a routine waits in `wait()`, after
   * which a ping is sent; if another such period passes with nothing from the peer the
   * connection is dropped (close code 1006). Default 0: no keepalive pings.
   */
  pingInterval?: number;
  /** Seconds `close()` waits for the peer's close frame before dropping the connection. Default 5. */
  closeTimeout?: number;
}

/**
 * What `new WebSocket(connection, options)` takes: for a socket over a connection whose
 * handshake you did yourself (`websocket()` and `WebSocketClient.connect` do it for you).
 * @example
 * const ws = new WebSocket(yield* thisConnection(), { role: 'server', protocol: 'chat' });
 */
export interface WebSocketOptions extends WebSocketLimits {
  /** `'server'`: we receive masked frames and send unmasked ones; `'client'`: the reverse. */
  role: 'server' | 'client';
  /** The subprotocol agreed in the handshake ('' if none). */
  protocol?: string;
  /** Bytes already read past the handshake, which belong to the frame stream. */
  head?: Uint8Array;
  /** permessage-deflate as negotiated in the handshake (no context takeover), or null/absent for none. */
  deflate?: DeflateSettings | null;
}

/**
 * Compression settings of a socket that negotiated permessage-deflate (the handshake
 * makes them; given to the `WebSocket` constructor).
 * @example
 * const deflate: DeflateSettings = { threshold: DEFAULT_DEFLATE_THRESHOLD, windowBits: 15 };
 * const ws = new WebSocket(connection, { role: 'server', deflate });
 */
export interface DeflateSettings {
  /** Messages shorter than this many bytes are sent uncompressed. */
  readonly threshold: number;
  /** windowBits of our compressor (9–15). */
  readonly windowBits: number;
}

/**
 * The `perMessageDeflate` option of servers and clients: on, or on with a threshold.
 * @example
 * const perMessageDeflate: PerMessageDeflateOption = { threshold: 256 };
 * websocket(handler, { origins: '*', perMessageDeflate });
 */
export type PerMessageDeflateOption = boolean | { /** Compress messages of at least this many bytes (default 1024). */ threshold?: number };

/**
 * Default `perMessageDeflate` threshold, in bytes: messages under 1 KiB are sent
 * uncompressed (not worth it).
 * @example
 * websocket(handler, { origins, perMessageDeflate: { threshold: 4 * DEFAULT_DEFLATE_THRESHOLD } });
 */
export const DEFAULT_DEFLATE_THRESHOLD = 1024;

/** Frames up to this size are sent as one buffer (one copy); bigger payloads are written after their header, uncopied. */
const COALESCE_LIMIT = 16 * 1024;

const DEFAULT_CLOSE_TIMEOUT = 5;

/** Messages at least this large are compressed on zlib's thread pool; smaller ones cost less than the hop. */
const ASYNC_DEFLATE_SIZE = 64 * 1024;

/**
 * One WebSocket over a core `Connection`, for either role: `yield* ws.wait()` reads the
 * next message (`null` once the socket is closed), `yield* ws.send(m)` sends one. Any
 * routine may send — a Loop holding the socket as well as the handler — because every
 * frame is written to the socket's own connection in one step, so frames never
 * interleave. One routine at a time may `wait()`; pings are answered (and keepalive
 * pings sent) while it waits.
 * @example
 * function* echo(ws: WebSocket) {
 *   for (let m = yield* ws.wait(); m !== null; m = yield* ws.wait()) yield* ws.send(m);
 * }
 */
export class WebSocket {
  /** The connection underneath. */
  readonly connection: Connection;
  /** The subprotocol agreed in the handshake, or ''. */
  readonly protocol: string;
  readonly #role: 'server' | 'client';
  readonly #parser: FrameParser;
  readonly #pingMs: number | undefined;
  readonly #closeTimeoutMs: number;
  readonly #deflate: DeflateSettings | null;
  /** The read token `wait()` yields, reused: only one routine reads at a time. */
  readonly #reader: ReadChunk;
  #reading = false;
  #closeSent = false;
  /** No more frames will be read: a close frame arrived, the protocol failed, or the connection dropped. */
  #done = false;
  #closeCode: number = CloseCode.ABNORMAL;
  #closeReason = '';
  #error: WebSocketError | null = null;
  #dropTimer: NodeJS.Timeout | null = null;

  constructor(connection: Connection, options: WebSocketOptions) {
    this.connection = connection;
    this.protocol = options.protocol ?? '';
    this.#role = options.role;
    this.#parser = new FrameParser({
      role: options.role === 'server' ? 'server' : 'client',
      maxMessageSize: options.maxMessageSize,
      maxFrameSize: options.maxFrameSize,
      perMessageDeflate: options.deflate != null,
      deferInflate: true,
    });
    this.#deflate = options.deflate ?? null;
    const ping = options.pingInterval ?? 0;
    this.#pingMs = ping > 0 ? ping * 1000 : undefined;
    this.#closeTimeoutMs = (options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT) * 1000;
    this.#reader = new ReadChunk(connection, this.#pingMs);
    if (options.head !== undefined && options.head.length > 0) this.#parser.push(options.head);
  }

  /** True once the socket can carry no more messages either way (the close handshake ran, or it failed). */
  get closed(): boolean {
    return this.#done && (this.#closeSent || this.connection.closed);
  }

  /**
   * The close code: the peer's (1005 if its close frame had none), the one we failed the
   * connection with (1002, 1007, 1009), or 1006 when it dropped without a close frame.
   */
  get closeCode(): number {
    return this.#closeCode;
  }

  /** The close reason that came with `closeCode` ('' if none). */
  get closeReason(): string {
    return this.#closeReason;
  }

  /** The peer's protocol violation that failed the connection, if one did. */
  get error(): WebSocketError | null {
    return this.#error;
  }

  /**
   * Suspends: until the next whole message arrives; returns it (text as a string, binary
   * as a Buffer), or `null` once the peer has closed, the connection dropped, or the peer
   * broke the protocol (then `closeCode`/`error` say how; the close frame was sent).
   * Pings are answered while waiting.
   * @example
   * const message = yield* ws.wait();
   * if (message === null) return;
   */
  *wait(): Routine<WebSocketMessage | null> {
    if (this.#reading) throw new WebSocketError('DIESEL_ERR_WS_CONCURRENT_WAIT', 'another routine is already waiting on this WebSocket');
    this.#reading = true;
    try {
      let silent = false;
      for (;;) {
        if (this.#done) return null;
        let event;
        try {
          event = this.#parser.next();
        } catch (error) {
          if (!(error instanceof WebSocketError)) throw error;
          yield* this.#fail(error);
          return null;
        }
        if (event !== null) {
          switch (event.type) {
            case 'text':
            case 'binary':
              return event.data;
            case 'compressed': {
              // On zlib's thread pool: the hub serves everyone else meanwhile.
              let data: Buffer;
              try {
                data = (yield inflateMessageAsync(event.data, this.#parser.maxMessageSize)) as Buffer;
              } catch (error) {
                if (!(error instanceof WebSocketError)) throw error;
                yield* this.#fail(error);
                return null;
              }
              if (event.binary) return data;
              if (!isUtf8(data)) {
                yield* this.#fail(new WebSocketError('DIESEL_ERR_WS_INVALID_UTF8', 'a text message is not valid UTF-8', { closeCode: CloseCode.INVALID_PAYLOAD }));
                return null;
              }
              return data.toString('utf8');
            }
            case 'ping':
              if (!this.#closeSent) {
                try {
                  yield this.#control(Opcode.PONG, event.data);
                } catch (error) {
                  if (!(error instanceof ConnectionClosed)) throw error;
                  this.#dropped();
                  return null;
                }
              }
              continue;
            case 'pong':
              continue;
            case 'close':
              yield* this.#peerClosed(event.code, event.reason);
              return null;
          }
        }
        let chunk: Buffer | null;
        try {
          chunk = (yield this.#reader) as Buffer | null;
        } catch (error) {
          if (!(error instanceof ConnectionClosed)) throw error;
          this.#dropped();
          return null;
        }
        if (chunk === null) {
          // Keepalive: a whole interval without a byte. After a ping went unanswered, give up.
          if (silent) {
            this.#closeReason = 'keepalive ping unanswered';
            this.#dropped();
            this.connection.destroy();
            return null;
          }
          silent = true;
          try {
            yield this.#control(Opcode.PING, Buffer.alloc(0));
          } catch (error) {
            if (!(error instanceof ConnectionClosed)) throw error;
            this.#dropped();
            return null;
          }
          continue;
        }
        silent = false;
        this.#parser.push(chunk);
      }
    } finally {
      this.#reading = false;
    }
  }

  /**
   * Suspends: until the connection has accepted the frame (backpressure). A string goes
   * as a text message, bytes as a binary one. Throws `WebSocketError`
   * (`DIESEL_ERR_WS_CLOSED`) once the socket is closing, and `ConnectionClosed` if the
   * peer vanished. Safe to call from any routine, concurrently with `wait()`.
   * @example
   * yield* ws.send('hello');
   * yield* ws.send(new Uint8Array([1, 2, 3]));
   */
  send(message: string | Uint8Array): CustomToken<undefined> {
    this.#checkOpen();
    let opcode: number = Opcode.BINARY;
    let payload: Uint8Array;
    if (typeof message === 'string') {
      opcode = Opcode.TEXT;
      payload = Buffer.from(message, 'utf8');
    } else if (message instanceof Uint8Array) {
      payload = message;
    } else {
      throw new TypeError('WebSocket.send() takes a string or a Uint8Array');
    }
    const deflate = this.#deflate;
    if (deflate !== null && payload.length >= deflate.threshold) {
      if (payload.length < ASYNC_DEFLATE_SIZE) return this.#frame(opcode, deflateMessage(payload, deflate.windowBits), true);
      // A large message compresses on zlib's thread pool, not on the hub.
      return new AfterPromise(deflateMessageAsync(payload, deflate.windowBits), (compressed) => {
        this.#checkOpen();
        return this.#frame(opcode, compressed, true);
      });
    }
    return this.#frame(opcode, payload);
  }

  /** The permessage-deflate settings negotiated for this socket, or null. */
  get deflate(): DeflateSettings | null {
    return this.#deflate;
  }

  /**
   * Suspends: until the ping is accepted by the connection (not until the pong: pongs
   * are consumed by `wait()`). At most 125 bytes of data.
   * @example
   * yield* ws.ping();
   */
  ping(data: Uint8Array = Buffer.alloc(0)): CustomToken<undefined> {
    this.#checkOpen();
    return this.#control(Opcode.PING, data);
  }

  /**
   * Suspends: until the close handshake is done — our close frame sent and the peer's
   * received (messages arriving meanwhile are dropped) — or `closeTimeout` passed; then
   * the connection is closed. If another routine is inside `wait()`, that routine sees
   * the peer's close frame and this returns once the frame is sent. Closing twice is a no-op.
   * @example
   * yield* ws.close(1000, 'bye');
   */
  *close(code: number = CloseCode.NORMAL, reason = ''): Routine<void> {
    const payload = encodeClosePayload(code, reason);
    if (this.#closeSent || this.connection.closed) return;
    this.#closeSent = true;
    try {
      yield this.#control(Opcode.CLOSE, payload);
    } catch (error) {
      if (!(error instanceof ConnectionClosed)) throw error;
      this.#dropped();
      return;
    }
    if (this.#done) {
      this.connection.end();
      return;
    }
    this.#armDropTimer();
    if (this.#reading) return; // the reader will see the peer's close frame
    this.#reading = true;
    try {
      for (;;) {
        let event;
        try {
          event = this.#parser.next();
        } catch (error) {
          if (!(error instanceof WebSocketError)) throw error;
          this.#error = error;
          this.#done = true;
          break;
        }
        if (event?.type === 'close') {
          this.#done = true;
          this.#closeCode = event.code;
          this.#closeReason = event.reason;
          break;
        }
        if (event !== null) continue;
        let chunk: Buffer | null;
        try {
          chunk = (yield new ReadChunk(this.connection, this.#closeTimeoutMs)) as Buffer | null;
        } catch (error) {
          if (!(error instanceof ConnectionClosed)) throw error;
          this.#dropped();
          break;
        }
        if (chunk === null) {
          this.#dropped();
          break;
        }
        this.#parser.push(chunk);
      }
    } finally {
      this.#reading = false;
      this.#finishClose();
    }
  }

  /**
   * Says goodbye without waiting: writes a close frame (default 1001 "going away") straight
   * to the socket, then half-closes it. For code that cannot suspend — a `finally` block
   * run by the application halting — where `close()`, which waits for the peer's answer,
   * cannot run. The peer sees a clean close with that code rather than 1006. Suspends: no.
   * @example
   * try { yield* serve(ws); } finally { ws.goAway(); }
   */
  goAway(code: number = CloseCode.GOING_AWAY, reason = 'going away'): void {
    if (!this.#closeSent && !this.connection.closed) {
      this.#closeSent = true;
      const payload = encodeClosePayload(code, reason);
      try {
        this.connection.write(this.#role === 'client' ? encodeFrame(Opcode.CLOSE, payload, { mask: nextMask() }) : encodeFrame(Opcode.CLOSE, payload));
        // The hub corks a connection while its routine runs; halting destroys it right
        // after the finally blocks, so the frame must leave now or never.
        this.connection.uncork();
      } catch (error) {
        if (!(error instanceof ConnectionClosed)) throw error;
      }
    }
    if (!this.#done) {
      this.#done = true;
      this.#closeCode = code;
      this.#closeReason = reason;
    }
    this.#finishClose();
  }

  /** Drops the connection at once, without a close handshake (close code 1006). */
  terminate(): void {
    this.#dropped();
    this.connection.destroy();
  }

  #checkOpen(): void {
    if (this.#closeSent || this.#done || this.connection.closed) {
      throw new WebSocketError('DIESEL_ERR_WS_CLOSED', 'the WebSocket is closed or closing');
    }
  }

  #frame(opcode: number, payload: Uint8Array, rsv1 = false): WriteChunks {
    if (this.#role === 'client') return new WriteChunks(this.connection, frameBytes(opcode, payload, true, rsv1, nextMask()));
    if (payload.length <= COALESCE_LIMIT) return new WriteChunks(this.connection, frameBytes(opcode, payload, true, rsv1, null));
    return new WriteChunks(this.connection, frameHeader(opcode, payload.length, { rsv1 }), payload);
  }

  #control(opcode: number, data: Uint8Array): WriteChunks {
    if (data.length > MAX_CONTROL_PAYLOAD) throw new RangeError(`a control frame carries at most ${MAX_CONTROL_PAYLOAD} bytes`);
    return this.#frame(opcode, data);
  }

  *#peerClosed(code: number, reason: string): Routine<void> {
    this.#done = true;
    this.#closeCode = code;
    this.#closeReason = reason;
    if (!this.#closeSent) {
      this.#closeSent = true;
      // Echo the peer's code (RFC 6455 §5.5.1); a close without a code is answered without one.
      const payload = code === CloseCode.NO_STATUS ? encodeClosePayload() : encodeClosePayload(code);
      try {
        yield this.#control(Opcode.CLOSE, payload);
      } catch (error) {
        if (!(error instanceof ConnectionClosed)) throw error;
      }
    }
    this.#finishClose();
  }

  /** Fails the connection for a protocol violation: close frame with the error's code, then close. */
  *#fail(error: WebSocketError): Routine<void> {
    this.#done = true;
    this.#error = error;
    this.#closeCode = error.closeCode;
    this.#closeReason = error.message;
    if (!this.#closeSent) {
      this.#closeSent = true;
      try {
        yield this.#control(Opcode.CLOSE, encodeClosePayload(error.closeCode, truncateUtf8(error.message, MAX_CONTROL_PAYLOAD - 2)));
      } catch (failure) {
        if (!(failure instanceof ConnectionClosed)) throw failure;
      }
    }
    this.#finishClose();
  }

  /** The connection is gone (or given up on) without a complete close handshake: close code 1006. */
  #dropped(): void {
    if (!this.#done) {
      this.#done = true;
      if (this.#error === null) this.#closeCode = CloseCode.ABNORMAL;
    }
    this.#closeSent = true;
    this.#finishClose();
  }

  /** Both close frames are through (or it failed): half-close our side; the drop timer ends a peer that never closes. */
  #finishClose(): void {
    if (this.#dropTimer !== null) {
      clearTimeout(this.#dropTimer);
      this.#dropTimer = null;
    }
    this.connection.end(this.#closeTimeoutMs);
  }

  #armDropTimer(): void {
    if (this.#dropTimer !== null) return;
    const timer = setTimeout(() => {
      this.#dropTimer = null;
      if (!this.#done) this.terminate();
    }, this.#closeTimeoutMs);
    timer.unref();
    this.#dropTimer = timer;
  }
}

/** Cuts `text` to at most `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (size + n > max - 3) break;
    out += ch;
    size += n;
  }
  return `${out}...`;
}

// Masking keys come from a pool of random bytes refilled in bulk: one syscall per 2048 frames.
const maskPool = Buffer.allocUnsafe(8192);
let maskAt = maskPool.length;

function nextMask(): Buffer {
  if (maskAt === maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  const mask = maskPool.subarray(maskAt, maskAt + 4);
  maskAt += 4;
  return mask;
}
