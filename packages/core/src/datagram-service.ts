import type { AddressInfo } from 'node:net';
import { type Hub, type Routine } from './hub.js';
import { DatagramSocket, type DatagramOptions } from './tokens/datagram.js';

/**
 * Options of a `DatagramService`: a socket's options and a name.
 * @example
 * new DatagramService(udpEcho, { port: 8053, host: '127.0.0.1', name: 'dns' });
 */
export interface DatagramServiceOptions extends DatagramOptions {
  /** Shown in log lines and `onError` (default `udp:<port>`). */
  name?: string;
}

/**
 * A datagram handler: a generator function called once with the bound socket.
 * @example
 * const udpEcho: DatagramHandler = function* (socket) {
 *   for (;;) {
 *     const { data, address, port } = yield* socket.receive();
 *     socket.send(data, port, address);
 *   }
 * };
 */
export type DatagramHandler = (socket: DatagramSocket) => Routine;

/**
 * A UDP listener: binds a socket when the application runs and starts one routine,
 * `handler(socket)`, which receives and sends on it. The socket closes when the routine
 * ends or the application halts; an uncaught error goes to `onError` (kind `datagram`).
 * @example
 * function* udpEcho(socket: DatagramSocket) {
 *   for (;;) {
 *     const { data, address, port } = yield* socket.receive();
 *     socket.send(data, port, address);
 *   }
 * }
 * app.addService(new DatagramService(udpEcho, { port: 9999 }));
 */
export class DatagramService {
  readonly options: DatagramServiceOptions;
  readonly #handler: DatagramHandler;
  #socket: DatagramSocket | null = null;

  constructor(handler: DatagramHandler, options: number | DatagramServiceOptions) {
    this.options = typeof options === 'number' ? { port: options } : { ...options };
    if (typeof handler !== 'function') throw new TypeError('DatagramService: handler must be a generator function');
    this.#handler = handler;
  }

  /** The bound address while listening, else null. */
  get address(): AddressInfo | null {
    return this.#socket?.address ?? null;
  }

  /** The bound port (useful with port 0), else the configured port. */
  get port(): number {
    return this.address?.port ?? this.options.port ?? 0;
  }

  get name(): string {
    return this.options.name ?? `udp:${this.options.port ?? 0}`;
  }

  /** The bound socket while listening (to read `dropped`, `queued`), else null. */
  get socket(): DatagramSocket | null {
    return this.#socket;
  }

  /** @internal Application calls this from run(). */
  async listen(hub: Hub): Promise<void> {
    const socket = await DatagramSocket.bind(hub, this.options);
    this.#socket = socket;
    hub.logger.info(`${this.name} listening on udp ${this.address?.address ?? '?'}:${this.port}`);
    let routine: Routine;
    try {
      routine = this.#handler(socket);
    } catch (error) {
      socket.close();
      throw error;
    }
    hub.spawn(routine, {
      name: this.name,
      onExit: (outcome) => {
        socket.close();
        if (!outcome.ok && !outcome.halted) hub.reportError(outcome.error, { kind: 'datagram', name: this.name });
      },
    });
  }

  /** @internal Closes the socket (the handler's waits get `SocketClosed`). */
  async close(): Promise<void> {
    this.#socket?.close();
  }
}
