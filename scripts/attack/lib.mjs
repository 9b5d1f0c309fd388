// Small clients for the attack suite: raw TCP connections, timing, RSS of a process.
import { readFileSync } from 'node:fs';
import net from 'node:net';

export const HOST = '127.0.0.1';
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw TCP connection that keeps what it receives and knows when the server closed. */
export class Raw {
  constructor(socket) {
    this.socket = socket;
    this.chunks = [];
    this.received = 0;
    this.closed = false;
    this.closedAt = 0;
    this.closedPromise = new Promise((resolve) => {
      const done = () => {
        if (!this.closed) {
          this.closed = true;
          this.closedAt = performance.now();
        }
        resolve();
      };
      socket.on('end', done);
      socket.on('close', done);
      socket.on('error', done);
    });
    socket.on('data', (chunk) => {
      this.received += chunk.length;
      if (this.chunks.length < 64) this.chunks.push(chunk);
    });
  }

  static connect(port, options = {}) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: HOST, allowHalfOpen: true, ...options }, () => {
        socket.off('error', reject);
        resolve(new Raw(socket));
      });
      socket.once('error', reject);
    });
  }

  get text() {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  write(data) {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve(false);
      this.socket.write(data, () => resolve(true));
    });
  }

  /** Resolves true once the server closed (FIN or reset), false after `ms`. */
  async closedWithin(ms) {
    if (this.closed) return true;
    return Promise.race([this.closedPromise.then(() => true), sleep(ms).then(() => this.closed)]);
  }

  /** Resolves once `text` arrived, false after `ms`. */
  async sawWithin(text, ms) {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      if (this.text.includes(text)) return true;
      if (this.closed) return this.text.includes(text);
      await sleep(20);
    }
    return this.text.includes(text);
  }

  destroy() {
    this.socket.destroy();
  }
}

/** Resident set size of a process, in MiB (Linux /proc). */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** p-th percentile of numbers (nearest rank). */
export function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** One HTTP/1.1 exchange on a fresh connection; resolves with the response text (after the server closes or `ms`). */
export async function httpOnce(port, request, ms = 10_000) {
  const raw = await Raw.connect(port);
  await raw.write(request);
  await raw.closedWithin(ms);
  raw.destroy();
  return raw.text;
}

/** Resolves on the socket's next 'drain', when it closes, or after `ms`, whichever is first; leaves no listener. */
export function drained(socket, ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once('drain', done);
    socket.once('close', done);
  });
}
