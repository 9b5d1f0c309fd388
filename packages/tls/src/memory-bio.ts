import { Duplex } from 'node:stream';

/**
 * The in-memory BIO: how OpenSSL reads ciphertext when it cannot take a socket's native
 * handle. It is a Duplex that Node's TLS engine wraps as its transport (Node pumps a JS
 * Duplex into the engine's memory buffers, so every byte passes through here):
 *
 *   peer ─► inner stream ─► [prefix, then inner's data] ─► TLS engine ─► plaintext ─► tokens
 *   peer ◄─ inner stream ◄────────────── ciphertext ◄───── TLS engine ◄── writes
 *
 * `prefix` holds the bytes that had already been received when the upgrade began (a
 * STARTTLS client that sent its ClientHello right behind the command). They are handed
 * to the engine first and exactly once; the inner stream's later bytes follow in order.
 * The inner stream stays paused until the engine asks for data, and is paused again
 * whenever the engine's buffer is full, so a fast peer cannot grow memory without bound.
 *
 * Node's native fast path (a `net.Socket` handed straight to `TLSSocket`) is preferred
 * when nothing is buffered; this path is slower (one more JS hop per chunk) and correct.
 * `startTls` and `wrapTls` build it for you; it is exported for layering TLS (or anything
 * else) over a stream that already holds unread bytes.
 * @example
 * const bio = new MemoryBio(socket, alreadyReceived);
 * const secure = new tls.TLSSocket(bio, { isServer: true, secureContext });
 */
export class MemoryBio extends Duplex {
  readonly #inner: Duplex;
  /** The write that is waiting for the inner stream to drain. */
  #waitingWrite: ((error?: Error | null) => void) | null = null;
  readonly #onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.#inner.pause();
  };
  readonly #onEnd = (): void => {
    this.push(null);
  };
  readonly #onError = (error: Error): void => {
    this.destroy(error);
  };
  readonly #onClose = (): void => {
    this.#failWrite(new Error('the connection under TLS closed'));
    if (!this.destroyed) this.destroy();
  };
  readonly #onDrain = (): void => {
    const callback = this.#waitingWrite;
    this.#waitingWrite = null;
    callback?.();
  };

  constructor(inner: Duplex, prefix: Uint8Array) {
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    this.#inner = inner;
    if (prefix.length > 0) this.push(prefix);
    // The inner stream was paused by the Connection before the upgrade; attaching a
    // 'data' listener does not resume an explicitly paused stream, `_read` does.
    inner.on('data', this.#onData);
    inner.on('end', this.#onEnd);
    inner.on('error', this.#onError);
    inner.on('close', this.#onClose);
    inner.on('drain', this.#onDrain);
  }

  /** The stream under the TLS layer. */
  get inner(): Duplex {
    return this.#inner;
  }

  /** @internal Node's stream plumbing (the TLS engine wants ciphertext), not an API to call. */
  override _read(): void {
    this.#inner.resume();
  }

  /** @internal Node's stream plumbing (ciphertext from the engine, to the inner stream). */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const inner = this.#inner;
    if (inner.destroyed || inner.writableEnded) {
      callback(new Error('the connection under TLS is closed'));
      return;
    }
    if (inner.write(chunk)) callback();
    else this.#waitingWrite = callback;
  }

  /** @internal Node's stream plumbing (several chunks at once, written corked). */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const inner = this.#inner;
    if (inner.destroyed || inner.writableEnded) {
      callback(new Error('the connection under TLS is closed'));
      return;
    }
    let accepted = true;
    inner.cork();
    for (const { chunk } of chunks) accepted = inner.write(chunk);
    inner.uncork();
    if (accepted) callback();
    else this.#waitingWrite = callback;
  }

  /** @internal Node's stream plumbing (the engine ended: ends the inner stream). */
  override _final(callback: (error?: Error | null) => void): void {
    if (!this.#inner.writableEnded && !this.#inner.destroyed) this.#inner.end();
    callback();
  }

  /** @internal Node's stream plumbing (torn down: destroys the inner stream too). */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const inner = this.#inner;
    inner.off('data', this.#onData);
    inner.off('end', this.#onEnd);
    inner.off('error', this.#onError);
    inner.off('close', this.#onClose);
    inner.off('drain', this.#onDrain);
    this.#failWrite(error ?? new Error('the TLS transport was destroyed'));
    // The TLS layer owns the connection now: tearing it down closes the socket under it.
    if (!inner.destroyed) inner.destroy();
    callback(error);
  }

  #failWrite(error: Error): void {
    const callback = this.#waitingWrite;
    this.#waitingWrite = null;
    callback?.(error);
  }
}
