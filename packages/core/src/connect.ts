import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { Connection, type ConnectionLimits } from './connection.js';
import { ConnectError } from './errors.js';
import { connectLayer, providerHint } from './extensions.js';
import { CallToken, type CallTarget, CustomToken, isRoutine, yieldOnce, type Routine, type TokenContext } from './hub.js';
import type { Token } from './tokens.js';

/**
 * The third argument of `connect()` and `client.connect()`; all optional. Packages add
 * their own (`tls` from `@diesel/tls`).
 * @example
 * const upstream = yield* connect('localhost', 8000, { timeout: 5, untilLimit: 1024 * 1024 });
 */
export interface ConnectOptions extends ConnectionLimits {
  /** Seconds to wait for the TCP (and any layer's) handshake (default 30). */
  timeout?: number;
  /** Disable Nagle's algorithm (default true: diesel protocols are request/response). */
  noDelay?: boolean;
}

const CORE_CONNECT_OPTIONS = new Set(['timeout', 'noDelay', 'untilLimit', 'inputHighWaterMark', 'bytesLimit']);

/**
 * The token `connect()` returns: resolves to an open `Connection`. Unknown options are a
 * `TypeError` at once (naming the package that provides them, such as `tls`).
 * @example
 * const token: ConnectToken = connect('localhost', 8000, { timeout: 5 });
 * const upstream = yield* token;
 */
export class ConnectToken extends CustomToken<Connection> {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly options: ConnectOptions = {},
  ) {
    super();
    for (const key of Object.keys(options)) {
      if (!CORE_CONNECT_OPTIONS.has(key) && connectLayer(key) === undefined) {
        throw new TypeError(`connect: unknown option '${key}'${providerHint(key)}`);
      }
    }
  }

  start(context: TokenContext<Connection>): () => void {
    const { host, port, options } = this;
    const where = `${host}:${port}`;
    const socket = net.connect({ host, port, noDelay: options.noDelay ?? true, allowHalfOpen: true });
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      context.reject(error instanceof ConnectError ? error : new ConnectError(where, error));
    };
    const timer = setTimeout(() => fail(new Error(`timed out after ${options.timeout ?? 30} s`)), (options.timeout ?? 30) * 1000);
    socket.once('error', fail);
    socket.once('connect', () => {
      void (async () => {
        let stream: Duplex = socket;
        for (const [key, value] of Object.entries(options)) {
          const layer = connectLayer(key);
          if (layer !== undefined && value !== undefined) stream = await layer(stream, value, { host, port });
        }
        return stream;
      })().then((stream) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.off('error', fail);
        const remote = { host: socket.remoteAddress ?? host, port: socket.remotePort ?? port, family: socket.remoteFamily ?? 'unknown' };
        const connection = new Connection(stream, remote, options);
        context.hub.track(connection);
        context.resolve(connection);
      }, fail);
    });
    return () => fail(new Error('cancelled'));
  }
}

/**
 * Suspends: until a TCP connection (and any layer such as TLS) is up; returns it. A
 * refused or timed-out connect is thrown into the routine as `ConnectError`.
 * @example
 * const upstream = yield* connect('localhost', 8000);
 * yield* on(upstream, 'hello\r\n');
 */
export function connect(host: string, port: number, options?: ConnectOptions): ConnectToken {
  return new ConnectToken(host, port, options);
}

class Bound implements CallTarget {
  constructor(readonly connection: Connection) {}
  acquire(): boolean {
    return true;
  }
  release(): void {}
}

/**
 * Runs one token, write or routine against another connection than the current one —
 * how a proxy reads one socket and writes another. No lock is taken (unlike `@call`).
 * Suspends: as the wrapped operation does.
 * @example
 * const chunk = yield* on(downstream, receive());
 * yield* on(upstream, chunk);
 */
export function on<T>(connection: Connection, operation: Token<T> | Routine<T>): CallToken<T>;
export function on(connection: Connection, operation: string | Uint8Array): CallToken<undefined>;
export function on(connection: Connection, operation: Token<unknown> | Routine | string | Uint8Array): CallToken<unknown> {
  const routine = isRoutine(operation) ? operation : yieldOnce(operation);
  return new CallToken(new Bound(connection), routine, 'on');
}



class ThisConnectionToken extends CustomToken<Connection> {
  start(context: TokenContext<Connection>): void {
    if (context.connection === null) context.reject(new TypeError('thisConnection(): this routine has no connection'));
    else context.resolve(context.connection);
  }
}

/**
 * Suspends: no. The connection the current routine's socket tokens act on.
 * @example
 * const conn = yield* thisConnection();
 */
export function thisConnection(): CustomToken<Connection> {
  return new ThisConnectionToken();
}
