import net from 'node:net';
import { Connection, type ConnectionLimits, type RemoteAddress } from './connection.js';
import { DieselError, ListenError } from './errors.js';
import { providerHint, serviceLayer } from './extensions.js';
import { type Hub, type Outcome, type Routine, type Runner, describe, isDisconnect } from './hub.js';

/** A connection handler: a generator function called with the peer's address, or an object with `handle`. */
export type ConnectionHandler =
  | ((remote: RemoteAddress) => Routine)
  | { handle(remote: RemoteAddress): Routine };

export interface ServiceOptions extends ConnectionLimits {
  /** TCP port; 0 picks a free one (read it back from `service.port` once running). */
  port: number;
  /** Address to bind (default: all interfaces, as `net.Server.listen` does). */
  host?: string;
  backlog?: number;
  /** Shown in log lines (default `service:<port>`). */
  name?: string;
  /** Seconds a closed-by-us connection may wait for the peer's FIN before it is destroyed (default 30). */
  lingerTimeout?: number;
}

const CORE_OPTIONS = new Set(['port', 'host', 'backlog', 'name', 'lingerTimeout', 'untilLimit', 'inputHighWaterMark']);

/**
 * A TCP listener: one routine per accepted connection, running `handler(remote)` with
 * socket tokens bound to that connection. A handler's uncaught error is logged and
 * closes its own connection only.
 * @example
 * app.addService(new Service(handleEcho, { port: 8000 }));
 */
export class Service {
  readonly options: ServiceOptions;
  readonly #handler: (remote: RemoteAddress) => Routine;
  #server: net.Server | null = null;
  readonly #connections = new Set<Connection>();

  constructor(handler: ConnectionHandler, options: number | ServiceOptions) {
    const opts: ServiceOptions = typeof options === 'number' ? { port: options } : { ...options };
    if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
      throw new RangeError(`Service: port must be an integer from 0 to 65535, got ${String(opts.port)}`);
    }
    let wrapped = handler;
    for (const [key, value] of Object.entries(opts)) {
      if (CORE_OPTIONS.has(key) || value === undefined) continue;
      const layer = serviceLayer(key);
      if (layer === undefined) throw new TypeError(`Service: unknown option '${key}'${providerHint(key)}`);
      wrapped = layer(wrapped, value);
    }
    this.options = opts;
    this.#handler = typeof wrapped === 'function' ? wrapped : (remote) => wrapped.handle(remote);
  }

  /** The bound address while listening, else null. */
  get address(): net.AddressInfo | null {
    const address = this.#server?.address();
    return address !== null && typeof address === 'object' ? address : null;
  }

  /** The bound port while listening (useful with port 0), else the configured port. */
  get port(): number {
    return this.address?.port ?? this.options.port;
  }

  get name(): string {
    return this.options.name ?? `service:${this.options.port}`;
  }

  /** Connections currently open. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** @internal Application calls this from run(). */
  async listen(hub: Hub): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: false });
    server.on('connection', (socket) => this.#accept(hub, socket));
    const where = `${this.options.host ?? '*'}:${this.options.port}`;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(new ListenError(where, error));
      server.once('error', onError);
      server.listen({ port: this.options.port, host: this.options.host, backlog: this.options.backlog }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (error) => hub.logger.error(`${this.name}: ${describe(error)}`));
    this.#server = server;
    hub.logger.info(`${this.name} listening on ${this.address?.address ?? '?'}:${this.port}`);
  }

  #accept(hub: Hub, socket: net.Socket): void {
    if (hub.halting) {
      socket.destroy();
      return;
    }
    const remote = remoteOf(socket);
    const connection = new Connection(socket, remote, this.options);
    connection.trackIn(this.#connections);
    let routine: Routine;
    try {
      routine = this.#handler(remote);
    } catch (error) {
      hub.logger.error(`${this.name}: handler for ${remote.host}:${remote.port} failed to start: ${describe(error)}`);
      connection.destroy();
      return;
    }
    hub.spawn(routine, { connection, name: this.name, onExit: this.#exited });
  }

  /** One function for every connection's routine (not a closure each: see Connection). */
  readonly #exited = (outcome: Outcome, runner: Runner): void => {
    const connection = runner.home!;
    const { host, port } = connection.remote;
    const logger = runner.hub.logger;
    if (outcome.ok) {
      connection.end((this.options.lingerTimeout ?? 30) * 1000);
      return;
    }
    const error = outcome.error;
    if (isDisconnect(error)) logger.debug(`${this.name}: ${host}:${port} disconnected`);
    // A DieselError is a peer's fault reported clearly (a bad request, a failed handshake,
    // an oversized line): one line, no stack. Anything else is a bug in a handler.
    else if (error instanceof DieselError) logger.warn(`${this.name}: ${host}:${port}: ${error.code}: ${error.message}`);
    else logger.error(`${this.name}: handler for ${host}:${port} failed: ${describe(error)}`);
    connection.destroy();
  };

  /** @internal Stops accepting and destroys every open connection. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const connection of this.#connections) connection.destroy();
    this.#connections.clear();
    if (server === null) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * The peer of an accepted socket. A dual-stack listener (the default host) sees IPv4
 * clients as IPv4-mapped IPv6 (`::ffff:127.0.0.1`); they are IPv4 peers, so handlers and
 * log lines get the IPv4 address and family.
 */
function remoteOf(socket: net.Socket): RemoteAddress {
  const host = socket.remoteAddress ?? 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(host);
  if (mapped !== null) return { host: mapped[1]!, port: socket.remotePort ?? 0, family: 'IPv4' };
  return { host, port: socket.remotePort ?? 0, family: socket.remoteFamily ?? 'unknown' };
}
