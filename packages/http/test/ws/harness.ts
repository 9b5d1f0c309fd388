import net from 'node:net';
import { Application, Service } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { HttpServer, type HttpHandler, router } from '../../src/index.js';
import { websocket, type WebSocketHandler, type WebSocketServerOptions } from '../../src/index.js';

/**
 * A running app serving some routes on one port through @diesel/http's HttpServer and router.
 */
export interface WsServer {
  app: Application;
  port: number;
  url: string;
  logger: MemoryLogger;
  stop(): Promise<void>;
}

export async function serveRoutes(routes: Record<string, HttpHandler>): Promise<WsServer> {
  const dispatch = router(routes);
  const logger = new MemoryLogger();
  const app = new Application({ logger });
  const service = new Service(new HttpServer(dispatch), { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  const port = service.port;
  return {
    app,
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    logger,
    async stop() {
      app.halt();
    },
  };
}

/** A running app serving `websocket(handler, options)` at `/ws`. */
export function serveWs(handler: WebSocketHandler, options: WebSocketServerOptions = {}): Promise<WsServer> {
  return serveRoutes({ '/ws': websocket(handler, options) });
}

/** A raw TCP client for protocol-violation cases: write bytes, read what comes back. */
export class RawClient {
  readonly socket: net.Socket;
  #received = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #ended = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk]);
      this.#wake();
    });
    const end = () => {
      this.#ended = true;
      this.#wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      socket.once('connect', () => resolve(new RawClient(socket)));
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

  /** Resolves with the bytes up to and including `text`, consuming them. */
  async readUntil(text: string | Buffer): Promise<Buffer> {
    const needle = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    for (;;) {
      const at = this.#received.indexOf(needle);
      if (at !== -1) {
        const out = this.#received.subarray(0, at + needle.length);
        this.#received = this.#received.subarray(at + needle.length);
        return out;
      }
      if (this.#ended) throw new Error(`connection ended before ${JSON.stringify(needle.toString('latin1'))}; got ${JSON.stringify(this.#received.toString('latin1'))}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves with exactly `n` bytes. */
  async read(n: number): Promise<Buffer> {
    for (;;) {
      if (this.#received.length >= n) {
        const out = this.#received.subarray(0, n);
        this.#received = this.#received.subarray(n);
        return out;
      }
      if (this.#ended) throw new Error(`connection ended after ${this.#received.length} of ${n} bytes`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves with everything once the server has closed the connection. */
  async readToEnd(): Promise<Buffer> {
    while (!this.#ended) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    const out = this.#received;
    this.#received = Buffer.alloc(0);
    return out;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An opening handshake request for `/ws` with the given extra or replaced headers. */
export function handshakeRequest(port: number, overrides: Record<string, string | null> = {}, requestLine = 'GET /ws HTTP/1.1'): string {
  const headers: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...overrides,
  };
  let text = `${requestLine}\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== null) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}
