import * as net from 'node:net';
import {
  type Connection,
  ConnectionClosed,
  type DieselLogger,
  type RemoteAddress,
  type Routine,
  connect,
  on,
  receive,
  spawn,
  thisConnection,
} from '@diesel/core';
import { formatAddress } from './address.js';
import { ForwarderError } from './errors.js';
import { type CloseReason, type Direction, type ForwardEvent, formatEvent } from './events.js';

/**
 * Where a forwarder connects.
 * @example
 * const plain: ForwardTarget = { host: '127.0.0.1', port: 8000 };
 * const secure: ForwardTarget = { host: 'example.com', port: 443, tls: { servername: 'example.com' } };
 */
export interface ForwardTarget {
  host: string;
  port: number;
  /**
   * Speak TLS to the target: the value is passed as `connect`'s `tls` option, which
   * `@diesel/tls` provides (import it first). Absent: plain TCP.
   */
  tls?: unknown;
}

/**
 * Where `forwarder()` reports connections: a callback, or a logger (core's `DieselLogger`,
 * `@diesel/log`'s `Logger`), which gets one line per event at info level.
 * @example
 * const log: ForwardLog = new Logger({ verbosity: LOGLVL_INFO }).getSublogger('forward');
 * forwarder(target, { log });
 */
export type ForwardLog = ((event: ForwardEvent) => void) | DieselLogger;

/**
 * What `forwarder(target, options)` takes; all optional.
 * @example
 * forwarder({ host: '127.0.0.1', port: 6379 }, { log: (event) => console.log(formatEvent(event)), connectTimeout: 3 });
 */
export interface ForwarderOptions {
  /** Told when a connection opens and closes (and, with `hexdump`, of every chunk). Default: nothing is logged. */
  log?: ForwardLog;
  /** Report every chunk as a `data` event (a logger gets it as a hexdump at info level): the logging-proxy mode. Default false. */
  hexdump?: boolean;
  /** Largest chunk read from one side before it is written to the other, in bytes (default 256 KiB). */
  chunkSize?: number;
  /** Seconds to wait for the target to accept (default 10); then the client is closed, reason `refused`. */
  connectTimeout?: number;
  /**
   * How many bytes from the target may wait unconsumed before reading from it pauses
   * (default 256 KiB). The client side's equivalent is the Service's `inputHighWaterMark`.
   */
  targetHighWaterMark?: number;
}

/**
 * Default `chunkSize`: 256 KiB.
 * @example
 * forwarder(target, { chunkSize: DEFAULT_CHUNK_SIZE * 4 });
 */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
/**
 * Default `connectTimeout`: 10 seconds.
 * @example
 * forwarder(target, { connectTimeout: DEFAULT_CONNECT_TIMEOUT / 2 });
 */
export const DEFAULT_CONNECT_TIMEOUT = 10;
/**
 * Default `targetHighWaterMark`: 256 KiB unconsumed from the target before reading from
 * it pauses (so a slow client slows the target down, not the proxy's memory up).
 * @example
 * forwarder(target, { targetHighWaterMark: DEFAULT_TARGET_HIGH_WATER_MARK * 4 });
 */
export const DEFAULT_TARGET_HIGH_WATER_MARK = 256 * 1024;

let connections = 0;

/** What the two copy directions of one forwarded connection share. */
interface Session {
  readonly id: number;
  readonly chunkSize: number;
  readonly emit: ((event: ForwardEvent) => void) | null;
  readonly dump: boolean;
  bytesUp: number;
  bytesDown: number;
  /** Set by the first direction that fails; the other then stops quietly. */
  failure: Error | null;
}

/**
 * A connection handler for `Service` that forwards each accepted connection to
 * `target`: it connects there, then copies bytes both ways — big `receive()` chunks,
 * each written with backpressure — until both sides have closed. A FIN from one side is
 * passed on (after everything before it was delivered) while the other direction keeps
 * running; a reset or error on either side closes both; a target that cannot be reached
 * closes the client. Each connection is reported to `options.log`.
 *
 * Suspends: the handler it returns runs as long as the forwarded connection.
 * @example
 * import { Application, Service } from '@diesel/core';
 * import { forwarder, formatEvent } from '@diesel/forwarder';
 * const app = new Application();
 * app.addService(new Service(forwarder({ host: 'example.com', port: 80 }, {
 *   log: (event) => console.log(formatEvent(event)),
 * }), 8080));
 * await app.run();
 */
export function forwarder(target: ForwardTarget, options: ForwarderOptions = {}): (remote: RemoteAddress) => Routine<void> {
  if (typeof target?.host !== 'string' || target.host === '' || !Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw new ForwarderError('DIESEL_ERR_FORWARDER_BAD_ADDRESS', `forwarder: target must be { host, port } with a port from 1 to 65535, got ${JSON.stringify(target)}`);
  }
  const chunkSize = positive(options.chunkSize, DEFAULT_CHUNK_SIZE, 'chunkSize');
  const timeout = positive(options.connectTimeout, DEFAULT_CONNECT_TIMEOUT, 'connectTimeout');
  const highWaterMark = positive(options.targetHighWaterMark, DEFAULT_TARGET_HIGH_WATER_MARK, 'targetHighWaterMark');
  const emit = toEmitter(options.log);
  const dump = options.hexdump === true && emit !== null;
  const where = { host: target.host, port: target.port };
  const connectOptions: Record<string, unknown> = { timeout, inputHighWaterMark: highWaterMark };
  if (target.tls !== undefined) connectOptions.tls = target.tls;

  return function* forward(remote: RemoteAddress): Routine<void> {
    const id = ++connections;
    const started = performance.now();
    const session: Session = { id, chunkSize, emit, dump, bytesUp: 0, bytesDown: 0, failure: null };
    const client = yield* thisConnection();
    let reason: CloseReason = 'halted';
    let error: Error | undefined;
    const report = (): void => {
      emit?.({ type: 'close', id, client: remote, target: where, reason, bytesUp: session.bytesUp, bytesDown: session.bytesDown, seconds: (performance.now() - started) / 1000, ...(error === undefined ? {} : { error }) });
    };
    let upstream: Connection | null = null;
    try {
      try {
        upstream = yield* connect(target.host, target.port, connectOptions);
      } catch (cause) {
        reason = 'refused';
        error = new ForwarderError('DIESEL_ERR_FORWARDER_TARGET_UNREACHABLE', `cannot reach ${formatAddress(where)}: ${rootCause(cause)}`, { cause });
        // Returning ends the handler normally, so the Service closes the client with a FIN.
        return;
      }
      emit?.({ type: 'open', id, client: remote, target: where });
      // target → client runs beside us as a child task, so it cannot outlive this
      // handler (a halt, a failure here); client → target runs here.
      const down = yield* spawn(copyDirection, upstream, client, 'down' as Direction, session);
      yield* copyDirection(client, upstream, 'up', session);
      yield* down.join();
      reason = session.failure === null ? 'closed' : 'reset';
      if (session.failure !== null) error = session.failure;
    } finally {
      // Clean end: both write halves are already ended; end() lets the FINs cross and
      // destroys a socket whose peer never answers. Otherwise (reset, halt): drop both now.
      // (Refused: there is no upstream, and the Service ends the client.)
      if (upstream !== null) {
        if (reason === 'closed') upstream.end();
        else {
          abort(upstream);
          abort(client);
        }
      }
      report();
    }
  };
}

/**
 * Copies `src` to `dst` until `src` sends FIN (then ends `dst`'s write half) or either
 * side fails (then closes both, once, and records the failure for the other direction).
 */
function* copyDirection(src: Connection, dst: Connection, direction: Direction, session: Session): Routine<void> {
  try {
    yield* on(src, pump(src, dst, direction, session));
  } catch (error) {
    if (session.failure === null) {
      session.failure = error instanceof Error ? error : new Error(String(error));
      abort(src);
      abort(dst);
    }
  }
}

/** Runs with `src` as the current connection, so its `receive()` needs no `on()`. */
function* pump(src: Connection, dst: Connection, direction: Direction, session: Session): Routine<void> {
  const max = session.chunkSize;
  const up = direction === 'up';
  for (;;) {
    let chunk: Buffer;
    try {
      chunk = yield* receive(max);
    } catch (error) {
      // FIN: pass it on. ConnectionClosed after a FIN can also mean the other direction
      // failed and destroyed everything; then `failure` is already set.
      if (error instanceof ConnectionClosed && src.peerEnded && session.failure === null) {
        const stream = dst.stream;
        if (!stream.destroyed && !stream.writableEnded) stream.end();
        return;
      }
      throw error;
    }
    const offset = up ? session.bytesUp : session.bytesDown;
    if (up) session.bytesUp += chunk.length;
    else session.bytesDown += chunk.length;
    if (session.dump) session.emit!({ type: 'data', id: session.id, direction, data: chunk, offset });
    yield* on(dst, chunk);
  }
}

/** Closes at once; a TCP socket is reset (RST) so a peer mid-transfer learns the stream broke. */
function abort(connection: Connection): void {
  const stream = connection.stream;
  if (stream.destroyed) return;
  if (stream instanceof net.Socket) stream.resetAndDestroy();
  else connection.destroy();
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`forwarder: ${name} must be a positive number, got ${String(value)}`);
  return value;
}

function toEmitter(log: ForwardLog | undefined): ((event: ForwardEvent) => void) | null {
  if (log === undefined) return null;
  if (typeof log === 'function') return log;
  return (event) => {
    const line = formatEvent(event);
    if (event.type === 'close' && event.reason !== 'closed' && event.reason !== 'halted') log.warn(line);
    else if (event.type === 'open') log.debug(line);
    else log.info(line);
  };
}

/**
 * Why a connect failed, said once: core's `ConnectError` already repeats the address
 * (`cannot connect to …: connect ECONNREFUSED …`), so the innermost cause's errno code
 * (`ECONNREFUSED`) is enough, or its message when it has none (a TLS failure).
 */
function rootCause(cause: unknown): string {
  let inner = cause;
  while (inner instanceof Error && inner.cause !== undefined) inner = inner.cause;
  const code = (inner as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
  return inner instanceof Error ? inner.message : String(inner);
}
