import * as net from 'node:net';
import { Connection, type ConnectionLimits, type RemoteAddress } from './connection.js';
import { ListenError } from './errors.js';
import { providerHint, serviceLayer } from './extensions.js';
import { type Hub, type Outcome, type Routine, type Runner, describe, isDisconnect } from './hub.js';

/**
 * A connection handler: a generator function called with the peer's address, or an object with `handle`.
 * @example
 * const echo: ConnectionHandler = function* (remote) {
 *   yield `hello ${remote.host}\r\n`;
 *   for (;;) yield yield* until('\r\n');
 * };
 * app.addService(new Service(echo, 8000));
 */
export type ConnectionHandler =
  | ((remote: RemoteAddress) => Routine)
  | {
      /** Called once per accepted connection; the routine it returns serves that connection. */
      handle(remote: RemoteAddress): Routine;
    };

/**
 * The second argument of `new Service(handler, options)` (or just the port); only `port`
 * is required. Packages add their own (`tls` from `@diesel/tls`).
 * @example
 * new Service(handleEcho, { port: 8000, host: '127.0.0.1', maxConnections: 1000, name: 'echo' });
 */
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
  /**
   * Most connections served at once (default: no limit). At the limit no new handler
   * starts until a connection ends; clients past it wait, unread, and none is refused
   * (eventlet's `serve` concurrency). Logged once at warn each time the limit is reached.
   */
  maxConnections?: number;
}

const CORE_OPTIONS = new Set(['port', 'host', 'backlog', 'name', 'lingerTimeout', 'untilLimit', 'inputHighWaterMark', 'maxConnections', 'bytesLimit']);

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
  /** Accepted sockets waiting, paused, for a slot under `maxConnections` (oldest first). */
  readonly #waiting: net.Socket[] = [];
  /** Each parked socket's 'leave the line' listener, removed when it is admitted. */
  readonly #leaving = new Map<net.Socket, () => void>();
  /** Handler routines running; with `maxConnections` set, never more than it. */
  #active = 0;
  /** Set when the limit is reached and logged, cleared when a slot frees: one warn line per episode. */
  #atLimit = false;

  constructor(handler: ConnectionHandler, options: number | ServiceOptions) {
    const opts: ServiceOptions = typeof options === 'number' ? { port: options } : { ...options };
    if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
      throw new RangeError(`Service: port must be an integer from 0 to 65535, got ${String(opts.port)}`);
    }
    if (opts.maxConnections !== undefined && !(Number.isInteger(opts.maxConnections) && opts.maxConnections >= 1)) {
      throw new RangeError(`Service: maxConnections must be a positive integer, got ${String(opts.maxConnections)}`);
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

  /** Clients accepted by the kernel but waiting for a slot under `maxConnections`. */
  get waitingCount(): number {
    return this.#waiting.length;
  }

  /** @internal Application calls this from run(). */
  async listen(hub: Hub): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: false });
    server.on('connection', (socket) => this.#admit(hub, socket));
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

  /**
   * Node (libuv) accepts every connection the kernel completes, and offers no way to
   * leave them in the listen backlog; so at `maxConnections` a new socket is paused at
   * once and parked here instead. It reads nothing (its bytes wait in the kernel, flow
   * control pushes back on the client) and no routine runs for it until a slot frees —
   * to the client that is the same as waiting in the backlog. None is refused.
   */
  #admit(hub: Hub, socket: net.Socket): void {
    if (hub.halting) {
      socket.destroy();
      return;
    }
    const max = this.options.maxConnections;
    if (max === undefined || this.#active < max) {
      this.#accept(hub, socket);
      return;
    }
    socket.pause();
    this.#waiting.push(socket);
    // A client that gives up while waiting leaves the line (and must not crash us). Its
    // FIN shows as 'end' even while paused, once nothing it sent is left unread.
    const leave = (): void => {
      const at = this.#waiting.indexOf(socket);
      if (at !== -1) this.#waiting.splice(at, 1);
      this.#leaving.delete(socket);
      socket.destroy();
    };
    this.#leaving.set(socket, leave);
    socket.once('end', leave);
    socket.once('close', leave);
    socket.on('error', leave);
    if (!this.#atLimit) {
      this.#atLimit = true;
      hub.logger.warn(`${this.name}: maxConnections (${max}) reached; new clients wait until a connection ends`);
    }
  }

  /** A handler ended: hand its slot to the longest-waiting client. */
  #slotFreed(hub: Hub): void {
    this.#active--;
    const max = this.options.maxConnections;
    if (max === undefined) return;
    while (this.#active < max && this.#waiting.length > 0 && !hub.halting) {
      const socket = this.#waiting.shift()!;
      const leave = this.#leaving.get(socket);
      this.#leaving.delete(socket);
      if (leave !== undefined) {
        socket.off('end', leave);
        socket.off('close', leave);
        socket.off('error', leave);
      }
      if (socket.destroyed || socket.readableEnded) continue;
      this.#accept(hub, socket);
      // Paused when parked; Connection listens for 'data' but does not resume a paused
      // stream, and resuming after it is attached loses nothing (flow starts next tick).
      socket.resume();
    }
    if (this.#waiting.length === 0) this.#atLimit = false;
  }

  #accept(hub: Hub, socket: net.Socket): void {
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
    this.#active++;
    hub.spawn(routine, { connection, name: this.name, onExit: this.#exited });
  }

  /** One function for every connection's routine (not a closure each: see Connection). */
  readonly #exited = (outcome: Outcome, runner: Runner): void => {
    const connection = runner.home!;
    const { host, port } = connection.remote;
    const hub = runner.hub;
    if (outcome.ok) {
      connection.end((this.options.lingerTimeout ?? 30) * 1000);
    } else {
      const error = outcome.error;
      if (isDisconnect(error)) hub.logger.debug(`${this.name}: ${host}:${port} disconnected`);
      else hub.reportError(error, { kind: 'handler', name: this.name, remote: { host, port } });
      connection.destroy();
    }
    this.#slotFreed(hub);
  };

  /** @internal Stops accepting and destroys every open connection. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const connection of this.#connections) connection.destroy();
    this.#connections.clear();
    for (const socket of this.#waiting.splice(0)) socket.destroy();
    this.#leaving.clear();
    this.#atLimit = false;
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
