import { CustomToken } from '@diesel/core';
import { HandshakeToken } from './handshake.js';
import { type TlsClientOptions, type TlsServerOptions, clientSettings, serverSettings } from './options.js';
import type { TlsInfo } from './tls-info.js';

/**
 * Suspends: yes, until the TLS handshake has finished (or failed). Upgrades the current
 * connection in place to TLS, as the server (STARTTLS in SMTP, IMAP, XMPP...): after it
 * resumes, every socket token and write on this connection is encrypted. Bytes the peer
 * sent right behind its STARTTLS command, already buffered, go to the TLS engine exactly
 * once. Returns what was negotiated. Throws `TlsError` (handshake failure, timeout,
 * rejected client certificate) into this routine only; the connection is then closed.
 * When the application halts while this routine is still running, the session ends with
 * a close_notify alert before the FIN, as `wrapTls` sessions do.
 *
 * Options objects are cached (one SecureContext each), so define them once, not per call.
 * @example
 * const tlsOptions = devCertificate({ hosts: ['localhost'] });
 * function* smtp() {
 *   yield '220 ready\r\n';
 *   yield* until('STARTTLS\r\n');
 *   yield '220 go ahead\r\n';
 *   yield* startTls(tlsOptions);
 *   const line = yield* until('\r\n');   // read over TLS now
 * }
 */
export function startTls(options: TlsServerOptions): CustomToken<TlsInfo> {
  return new HandshakeToken({ kind: 'server', settings: serverSettings(options, 'startTls') });
}

/**
 * Suspends: yes, until the handshake has finished. The client side of STARTTLS: upgrades
 * the current connection (a `@call` method's client connection, say) to TLS as the
 * client. The server's certificate is verified against `ca`, and its name against
 * `servername` (default: the peer's address). Throws `TlsError` on failure. When the
 * application halts, the session ends with a close_notify alert before the FIN (for a
 * connection the hub closes on halt: one opened with `connect()` or `Client.connect()`).
 * @example
 * ```ts
 * class SmtpClient extends Client {
 *   @call *secure(ca: string) {
 *     yield 'STARTTLS\r\n';
 *     yield* until('\r\n');
 *     return yield* startTlsClient({ ca, servername: 'mail.example' });
 *   }
 * }
 * ```
 */
export function startTlsClient(options: TlsClientOptions = {}): CustomToken<TlsInfo> {
  return new HandshakeToken({ kind: 'client', settings: clientSettings(options, 'startTlsClient'), host: options.servername });
}
