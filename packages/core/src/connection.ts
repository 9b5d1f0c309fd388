import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { BytesLimitExceeded, ConnectionClosed, InvalidYield, SentinelNotFound, errorMessage } from './errors.js';
import { InputBuffer } from './input-buffer.js';
import { TokenKind, type BytesToken, type ReceiveToken, type UntilToken } from './tokens.js';

/**
 * Where a connection's peer is: what a connection handler is called with. `family` is
 * `'IPv4'` or `'IPv6'` (`'memory'` in tests); an IPv4 peer on a dual-stack socket shows
 * as IPv4, not `::ffff:…`.
 * @example
 * function* greet(remote: RemoteAddress) {
 *   yield `hello ${remote.host}:${remote.port}\r\n`;
 * }
 */
export interface RemoteAddress {
  host: string;
  port: number;
  family: string;
}

/**
 * Limits for one connection; each has a default that suits line protocols. `Service`
 * and `connect` options include them.
 * @example
 * new Service(handleUploads, { port: 8000, untilLimit: 8 * 1024, bytesLimit: 256 * 1024 * 1024 });
 */
export interface ConnectionLimits {
  /** Most bytes `until()` buffers looking for its sentinel (default 64 KiB). */
  untilLimit?: number;
  /** Reading pauses while this many unconsumed bytes are buffered (default 64 KiB), unless a pending `bytes(n)` needs more. */
  inputHighWaterMark?: number;
  /** Largest `n` a `bytes(n)` may ask for (default 64 MiB): it buffers that much before returning. */
  bytesLimit?: number;
}

export type SocketWait = UntilToken | BytesToken | ReceiveToken;

/** The one routine reading a connection at a time is told through this interface. */
export interface ReadWaiter {
  readReady(): void;
}

/** Told when a write that could not be accepted at once has been. */
export interface DrainWaiter {
  drained(error: ConnectionClosed | null): void;
}

/** Returned by `tryRead` when the token cannot be satisfied from the buffer yet. */
export const NOT_READY: unique symbol = Symbol('diesel.notReady');

function ignore(): void {}

const OWNER: unique symbol = Symbol('diesel.connection');
type OwnedStream = Duplex & { [OWNER]?: Connection | undefined };

/**
 * Bytes `until()` buffers while looking for its sentinel before it throws
 * `SentinelNotFound` (64 KiB): the default of the `untilLimit` option of a `Service` or
 * `connect`, which one call can override with `until(s, { limit })`.
 * @example
 * new Service(handleLines, { port: 8000, untilLimit: 4 * DEFAULT_UNTIL_LIMIT }); // 256 KiB lines
 */
export const DEFAULT_UNTIL_LIMIT = 64 * 1024;
/**
 * Bytes received and not yet consumed (64 KiB) past which a connection stops reading its
 * socket until a token consumes them, so a peer that sends faster than the handler reads
 * is slowed down by TCP instead of growing memory: the default of `inputHighWaterMark`.
 * @example
 * new Service(handleUploads, { port: 8000, inputHighWaterMark: 16 * DEFAULT_INPUT_HIGH_WATER_MARK });
 */
export const DEFAULT_INPUT_HIGH_WATER_MARK = 64 * 1024;
export const DEFAULT_BYTES_LIMIT = 64 * 1024 * 1024;

/**
 * A byte stream (a `net.Socket`, a TLS socket, an in-memory duplex) seen through tokens:
 * received bytes collect in an input buffer that socket waits consume; writes report
 * whether the stream accepted them. Reading pauses when the buffer is full and nobody
 * is consuming, so a fast sender cannot grow memory without bound. Routines get theirs
 * from `thisConnection()` or `connect()`; protocol layers (TLS) use `replaceStream`.
 * @example
 * const connection = yield* thisConnection();
 * console.log(`${connection.remote.host}:${connection.remote.port}`, connection.bufferedLength, 'bytes unread');
 */
export class Connection {
  readonly remote: RemoteAddress;
  readonly untilLimit: number;
  readonly inputHighWaterMark: number;
  readonly bytesLimit: number;
  #stream: Duplex;
  #input = new InputBuffer();
  #reader: ReadWaiter | null = null;
  #need = 0;
  // How many buffered bytes the waiting reader needs before it is worth waking: a
  // `bytes(n)` cannot finish sooner, so the chunks before that are only appended (over
  // TLS, 16 KiB records, three of every four wakes of a `bytes(65536)` were for nothing).
  #wakeAt = 0;
  #paused = false;
  // Set once nobody will read again (end()): input is then dropped, never paused for.
  #discarding = false;
  #peerEnded = false;
  #closed = false;
  #closeReason: string | null = null;
  #closeCause: unknown = undefined;
  #drainWaiters: DrainWaiter[] = [];
  #untilScanFrom = 0;
  #drainListening = false;
  #tracker: Set<Connection> | null = null;
  #goneListeners: (() => void)[] | null = null;
  #details: Record<string, unknown> | null = null;

  /** Extra per-connection facts layers put here (TLS puts its session details). Created on first use. */
  get details(): Record<string, unknown> {
    return (this.#details ??= {});
  }

  constructor(stream: Duplex, remote: RemoteAddress, limits: ConnectionLimits = {}) {
    this.#stream = stream;
    this.remote = remote;
    this.untilLimit = limits.untilLimit ?? DEFAULT_UNTIL_LIMIT;
    this.inputHighWaterMark = limits.inputHighWaterMark ?? DEFAULT_INPUT_HIGH_WATER_MARK;
    this.bytesLimit = limits.bytesLimit ?? DEFAULT_BYTES_LIMIT;
    this.#attach(stream);
  }

  /** The stream underneath; protocol layers (TLS) read it to wrap or replace it. */
  get stream(): Duplex {
    return this.#stream;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True once the peer has sent FIN (no more input will arrive; writes may still work). */
  get peerEnded(): boolean {
    return this.#peerEnded;
  }

  /**
   * Calls `listener` once, as soon as the peer ends its side (FIN) or the connection
   * closes or fails — also while no routine is reading, which is when nothing else would
   * notice (an HTTP handler working on a request whose client has left). Called at once
   * if that has already happened. Returns a function that removes the listener.
   * @example
   * const stop = connection.onPeerGone(() => controller.abort());
   * try { yield* longWork(); } finally { stop(); }
   */
  onPeerGone(listener: () => void): () => void {
    if (this.#peerEnded || this.#closed) {
      listener();
      return ignore;
    }
    const listeners = (this.#goneListeners ??= []);
    listeners.push(listener);
    return () => {
      const at = listeners.indexOf(listener);
      if (at !== -1) listeners.splice(at, 1);
    };
  }

  #tellGone(): void {
    const listeners = this.#goneListeners;
    if (listeners === null) return;
    this.#goneListeners = null;
    for (const listener of listeners) listener();
  }

  /** Bytes received and not yet consumed. */
  get bufferedLength(): number {
    return this.#input.length;
  }

  // The stream listeners are shared functions, not per-connection closures: the emitter
  // calls them with `this` set to the stream, which points back at its connection. With
  // thousands of idle connections that is several closures fewer each.
  static #onData(this: OwnedStream, chunk: Buffer): void {
    const owner = this[OWNER];
    if (owner !== undefined) owner.#received(chunk);
  }
  static #onEnd(this: OwnedStream): void {
    const owner = this[OWNER];
    if (owner !== undefined) owner.#peerEnd();
  }
  static #onError(this: OwnedStream, error: Error): void {
    const owner = this[OWNER];
    if (owner !== undefined) owner.#fail(error);
  }
  static #onClose(this: OwnedStream): void {
    const owner = this[OWNER];
    if (owner !== undefined) owner.#fail(null);
  }
  static #onDrain(this: OwnedStream): void {
    const owner = this[OWNER];
    if (owner !== undefined) owner.#drained();
  }

  #attach(stream: Duplex): void {
    (stream as OwnedStream)[OWNER] = this;
    // A socket's chunks are allocated per read and ours alone, so reads may reuse them.
    this.#input.reuseChunks = stream instanceof net.Socket;
    stream.on('data', Connection.#onData);
    stream.on('end', Connection.#onEnd);
    stream.on('error', Connection.#onError);
    stream.on('close', Connection.#onClose);
    this.#drainListening = false;
  }

  #detach(stream: Duplex): void {
    (stream as OwnedStream)[OWNER] = undefined;
    stream.off('data', Connection.#onData);
    stream.off('end', Connection.#onEnd);
    stream.off('error', Connection.#onError);
    stream.off('close', Connection.#onClose);
    if (this.#drainListening) stream.off('drain', Connection.#onDrain);
  }

  /**
   * Registers the set that holds this connection while it is open (a Service's, or a
   * hub's for connections routines open); the connection leaves it when it closes.
   */
  trackIn(set: Set<Connection>): void {
    this.#tracker = set;
    set.add(this);
  }

  /**
   * Replaces the stream under this connection (STARTTLS). The caller gets the old stream
   * and the bytes that were received but not consumed, which belong to the new layer
   * (for STARTTLS: the start of the peer's handshake). The old stream is paused and
   * detached first so no byte is delivered twice. Bytes the old stream itself still
   * holds in its readable buffer (`old.readableLength`) are not in `pending`: reading
   * them here could start a read on the socket under the new layer, so the layer takes
   * them itself when it is ready (as @diesel/tls does).
   */
  replaceStream(make: (old: Duplex, pending: Buffer) => Duplex): void {
    if (this.#closed) throw new ConnectionClosed(this.#closeReason ?? 'connection closed');
    const old = this.#stream;
    old.pause();
    this.#detach(old);
    const pending = Buffer.from(this.#input.takeAll());
    this.#untilScanFrom = 0;
    this.#paused = false;
    const next = make(old, pending);
    this.#stream = next;
    this.#attach(next);
    next.resume();
  }

  /** Takes whatever the token asks for from the buffer, or returns NOT_READY. */
  tryRead(token: SocketWait): string | Buffer | typeof NOT_READY {
    const input = this.#input;
    switch (token.kind) {
      case TokenKind.Until: {
        const sentinel = token.sentinel;
        let at = input.indexOf(sentinel, this.#untilScanFrom);
        let end = at + sentinel.length;
        const alternative = token.alternative;
        if (alternative !== null) {
          // Off the common path: only tokens that ask for a second sentinel pay this search.
          const other = input.indexOf(alternative, this.#untilScanFrom);
          if (other !== -1 && (at === -1 || other < at)) {
            at = other;
            end = other + alternative.length;
          }
        }
        if (at !== -1) {
          this.#untilScanFrom = 0;
          const value = input.takeString(end, token.options.encoding ?? 'utf8');
          this.#consumed();
          return value;
        }
        const limit = token.options.limit ?? this.untilLimit;
        if (input.length >= limit + sentinel.length) {
          this.#untilScanFrom = 0;
          throw new SentinelNotFound(token.text, limit);
        }
        // Next search starts where a sentinel could first begin in new data, so a long
        // line arriving in many chunks is scanned once, not once per chunk.
        this.#untilScanFrom = Math.max(0, input.length - Math.max(sentinel.length, alternative?.length ?? 0) + 1);
        this.#need = limit + sentinel.length;
        this.#wakeAt = 1;
        break;
      }
      case TokenKind.Bytes:
        if (token.count > this.bytesLimit) throw new BytesLimitExceeded(token.count, this.bytesLimit);
        if (input.length >= token.count) {
          const value = input.take(token.count);
          this.#consumed();
          return value;
        }
        this.#need = token.count;
        this.#wakeAt = token.count;
        break;
      case TokenKind.Receive:
        if (input.length > 0) {
          // The head chunk as it came when there is plenty: no copy to join chunks.
          const value = input.takeSome(token.max);
          this.#consumed();
          return value;
        }
        this.#need = 1;
        this.#wakeAt = 1;
        break;
      default:
        throw new InvalidYield('not a socket wait');
    }
    if (this.#peerEnded || this.#closed) throw this.#closedError();
    return NOT_READY;
  }

  /** Registers the routine to be told when more bytes arrive (or the peer leaves). */
  waitReadable(reader: ReadWaiter): void {
    this.#reader = reader;
    if (this.#paused && this.#input.length <= Math.max(this.inputHighWaterMark, this.#need)) {
      this.#paused = false;
      this.#stream.resume();
    }
  }

  /**
   * Forgets the reader waiting on this connection (its socket wait was torn down: the
   * routine was cancelled, or another member of its group won). Buffered bytes stay for
   * the next read.
   */
  cancelRead(): void {
    this.#reader = null;
    this.#untilScanFrom = 0;
    this.#need = 0;
    this.#wakeAt = 0;
  }

  /**
   * Writes `data`. Returns true when the stream accepted it at once; false when the
   * writer should wait (`waitDrain`). Throws ConnectionClosed when the peer is gone.
   */
  write(data: string | Uint8Array): boolean {
    // Only our own flag is checked here (stream getters cost on every write): a stream
    // destroyed or ended behind our back fails the write with an 'error' event, which
    // closes this connection and fails the waiting writer with ConnectionClosed.
    if (this.#closed) throw this.#closedError();
    return this.#stream.write(data);
  }

  /**
   * Holds writes back until `uncork()`, so several written in one step go out in one
   * system call (pipelined requests answered together). The hub corks while a routine
   * runs and uncorks before it suspends, so nothing waits on this.
   */
  cork(): void {
    this.#stream.cork();
  }

  /** Sends what `cork()` held back, in one go; does nothing if the stream is not corked. */
  uncork(): void {
    const stream = this.#stream;
    if (stream.writableCorked > 0) stream.uncork();
  }

  /** Registers a writer to be told when the stream drains; throws ConnectionClosed if it never will. */
  waitDrain(waiter: DrainWaiter): void {
    if (this.#closed) throw this.#closedError();
    if (!this.#drainListening) {
      // Attached on first need: most connections never fill the socket's buffer.
      this.#drainListening = true;
      this.#stream.on('drain', Connection.#onDrain);
    }
    this.#drainWaiters.push(waiter);
  }

  /**
   * Half-closes our side once everything written has been sent. If the peer has not
   * closed its side `lingerMs` later, the stream is destroyed, so a peer that never
   * answers our FIN cannot hold the socket forever.
   */
  end(lingerMs = 30_000): void {
    const stream = this.#stream;
    if (stream.destroyed) return;
    if (!stream.writableEnded) stream.end();
    // Nobody reads any more, so let the peer's remaining bytes and FIN flow in and be dropped.
    this.#detachReader();
    const timer = setTimeout(() => stream.destroy(), lingerMs);
    timer.unref();
    stream.once('close', () => clearTimeout(timer));
  }

  #detachReader(): void {
    this.#reader = null;
    this.#discarding = true;
    this.#stream.off('data', Connection.#onData);
    this.#stream.on('data', ignore);
    this.#stream.resume();
  }

  /** Closes now, dropping unsent data. */
  destroy(error?: Error): void {
    if (!this.#stream.destroyed) this.#stream.destroy(error);
  }

  #closedError(): ConnectionClosed {
    const reason = this.#closeReason ?? (this.#peerEnded ? 'connection closed by peer' : 'connection closed');
    return new ConnectionClosed(reason, Buffer.from(this.#input.takeAll()), this.#closeCause);
  }

  #received(chunk: Buffer): void {
    this.#input.append(chunk);
    const reader = this.#reader;
    if (reader !== null && this.#input.length >= this.#wakeAt) {
      this.#reader = null;
      reader.readReady();
    }
    // Decided after the reader ran (it runs synchronously and usually consumes what
    // came): deciding before paused and resumed the socket on nearly every chunk of a
    // bulk `bytes(n)`, whose leftover plus one chunk is just over the mark. Strictly
    // over: one full 64 KiB chunk at the default mark must not pause either.
    if (!this.#paused && !this.#discarding && !this.#closed && this.#input.length > Math.max(this.inputHighWaterMark, this.#need)) {
      this.#paused = true;
      this.#stream.pause();
    }
  }

  #consumed(): void {
    this.#need = 0;
    if (this.#paused && this.#input.length <= this.inputHighWaterMark) {
      this.#paused = false;
      this.#stream.resume();
    }
  }

  #peerEnd(): void {
    this.#peerEnded = true;
    const reader = this.#reader;
    if (reader !== null) {
      this.#reader = null;
      reader.readReady();
    }
    this.#tellGone();
  }

  #fail(error: Error | null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tracker?.delete(this);
    this.#tracker = null;
    if (error !== null) {
      this.#closeReason = `connection lost: ${errorMessage(error)}`;
      this.#closeCause = error;
    }
    const reader = this.#reader;
    this.#reader = null;
    if (reader !== null) reader.readReady();
    this.#drained();
    this.#tellGone();
  }

  #drained(): void {
    const waiters = this.#drainWaiters;
    if (waiters.length === 0) return;
    this.#drainWaiters = [];
    const error = this.#closed ? this.#closedError() : null;
    for (const waiter of waiters) waiter.drained(error);
  }
}
