import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { type Connection, CustomToken, type TokenContext, registerHaltGoodbye } from '@diesel/core';
import { closeNotify } from './close-on-halt.js';
import { TlsError, TlsErrorCode, isTlsEngineError, toTlsError } from './errors.js';
import { MemoryBio } from './memory-bio.js';
import { TLS_ERROR_EVENT, peerVerifyError } from './node-internals.js';
import { type ClientSettings, type ServerSettings, type TlsTransport, clientConnectOptions } from './options.js';
import { type TlsInfo, readTlsInfo, socketTransports } from './tls-info.js';

/**
 * Picks the transport OpenSSL reads from. A `net.Socket` with nothing buffered goes to
 * Node's native path (the engine reads the socket handle directly, no JS per chunk).
 * Anything else — bytes already received before the upgrade, data still sitting in the
 * old stream's own buffer, or a stream that is not a TCP socket — goes through the
 * in-memory BIO, which hands those bytes to the engine first and exactly once.
 */
export function tlsTransport(old: Duplex, pending: Uint8Array, transport: TlsTransport): Duplex {
  if (transport === 'auto' && pending.length === 0 && old.readableLength === 0) return old;
  return new MemoryBio(old, pending);
}

/**
 * Engine errors reach a directly constructed TLSSocket only as an internal event (see
 * node-internals.ts): turn them into a destroy with a `TlsError`, so whoever reads the
 * socket (the Connection) sees a clear, coded cause.
 */
function surfaceEngineErrors(socket: tls.TLSSocket, isSecure: () => boolean): void {
  socket.on(TLS_ERROR_EVENT, (error: unknown) => {
    if (socket.destroyed) return;
    if (!isTlsEngineError(error)) {
      socket.destroy(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    socket.destroy(toTlsError(error, isSecure() ? 'session' : 'handshake'));
  });
}

/** Builds the server-side TLS socket over `old` (the fast path when nothing is pending). */
export function createServerSocket(old: Duplex, pending: Uint8Array, settings: ServerSettings): tls.TLSSocket {
  const options: tls.TLSSocketOptions = {
    isServer: true,
    secureContext: settings.context,
    requestCert: settings.requestCert,
    rejectUnauthorized: settings.requestCert && settings.rejectUnauthorized,
  };
  if (settings.ALPNProtocols !== undefined) options.ALPNProtocols = settings.ALPNProtocols;
  if (settings.SNICallback !== undefined) options.SNICallback = settings.SNICallback;
  const transport = tlsTransport(old, pending, settings.transport);
  const socket = new tls.TLSSocket(transport, options);
  // A TLSSocket made directly gets none of tls.Server's renegotiation limit, so a client
  // could renegotiate over and over (a CPU DoS testssl.sh reports): refuse it outright.
  // TLS 1.3 has no renegotiation; nothing diesel serves needs it in TLS 1.2.
  socket.disableRenegotiation();
  recordTransport(socket, transport);
  let secure = false;
  socket.once('secure', () => (secure = true));
  surfaceEngineErrors(socket, () => secure);
  return socket;
}

/**
 * Builds the client-side TLS socket over `old` and starts the handshake. Once the session
 * is up, a halting hub ends it with close_notify (not a bare FIN) when it closes the
 * connection — both `connect(..., { tls })` and `startTlsClient()` connections, whose
 * hub closes them on halt because a routine opened them; no routine's end would do,
 * a client connection outlives the routines that use it.
 */
export function createClientSocket(old: Duplex, pending: Uint8Array, settings: ClientSettings, host: string): tls.TLSSocket {
  const transport = tlsTransport(old, pending, settings.transport);
  const socket = tls.connect(clientConnectOptions(settings, transport, host));
  recordTransport(socket, transport);
  socket.once('secureConnect', () => registerHaltGoodbye(socket, closeNotify));
  return socket;
}

function recordTransport(socket: tls.TLSSocket, transport: Duplex): void {
  // Node hands a net.Socket's native handle to the engine; any other Duplex is fed from JS.
  socketTransports.set(socket, transport instanceof net.Socket ? 'native' : 'memory');
}

/** The outcome of the server's own check of a client certificate (tls.Server's job, done here). */
function authorizeClient(socket: tls.TLSSocket, settings: ServerSettings): { authorized: boolean; error: string | null; reject: TlsError | null } {
  if (!settings.requestCert) return { authorized: false, error: null, reject: null };
  const error = peerVerifyError(socket);
  if (error === null) return { authorized: true, error: null, reject: null };
  const code = error.code ?? 'CERT_UNTRUSTED';
  const reject = settings.rejectUnauthorized
    ? new TlsError(TlsErrorCode.CERTIFICATE, `TLS client certificate rejected (${code}): ${error.message}`, { cause: error, reason: code })
    : null;
  return { authorized: false, error: code, reject };
}

type Role = { kind: 'server'; settings: ServerSettings } | { kind: 'client'; settings: ClientSettings; host: string | undefined };

/**
 * Upgrades the routine's connection in place and waits for the handshake. The Connection
 * switches to the TLS socket at once (its unconsumed bytes go to the engine, never to a
 * token), so after this token resumes, `until`/`bytes`/writes carry plaintext over TLS.
 */
export class HandshakeToken extends CustomToken<TlsInfo> {
  readonly #role: Role;

  constructor(role: Role) {
    super();
    this.#role = role;
  }

  start(context: TokenContext<TlsInfo>): void | (() => void) {
    const connection = context.connection;
    if (connection === null) {
      context.reject(new TypeError('TLS handshake: this routine has no connection (use it inside a Service handler or a @call)'));
      return;
    }
    const role = this.#role;
    let socket: tls.TLSSocket | null = null;
    try {
      connection.replaceStream((old, pending) => {
        socket =
          role.kind === 'server'
            ? createServerSocket(old, pending, role.settings)
            : createClientSocket(old, pending, role.settings, role.host ?? connection.remote.host);
        return socket;
      });
    } catch (error) {
      context.reject(error);
      return;
    }
    const tlsSocket = socket as unknown as tls.TLSSocket;
    return awaitHandshake(context, connection, tlsSocket, role);
  }
}

function awaitHandshake(context: TokenContext<TlsInfo>, connection: Connection, socket: tls.TLSSocket, role: Role): () => void {
  const clock = context.hub.clock;
  const seconds = role.settings.handshakeTimeout;
  let settled = false;
  const cleanup = (): void => {
    settled = true;
    clock.cancel(timer);
    socket.off(role.kind === 'server' ? 'secure' : 'secureConnect', onSecure);
    socket.off('error', onError);
    socket.off('end', onClosed);
    socket.off('close', onClosed);
  };
  const fail = (error: TlsError): void => {
    if (settled) return;
    cleanup();
    // The error goes to this routine; the socket (and the TCP connection) go away now,
    // so a peer that misbehaved gets nothing more from us.
    if (!socket.destroyed) socket.destroy();
    context.reject(error);
  };
  const onSecure = (): void => {
    if (settled) return;
    let info: TlsInfo;
    if (role.kind === 'server') {
      const verdict = authorizeClient(socket, role.settings);
      if (verdict.reject !== null) return fail(verdict.reject);
      info = readTlsInfo(socket, true, verdict);
    } else {
      info = readTlsInfo(socket, false);
    }
    cleanup();
    connection.details.tls = info;
    if (role.kind === 'server') sayGoodbyeOnHalt(context, connection, socket);
    context.resolve(info);
  };
  const onError = (error: unknown): void => fail(toTlsError(error, 'handshake'));
  const onClosed = (): void => fail(new TlsError(TlsErrorCode.HANDSHAKE, 'TLS handshake failed: the peer closed the connection before the handshake finished'));
  const timer = clock.schedule(
    () => fail(new TlsError(TlsErrorCode.HANDSHAKE_TIMEOUT, `TLS handshake did not finish within ${seconds} s`, { reason: 'ERR_TLS_HANDSHAKE_TIMEOUT' })),
    seconds * 1000,
  );
  socket.once(role.kind === 'server' ? 'secure' : 'secureConnect', onSecure);
  socket.on('error', onError);
  socket.once('end', onClosed);
  socket.once('close', onClosed);
  return cleanup;
}

/**
 * A connection upgraded mid-way (`startTls`) gets close_notify on halt too, as `wrapTls`
 * gives its own in a `finally`: a token has no `finally` around the rest of the handler,
 * so the hook is the routine's end. End hooks run before the Service destroys the
 * connection, which is the moment the TLS socket can still be ended on its own. Only on
 * halt: a handler that returns has its connection ended (close_notify included) anyway.
 * Skipped if the connection has moved on to another stream since: `wrapTls`'s `finally`
 * already said goodbye, or a second upgrade replaced this socket.
 */
function sayGoodbyeOnHalt(context: TokenContext<TlsInfo>, connection: Connection, socket: tls.TLSSocket): void {
  const hub = context.hub;
  context.runner.onEnd(() => {
    if (hub.halting && connection.stream === socket) closeNotify(connection);
  });
}

function ignoreLateError(): void {}

/**
 * Runs a client handshake over a freshly connected stream, outside any routine: what
 * `connect(host, port, { tls })` uses. Resolves with the TLS socket once the server's
 * certificate and hostname have been verified.
 */
export function clientHandshake(stream: Duplex, settings: ClientSettings, host: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = createClientSocket(stream, new Uint8Array(0), settings, host);
    const done = (error: TlsError | null): void => {
      clearTimeout(timer);
      socket.off('secureConnect', onSecure);
      socket.off('error', onError);
      socket.off('end', onClosed);
      socket.off('close', onClosed);
      if (error === null) {
        // From here the Connection core builds around this socket listens for errors;
        // this guard covers the moment between our resolve and its attaching.
        socket.on('error', ignoreLateError);
        resolve(socket);
        return;
      }
      if (!socket.destroyed) socket.destroy();
      reject(error);
    };
    const onSecure = (): void => done(null);
    const onError = (error: unknown): void => done(toTlsError(error, 'handshake'));
    const onClosed = (): void => done(new TlsError(TlsErrorCode.HANDSHAKE, 'TLS handshake failed: the server closed the connection before the handshake finished'));
    const timer = setTimeout(
      () => done(new TlsError(TlsErrorCode.HANDSHAKE_TIMEOUT, `TLS handshake did not finish within ${settings.handshakeTimeout} s`, { reason: 'ERR_TLS_HANDSHAKE_TIMEOUT' })),
      settings.handshakeTimeout * 1000,
    );
    socket.once('secureConnect', onSecure);
    socket.on('error', onError);
    socket.once('end', onClosed);
    socket.once('close', onClosed);
  });
}
