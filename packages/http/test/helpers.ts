import net from 'node:net';
import { execFile } from 'node:child_process';
import { Application, Service } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { HttpServer, type HttpServerOptions } from '../src/index.js';
import type { HttpHandler } from '../src/types.js';

export interface Served {
  app: Application;
  port: number;
  logger: MemoryLogger;
  base: string;
  stop(): void;
}

/** Serves `handler` on 127.0.0.1 with a free port. */
export async function serve(handler: HttpHandler, options: HttpServerOptions = {}): Promise<Served> {
  const logger = new MemoryLogger();
  const app = new Application({ logger });
  const service = new Service(new HttpServer(handler, options), { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  return { app, port: service.port, logger, base: `http://127.0.0.1:${service.port}`, stop: () => app.halt() };
}

/** A raw TCP client: write bytes, read what comes back, see when the server closes. */
export class Raw {
  readonly socket: net.Socket;
  #data = Buffer.alloc(0);
  #ended = false;
  #waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#data = Buffer.concat([this.#data, chunk]);
      this.#wake();
    });
    const end = (): void => {
      this.#ended = true;
      this.#wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static connect(port: number): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(new Raw(socket)));
      socket.once('error', reject);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  get text(): string {
    return this.#data.toString('latin1');
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves once `test(text so far)` holds; rejects if the server closes first without it. */
  async waitFor(test: (text: string) => boolean, what = 'the expected data'): Promise<string> {
    for (;;) {
      if (test(this.text)) return this.text;
      if (this.#ended) throw new Error(`connection ended before ${what}; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves with everything once the server closes its side. */
  async untilEnd(): Promise<string> {
    while (!this.#ended) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.text;
  }

  /** Waits for `count` complete responses (by counting status lines and framing); crude but enough for tests. */
  waitForText(text: string, count = 1): Promise<string> {
    return this.waitFor((t) => t.split(text).length - 1 >= count, `${count} × ${JSON.stringify(text)}`);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Sends `request` on a fresh connection and returns all the server sends before closing. */
export async function exchange(port: number, request: string | Uint8Array): Promise<string> {
  const raw = await Raw.connect(port);
  try {
    raw.write(request);
    return await raw.untilEnd();
  } finally {
    raw.close();
  }
}

/** Runs a system program; rejects with a clear message if it is not installed. */
export function runPeer(program: string, args: string[], options: { timeout?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: options.timeout ?? 60_000, maxBuffer: 256 * 1024 * 1024, encoding: 'latin1' }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`${program} is not installed: this test needs it as a real peer (see .ci/run)`));
        return;
      }
      if (error) {
        reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}

/** Status code of the first response in `text`. */
export function statusOf(text: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 200))}`);
  return Number(m[1]);
}

/** The body of the first response in `text`, de-chunked if it is chunked. */
export function bodyOf(text: string): string {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  let rest = text.slice(split + 4);
  if (!/\r\ntransfer-encoding: chunked/i.test(head)) return rest;
  let out = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}
