import * as tls from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { type Connection, CustomToken, type TokenContext } from '@diesel/core';
import { TlsError, TlsErrorCode } from './errors.js';

/**
 * What a finished handshake negotiated, as a handler sees it. Stored on the connection
 * (`connection.details.tls`) and read with the `tlsInfo()` token.
 * @example
 * const info: TlsInfo = yield* tlsInfo();
 * if (!info.authorized) yield 'who are you?\r\n';
 */
export interface TlsInfo {
  /** True on the side that accepted the connection. */
  readonly isServer: boolean;
  /** The protocol version, e.g. `TLSv1.3`. */
  readonly protocol: string | null;
  /** The cipher suite, e.g. `TLS_AES_256_GCM_SHA384`. */
  readonly cipher: string | null;
  /** The protocol ALPN settled on (e.g. `http/1.1`), or null if none was negotiated. */
  readonly alpnProtocol: string | null;
  /** The hostname the client asked for (SNI), or null if it sent none (e.g. when connecting to an IP address). */
  readonly servername: string | null;
  /**
   * True when the peer's certificate verified: on a client, the server's chain and
   * hostname; on a server, the client's chain (only with `requestCert`).
   */
  readonly authorized: boolean;
  /** Why the peer's certificate did not verify (e.g. `CERT_HAS_EXPIRED`), or null. */
  readonly authorizationError: string | null;
  /** The peer's certificate in Node's object form, or null if the peer sent none. */
  readonly peerCertificate: tls.PeerCertificate | null;
  /** The peer's certificate as an `X509Certificate`, or null if the peer sent none. */
  readonly peerX509Certificate: X509Certificate | null;
  /** True if this connection resumed an earlier session instead of a full handshake. */
  readonly sessionReused: boolean;
  /**
   * How ciphertext reaches OpenSSL: `native` when the engine reads the socket handle
   * itself (the fast path), `memory` when JavaScript feeds it through the in-memory BIO
   * (bytes were already buffered at a STARTTLS, or the stream is not a TCP socket).
   */
  readonly transport: TlsTransportKind;
}

/**
 * See {@link TlsInfo.transport}.
 * @example
 * const slow: TlsTransportKind = 'memory';
 */
export type TlsTransportKind = 'native' | 'memory';

/** Which path each TLS socket we built takes; recorded when it is built. */
export const socketTransports = new WeakMap<tls.TLSSocket, TlsTransportKind>();

/** Reads what the socket negotiated; `authorization` overrides Node's own for server sockets. */
export function readTlsInfo(socket: tls.TLSSocket, isServer: boolean, authorization?: { authorized: boolean; error: string | null }): TlsInfo {
  const certificate = socket.getPeerCertificate();
  const hasCertificate = certificate !== null && typeof certificate === 'object' && Object.keys(certificate).length > 0;
  const authorizationError = socket.authorizationError as unknown;
  return {
    isServer,
    protocol: socket.getProtocol(),
    cipher: socket.getCipher()?.name ?? null,
    alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
    servername: typeof (socket as { servername?: unknown }).servername === 'string' && (socket as { servername: string }).servername !== '' ? (socket as { servername: string }).servername : null,
    authorized: authorization?.authorized ?? socket.authorized,
    authorizationError: authorization !== undefined ? authorization.error : authorizationError instanceof Error ? authorizationError.message : typeof authorizationError === 'string' ? authorizationError : null,
    peerCertificate: hasCertificate ? certificate : null,
    peerX509Certificate: socket.getPeerX509Certificate() ?? null,
    sessionReused: socket.isSessionReused(),
    transport: socketTransports.get(socket) ?? 'native',
  };
}

/**
 * The TLS facts of `connection`, or null if it is not encrypted. Works for accepted
 * connections (filled in by the handshake) and for client connections made with
 * `connect(host, port, { tls })` (read from the TLS socket on first use).
 * @example
 * const info = tlsInfoOf(client.connection!);
 * console.log(info?.protocol);
 */
export function tlsInfoOf(connection: Connection): TlsInfo | null {
  const known = connection.details.tls as TlsInfo | undefined;
  if (known !== undefined) return known;
  const stream = connection.stream;
  if (stream instanceof tls.TLSSocket && stream.encrypted && !stream.destroyed && stream.getProtocol() !== null) {
    const info = readTlsInfo(stream, false);
    connection.details.tls = info;
    return info;
  }
  return null;
}

class TlsInfoToken extends CustomToken<TlsInfo> {
  start(context: TokenContext<TlsInfo>): void {
    const connection = context.connection;
    if (connection === null) {
      context.reject(new TypeError('tlsInfo(): this routine has no connection'));
      return;
    }
    const info = tlsInfoOf(connection);
    if (info === null) context.reject(new TlsError(TlsErrorCode.NOT_ENCRYPTED, 'tlsInfo(): this connection is not encrypted (yet)'));
    else context.resolve(info);
  }
}

/**
 * Suspends: no. The current connection's TLS facts: protocol, cipher, ALPN, SNI name,
 * peer certificate. Throws `TlsError` (`DIESEL_ERR_TLS_NOT_ENCRYPTED`) on a plaintext
 * connection.
 * @example
 * function* handler() {
 *   const { protocol, peerCertificate } = yield* tlsInfo();
 *   yield `hello ${peerCertificate?.subject.CN ?? 'stranger'} over ${protocol}\r\n`;
 * }
 */
export function tlsInfo(): CustomToken<TlsInfo> {
  return new TlsInfoToken();
}
