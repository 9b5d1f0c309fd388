/**
 * @diesel/tls — TLS for any diesel connection. Importing this package registers the
 * `tls` option of `Service` and `connect` with core.
 */
import './register.js';

export { devCertificate, DEFAULT_DEV_CERTIFICATE_DAYS, DEFAULT_DEV_KEY_BITS, type DevCertificate, type DevCertificateOptions } from './dev-certificate.js';
export { TlsError, TlsErrorCode, type TlsErrorCodeName } from './errors.js';
export { MemoryBio } from './memory-bio.js';
export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_MIN_TLS_VERSION,
  MODERN_CIPHERS,
  type Pem,
  type TlsClientOptions,
  type TlsIdentity,
  type TlsServerOptions,
  type TlsTransport,
} from './options.js';
export { startTls, startTlsClient } from './start-tls.js';
export { tlsInfo, tlsInfoOf, type TlsInfo, type TlsTransportKind } from './tls-info.js';
export { wrapTls } from './wrap-tls.js';
