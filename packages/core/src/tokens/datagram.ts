import * as dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { ListenError, SocketClosed } from '../errors.js';
import { CustomToken, type Hub, type TokenContext } from '../hub.js';
import { WaitLine } from '../sync/wait-line.js';
import type { GroupRole, Teardown } from './token.js';

/**
 * One received datagram: what `socket.receive()` gives.
 * @example
 * const datagram: Datagram = yield* socket.receive();
 * socket.send(datagram.data, datagram.port, datagram.address); // echo it back
 */
export interface Datagram {
  readonly data: Buffer;
  /** The sender's address and port: `send(reply, port, address)` answers it. */
  readonly address: string;
  readonly port: number;
}

/**
 * Options of `udpSocket()` and `DatagramService`: where to bind, how much to queue; all optional.
 * @example
 * const socket = yield* udpSocket({ host: '127.0.0.1', type: 'udp4' }); // a free port
 */
export interface DatagramOptions {
  /** UDP port; 0 (the default) picks a free one (read it back from `socket.port`). */
  port?: number;
  /** Address to bind (default: all interfaces). */
  host?: string;
  /** `udp4` (default) or `udp6`. */
  type?: 'udp4' | 'udp6';
  /**
   * Datagrams kept while nobody is receiving (default 1024). Past it new ones are
   * dropped — UDP's own answer to a slow reader — and counted in `socket.dropped`.
   */
  maxQueued?: number;
}

/**
 * The default bound on a datagram socket's receive queue.
 * @example
 * new DatagramService(handler, { port: 9999, maxQueued: 4 * DEFAULT_MAX_QUEUED_DATAGRAMS });
 */
export const DEFAULT_MAX_QUEUED_DATAGRAMS = 1024;

/**
 * A bound UDP socket seen through tokens: `receive()` suspends until a datagram arrives,
 * `send()` writes one. Received datagrams wait in a bounded queue until a routine asks.
 * @example
 * const socket = yield* udpSocket();
 * socket.send('ping', 9999, '127.0.0.1');
 * const [reply, timedOut] = yield* first(socket.receive(), sleep(1));
 */
export class DatagramSocket {
  readonly maxQueued: number;
  readonly #socket: dgram.Socket;
  readonly #queue: Datagram[] = [];
  #queueStart = 0;
  readonly #line = new WaitLine<Datagram>((datagram) => this.#giveBack(datagram));
  readonly #receive: ReceiveDatagramToken;
  #dropped = 0;
  #sendErrors = 0;
  #closed = false;
  #unregister: () => void = () => {};

  /** @internal use `udpSocket()` or a `DatagramService`. */
  constructor(socket: dgram.Socket, maxQueued: number) {
    this.#socket = socket;
    this.maxQueued = maxQueued;
    this.#receive = new ReceiveDatagramToken(this);
    socket.on('message', (data, rinfo) => this.#arrived({ data, address: rinfo.address, port: rinfo.port }));
    // After bind, errors are rare (ICMP unreachable on some systems) and must not crash.
    socket.on('error', () => this.#sendErrors++);
    socket.once('close', () => this.#closedNow());
  }

  /**
   * Binds a socket; resolves once it is listening. `hub` closes it when it halts.
   * @internal
   */
  static async bind(hub: Hub, options: DatagramOptions): Promise<DatagramSocket> {
    const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED_DATAGRAMS;
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError(`maxQueued must be a non-negative integer, got ${String(maxQueued)}`);
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer from 0 to 65535, got ${String(port)}`);
    const raw = dgram.createSocket({ type: options.type ?? 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        raw.close();
        reject(new ListenError(`udp ${options.host ?? '*'}:${port}`, error));
      };
      raw.once('error', onError);
      raw.bind({ port, address: options.host }, () => {
        raw.off('error', onError);
        resolve();
      });
    });
    const socket = new DatagramSocket(raw, maxQueued);
    socket.#unregister = hub.onHalt(() => socket.close());
    return socket;
  }

  /** The bound address, or null once closed. */
  get address(): AddressInfo | null {
    if (this.#closed) return null;
    try {
      return this.#socket.address();
    } catch {
      return null;
    }
  }

  /** The bound port (useful after binding port 0); 0 once closed. */
  get port(): number {
    return this.address?.port ?? 0;
  }

  /** Datagrams dropped because the receive queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Datagrams received and not yet taken by `receive()`. */
  get queued(): number {
    return this.#queue.length - this.#queueStart;
  }

  /** Sends that failed (the kernel refused them, e.g. too large); UDP reports nothing else. */
  get sendErrors(): number {
    return this.#sendErrors;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Suspends: until a datagram is there (not at all if one is queued). Groupable, so
   * `first(socket.receive(), sleep(1))` is a receive with a timeout. Throws
   * `SocketClosed` once the socket is closed and its queue drained.
   * @example
   * const { data, address, port } = yield* socket.receive();
   */
  receive(): ReceiveDatagramToken {
    return this.#receive;
  }

  /**
   * Suspends: no. Writes one datagram to `port` at `host` (default `127.0.0.1`). UDP does
   * not say whether it arrived; a send the kernel refuses is counted in `sendErrors`.
   * Throws `SocketClosed` on a closed socket.
   * @example
   * socket.send(`echo: ${data}`, port, address);
   */
  send(data: string | Uint8Array, port: number, host = '127.0.0.1'): void {
    if (this.#closed) throw new SocketClosed();
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`send(): port must be an integer from 1 to 65535, got ${String(port)}`);
    this.#socket.send(data, port, host, this.#sent);
  }

  readonly #sent = (error: Error | null): void => {
    if (error !== null) this.#sendErrors++;
  };

  /** Closes the socket; routines waiting in `receive()` get `SocketClosed`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closedNow();
    try {
      this.#socket.close();
    } catch {
      // Already closed underneath us.
    }
  }

  #closedNow(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregister();
    this.#line.failAll(new SocketClosed());
  }

  #arrived(datagram: Datagram): void {
    const waiter = this.#line.peek();
    if (waiter !== null) {
      waiter.grant(datagram);
      return;
    }
    if (this.queued >= this.maxQueued) {
      this.#dropped++;
      return;
    }
    this.#queue.push(datagram);
  }

  #take(): Datagram | undefined {
    if (this.#queueStart >= this.#queue.length) return undefined;
    const datagram = this.#queue[this.#queueStart]!;
    this.#queue[this.#queueStart++] = undefined as unknown as Datagram;
    // Compact now and then rather than shift() on every take.
    if (this.#queueStart > 1024 && this.#queueStart * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#queueStart);
      this.#queueStart = 0;
    }
    return datagram;
  }

  /** A datagram granted to a receiver that stopped waiting goes back to the front. */
  #giveBack = (datagram: Datagram): void => {
    const waiter = this.#line.peek();
    if (waiter !== null) waiter.grant(datagram);
    else if (this.#queueStart > 0) this.#queue[--this.#queueStart] = datagram;
    else this.#queue.unshift(datagram);
  };

  /** @internal ReceiveDatagramToken */
  startReceive(context: TokenContext<Datagram>): void | Teardown {
    const datagram = this.#take();
    if (datagram !== undefined) return context.resolve(datagram);
    if (this.#closed) return context.reject(new SocketClosed());
    return this.#line.push(context);
  }
}

/**
 * What `socket.receive()` yields.
 * @example
 * const datagram = yield* socket.receive();
 * const [reply, timedOut] = yield* first(socket.receive(), sleep(1));
 */
export class ReceiveDatagramToken extends CustomToken<Datagram> {
  /** A wait-like token: it may be one of a group's waits. */
  override get group(): GroupRole {
    return 'wait';
  }
  readonly #socket: DatagramSocket;
  constructor(socket: DatagramSocket) {
    super();
    this.#socket = socket;
  }
  start(context: TokenContext<Datagram>): void | Teardown {
    return this.#socket.startReceive(context);
  }
}

/**
 * What `udpSocket()` yields.
 * @example
 * const socket = yield* udpSocket();
 */
export class UdpSocketToken extends CustomToken<DatagramSocket> {
  constructor(readonly options: DatagramOptions) {
    super();
  }
  start(context: TokenContext<DatagramSocket>): () => void {
    let cancelled = false;
    DatagramSocket.bind(context.hub, this.options).then(
      (socket) => {
        // Halted or killed while binding: the socket would have no owner.
        if (cancelled) socket.close();
        else context.resolve(socket);
      },
      (error: unknown) => context.reject(error),
    );
    return () => {
      cancelled = true;
    };
  }
}

/**
 * Suspends: until the socket is bound. Opens a UDP socket from any routine — a client, or
 * a second socket next to a `DatagramService`. The hub closes it on halt; close it
 * yourself (in `finally`) when the routine is done with it. Throws `ListenError` if the
 * port cannot be bound.
 * @example
 * const socket = yield* udpSocket();
 * try {
 *   socket.send('hello', 9999);
 *   const reply = yield* socket.receive();
 * } finally {
 *   socket.close();
 * }
 */
export function udpSocket(options: DatagramOptions = {}): UdpSocketToken {
  return new UdpSocketToken(options);
}
