import { Duplex } from 'node:stream';

/**
 * Two connected in-memory streams: what one writes, the other reads. Ending one side
 * ends the other's input, and destroying one closes both, like a socket pair.
 * `highWaterMark` is each side's buffer in bytes (default 16 KiB): a writer waits for
 * its peer to read once that much is unread, so backpressure is real.
 * @example
 * const [server, client] = memoryPair();
 * const connection = new Connection(server, { host: 'memory', port: 0, family: 'memory' });
 * client.write('hello\r\n');
 */
export function memoryPair(options: { highWaterMark?: number } = {}): [MemoryEnd, MemoryEnd] {
  const a = new MemoryEnd(options.highWaterMark);
  const b = new MemoryEnd(options.highWaterMark);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * One end of a `memoryPair`: a Node `Duplex` whose writes arrive at the other end. The
 * constructor's argument is its buffer in bytes (default 16 KiB).
 * @example
 * const [, peer] = memoryPair();
 * peer.write('ping\r\n');
 * const reply = await peer.readUntil('\r\n');
 */
export class MemoryEnd extends Duplex {
  /** @internal */
  peer: MemoryEnd | null = null;
  #pendingWrite: (() => void) | null = null;

  constructor(highWaterMark = 16 * 1024) {
    super({ allowHalfOpen: true, highWaterMark });
  }

  /** @internal Node's stream plumbing (the readable side asks for more), not an API to call. */
  override _read(): void {
    // The peer's write waits for us to want more; release it.
    const peer = this.peer;
    const pending = peer === null ? null : peer.#pendingWrite;
    if (peer !== null && pending !== null) {
      peer.#pendingWrite = null;
      pending();
    }
  }

  /** @internal Node's stream plumbing (one chunk written): call `write()` instead. */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer === null || peer.destroyed) {
      callback(new Error('memory pair: peer is closed'));
      return;
    }
    if (peer.push(chunk)) callback();
    else this.#pendingWrite = () => callback();
  }

  /** @internal Node's stream plumbing (our side ended): call `end()` instead. */
  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  /** @internal Node's stream plumbing (torn down): call `destroy()` instead. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = null;
    if (peer && !peer.destroyed) peer.destroy();
    callback(error);
  }

  /** Reads until `text` has arrived; resolves with everything up to and including it. */
  readUntil(text: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
    return readUntil(this, text, encoding);
  }
}

/**
 * Resolves with the stream's bytes up to and including `text`, leaving the rest unread
 * (put back with `unshift`). Rejects if the stream ends first. Works on any `Duplex`
 * (a real `net.Socket` in an end-to-end test too).
 * @example
 * const socket = net.connect(service.port, '127.0.0.1');
 * const greeting = await readUntil(socket, '\r\n');
 */
export function readUntil(stream: Duplex, text: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
  const needle = Buffer.from(text, encoding);
  return new Promise((resolve, reject) => {
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      const at = seen.indexOf(needle);
      if (at === -1) return;
      cleanup();
      const rest = seen.subarray(at + needle.length);
      if (rest.length > 0) stream.unshift(rest);
      resolve(seen.subarray(0, at + needle.length).toString(encoding));
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`stream ended before ${JSON.stringify(text)}; got ${JSON.stringify(seen.toString(encoding))}`));
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.pause();
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    // A previous readUntil paused the stream explicitly; a new 'data' listener alone would not restart it.
    stream.resume();
  });
}
