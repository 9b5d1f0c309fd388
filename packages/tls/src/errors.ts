import { DieselError } from '@diesel/core';

/**
 * The stable codes a {@link TlsError} carries. Branch on `error.code`, never on the
 * message (the message quotes OpenSSL, whose wording changes between versions).
 * @example
 * if (error instanceof TlsError && error.code === TlsErrorCode.HANDSHAKE_TIMEOUT) retryLater();
 */
export const TlsErrorCode = {
  /** The handshake failed: the peer spoke something other than TLS (plaintext to a TLS port), offered no common protocol version or cipher, or closed the connection half-way. */
  HANDSHAKE: 'DIESEL_ERR_TLS_HANDSHAKE',
  /** The handshake did not finish within `handshakeTimeout` seconds (a truncated or stalled handshake). */
  HANDSHAKE_TIMEOUT: 'DIESEL_ERR_TLS_HANDSHAKE_TIMEOUT',
  /** The peer's certificate was rejected: untrusted, expired, not yet valid, issued for another hostname, or missing when one is required. `reason` holds the precise cause. */
  CERTIFICATE: 'DIESEL_ERR_TLS_CERTIFICATE',
  /** A TLS record failed after the handshake (garbage or tampered bytes mid-session, a bad alert): the connection is unusable. */
  PROTOCOL: 'DIESEL_ERR_TLS_PROTOCOL',
  /** `tlsInfo()` on a connection that is not (yet) encrypted. */
  NOT_ENCRYPTED: 'DIESEL_ERR_TLS_NOT_ENCRYPTED',
  /** Options that cannot work (a missing key or certificate, a PEM that does not parse). */
  OPTIONS: 'DIESEL_ERR_TLS_OPTIONS',
} as const;

/**
 * One of the values of {@link TlsErrorCode}.
 * @example
 * const code: TlsErrorCodeName = 'DIESEL_ERR_TLS_CERTIFICATE';
 */
export type TlsErrorCodeName = (typeof TlsErrorCode)[keyof typeof TlsErrorCode];

/**
 * The one error class of `@diesel/tls`. It is thrown into the routine whose connection
 * failed, and only that routine: the service goes on serving everyone else.
 * @example
 * try {
 *   yield* startTls(options);
 * } catch (error) {
 *   if (error instanceof TlsError && error.code === TlsErrorCode.CERTIFICATE) console.log(error.reason);
 *   throw error;
 * }
 */
export class TlsError extends DieselError {
  declare readonly code: TlsErrorCodeName;
  /**
   * The precise low-level cause when there is one: Node's or OpenSSL's code, such as
   * `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, `ERR_SSL_HTTP_REQUEST`.
   */
  readonly reason: string | null;

  constructor(code: TlsErrorCodeName, message: string, options: { cause?: unknown; reason?: string | null } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason ?? null;
  }
}

/** Node's certificate-verification codes (from `X509_V_ERR_*` and `tls.checkServerIdentity`). */
const CERTIFICATE_REASONS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
]);

/**
 * True for a certificate failure. OpenSSL 3.5 (Node 22 and 24) names the TLS alerts
 * `ssl/tls alert …` where 3.0 (Node 20) says `sslv3 alert …`, so Node's codes read
 * `ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE` there: both spellings are one reason.
 */
function isCertificateReason(code: string): boolean {
  return CERTIFICATE_REASONS.has(code) || (code.startsWith('ERR_SSL_SSL/TLS_ALERT_') && CERTIFICATE_REASONS.has(`ERR_SSL_SSLV3_ALERT_${code.slice('ERR_SSL_SSL/TLS_ALERT_'.length)}`));
}

function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // OpenSSL messages look like "8020...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/...:354:";
  // the human part is the field after the function name.
  const openssl = /:SSL routines:[^:]*:([^:]+):/.exec(error.message);
  return openssl?.[1] ?? error.message;
}

/** True for errors raised by the TLS engine itself (as opposed to the transport under it). */
export function isTlsEngineError(error: unknown): boolean {
  if (error instanceof TlsError) return true;
  const code = codeOf(error);
  if (code === null) return false;
  return code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || isCertificateReason(code);
}

/**
 * Turns what Node's TLS layer emitted into a `TlsError` with a stable code, keeping the
 * original as `cause` and its code as `reason`. `phase` says whether the handshake had
 * finished, which decides between HANDSHAKE and PROTOCOL.
 */
export function toTlsError(error: unknown, phase: 'handshake' | 'session'): TlsError {
  if (error instanceof TlsError) return error;
  const reason = codeOf(error);
  const detail = messageOf(error);
  if (reason === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
    return new TlsError(TlsErrorCode.HANDSHAKE_TIMEOUT, 'TLS handshake timed out', { cause: error, reason });
  }
  if (reason !== null && isCertificateReason(reason)) {
    return new TlsError(TlsErrorCode.CERTIFICATE, `TLS peer certificate rejected (${reason}): ${detail}`, { cause: error, reason });
  }
  if (phase === 'handshake') {
    const hint = reason === 'ERR_SSL_HTTP_REQUEST' || reason === 'ERR_SSL_WRONG_VERSION_NUMBER' ? ' (is the peer speaking plaintext to a TLS port?)' : '';
    return new TlsError(TlsErrorCode.HANDSHAKE, `TLS handshake failed: ${detail}${hint}`, { cause: error, reason });
  }
  return new TlsError(TlsErrorCode.PROTOCOL, `TLS session failed: ${detail}`, { cause: error, reason });
}
