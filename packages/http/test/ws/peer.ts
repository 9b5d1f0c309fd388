import WsSocket, { type ClientOptions } from 'ws';

/** A `ws` client (the independent peer) with promise-based reads, for tests. */
export class WsPeer {
  readonly socket: WsSocket;
  readonly #messages: { data: Buffer; isBinary: boolean }[] = [];
  readonly #waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly pongs: Buffer[] = [];
  readonly pings: Buffer[] = [];
  errors: Error[] = [];

  private constructor(socket: WsSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.#messages.push({ data, isBinary });
      this.#wake();
    });
    socket.on('pong', (data: Buffer) => {
      this.pongs.push(data);
      this.#wake();
    });
    socket.on('ping', (data: Buffer) => {
      this.pings.push(data);
      this.#wake();
    });
    socket.on('error', (error: Error) => this.errors.push(error));
    this.closed = new Promise((resolve) => {
      socket.on('close', (code: number, reason: Buffer) => {
        resolve({ code, reason: reason.toString() });
        this.#wake();
      });
    });
  }

  static open(url: string, options: ClientOptions = {}, protocols: string[] = []): Promise<WsPeer> {
    return new Promise((resolve, reject) => {
      const socket = new WsSocket(url, protocols, options);
      socket.once('open', () => resolve(new WsPeer(socket)));
      socket.once('unexpected-response', (_req, res) => {
        reject(new Error(`unexpected response ${res.statusCode}`));
        socket.terminate();
      });
      socket.once('error', reject);
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves when `condition()` holds, re-checking on every event. */
  async until(condition: () => boolean, what: string): Promise<void> {
    while (!condition()) {
      if (this.socket.readyState === WsSocket.CLOSED) throw new Error(`closed while waiting for ${what}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async next(): Promise<{ data: Buffer; isBinary: boolean }> {
    await this.until(() => this.#messages.length > 0, 'a message');
    return this.#messages.shift()!;
  }

  async nextText(): Promise<string> {
    const m = await this.next();
    if (m.isBinary) throw new Error('expected a text message, got binary');
    return m.data.toString('utf8');
  }

  terminate(): void {
    this.socket.terminate();
  }
}
