import net from 'node:net';
import { Application } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';

const open: (() => void)[] = [];

export function track(close: () => void): void {
  open.push(close);
}

export function cleanup(): void {
  for (const close of open.splice(0).reverse()) {
    try {
      close();
    } catch {
      // already closed
    }
  }
}

/** Starts an Application (its logger kept in memory); halted by cleanup(). */
export async function startApp(setup: (app: Application) => void): Promise<{ app: Application; logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  const app = new Application({ logger });
  setup(app);
  await app.start();
  track(() => app.halt());
  return { app, logger };
}

/** A line-oriented TCP client: `send` a line, `next()` the next line received (without its `\r\n`). */
export class LineClient {
  readonly socket: net.Socket;
  #buffer = '';
  #lines: string[] = [];
  #waiters: ((line: string | null) => void)[] = [];
  #ended = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let at = this.#buffer.indexOf('\r\n'); at !== -1; at = this.#buffer.indexOf('\r\n')) {
        this.#push(this.#buffer.slice(0, at));
        this.#buffer = this.#buffer.slice(at + 2);
      }
    });
    const end = (): void => {
      this.#ended = true;
      for (const waiter of this.#waiters.splice(0)) waiter(null);
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => {
        socket.off('error', reject);
        resolve(new LineClient(socket));
      });
      socket.once('error', reject);
      track(() => socket.destroy());
    });
  }

  /** Connects and joins as `nick`; resolves once its own join is announced. */
  static async join(port: number, nick: string): Promise<LineClient> {
    const client = await LineClient.connect(port);
    client.send(nick);
    await client.until(`* ${nick} joined`);
    return client;
  }

  #push(line: string): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(line);
    else this.#lines.push(line);
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** The next line, or null once the server closed the connection. */
  next(): Promise<string | null> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Reads lines until one equals `line`; resolves with the lines before it. Rejects if the connection ends first. */
  async until(line: string): Promise<string[]> {
    const before: string[] = [];
    for (;;) {
      const next = await this.next();
      if (next === null) throw new Error(`connection ended before ${JSON.stringify(line)}; got ${JSON.stringify(before)}`);
      if (next === line) return before;
      before.push(next);
    }
  }

  /** Every line until the server closes the connection. */
  async rest(): Promise<string[]> {
    const lines: string[] = [];
    for (let line = await this.next(); line !== null; line = await this.next()) lines.push(line);
    return lines;
  }

  close(): void {
    this.socket.end();
  }
}
