/**
 * The two places where `@diesel/tls` reaches past Node's documented TLS API, gathered
 * here so they are easy to audit and to replace. Both exist, unchanged, from Node 12
 * through 24, and popular servers (SMTP servers doing STARTTLS) rely on them too.
 *
 * Why they are needed: a `tls.TLSSocket` constructed directly with `isServer: true` (the
 * only way to upgrade a connection that is already open, and the only way to get the
 * TLS socket synchronously so the connection can switch to it) does not get the extra
 * treatment `tls.Server` gives the sockets it makes:
 *
 * 1. It never checks a client certificate: OpenSSL's verify callback in Node always
 *    continues, and `tls.Server` reads the result afterwards from the engine's
 *    `verifyError()`. We do the same.
 * 2. Errors raised by the engine are re-emitted only as the internal `_tlsError` event
 *    until `tls.Server` "releases control" of the socket. We listen for that event and
 *    destroy the socket with a `TlsError`, so a bad record mid-session closes the
 *    connection with a clear cause instead of leaving it hanging.
 */
import type tls from 'node:tls';

/** The event Node's TLSSocket emits for engine errors before a `tls.Server` takes it over. */
export const TLS_ERROR_EVENT = '_tlsError';

interface EngineHandle {
  verifyError?: () => (Error & { code?: string }) | null | undefined;
}

/**
 * The result of verifying the peer's certificate chain against the context's CAs:
 * null when it verified, the error (with an OpenSSL code such as `CERT_HAS_EXPIRED`)
 * otherwise. Fails closed: if the engine cannot tell, the peer counts as unverified.
 */
export function peerVerifyError(socket: tls.TLSSocket): (Error & { code?: string }) | null {
  const engine = (socket as unknown as { ssl?: EngineHandle | null }).ssl;
  if (engine == null || typeof engine.verifyError !== 'function') {
    const error: Error & { code?: string } = new Error('cannot read the certificate verification result from this Node version');
    error.code = 'CERT_UNTRUSTED';
    return error;
  }
  return engine.verifyError() ?? null;
}
