import { createHash } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { TlsError, TlsErrorCode } from './errors.js';

/**
 * PEM text, as a string or bytes, or several of them (a chain, a CA bundle).
 * @example
 * const ca: Pem = [readFileSync('root.pem'), readFileSync('intermediate.pem')];
 */
export type Pem = string | Buffer | Array<string | Buffer>;

/**
 * The oldest protocol diesel negotiates unless told otherwise (RFC 8996 retired TLS 1.0 and 1.1).
 * @example
 * new Service(handler, { port: 8443, tls: { key, cert, minVersion: DEFAULT_MIN_TLS_VERSION } });
 */
export const DEFAULT_MIN_TLS_VERSION: tls.SecureVersion = 'TLSv1.2';

/**
 * Seconds a handshake may take before the connection fails with `DIESEL_ERR_TLS_HANDSHAKE_TIMEOUT`.
 * @example
 * wrapTls(handler, { key, cert, handshakeTimeout: DEFAULT_HANDSHAKE_TIMEOUT / 3 });
 */
export const DEFAULT_HANDSHAKE_TIMEOUT = 30;

/**
 * A forward-secret, AEAD-only cipher list: the TLS 1.3 suites, then TLS 1.2 with ECDHE
 * key exchange and AES-GCM or ChaCha20-Poly1305 only (no CBC, no static-RSA key
 * exchange, no SHA-1 MACs — which Node's default list still offers for old clients).
 * Pass it as `ciphers`, or say `ciphers: 'modern'`. Clients older than about 2014
 * (no ECDHE with GCM) cannot connect with it.
 * @example
 * wrapTls(handler, { key, cert, ciphers: MODERN_CIPHERS });
 */
export const MODERN_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** An OpenSSL cipher list; `'modern'` stands for {@link MODERN_CIPHERS}. */
function cipherList(ciphers: string | undefined): string | undefined {
  return ciphers === 'modern' ? MODERN_CIPHERS : ciphers;
}

/**
 * How ciphertext reaches OpenSSL. `auto` (the default) hands a plain TCP socket's native
 * handle to Node's TLS engine when nothing is buffered yet (the fast path) and goes
 * through the in-memory BIO otherwise; `memory` always uses the in-memory BIO (for
 * tests and benchmarks of that path).
 * @example
 * new Service(handler, { port: 8443, tls: { key, cert, transport: 'memory' } });
 */
export type TlsTransport = 'auto' | 'memory';

/**
 * A certificate and key served to clients that ask for one hostname (SNI).
 * @example
 * const tls: TlsServerOptions = { key, cert, sni: { 'api.example': { key: apiKey, cert: apiCert } } };
 */
export interface TlsIdentity {
  key: Pem;
  cert: Pem;
  passphrase?: string;
}

/**
 * Server-side TLS options: for `wrapTls`, `startTls` and `new Service(h, { tls })`.
 * @example
 * const { key, cert } = devCertificate({ hosts: ['localhost'] });
 * new Service(handleEcho, { port: 8443, tls: { key, cert } });
 */
export interface TlsServerOptions extends TlsIdentity {
  /** CAs that client certificates must chain to (with `requestCert`). */
  ca?: Pem;
  /** Ask the client for a certificate (mutual TLS). Default false. */
  requestCert?: boolean;
  /** With `requestCert`: refuse clients whose certificate is missing or does not verify against `ca`. Default true. */
  rejectUnauthorized?: boolean;
  /** Protocols offered for ALPN, most preferred first (e.g. `['h2', 'http/1.1']`). */
  ALPNProtocols?: string[];
  /** Other identities, chosen by the hostname the client sends (SNI); the top-level key/cert serve everyone else. */
  sni?: Record<string, TlsIdentity>;
  /** Lowest protocol version accepted (default `TLSv1.2`). */
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher list (default: Node's); `'modern'` for {@link MODERN_CIPHERS} (forward-secret, AEAD only). */
  ciphers?: string;
  /** Seconds the handshake may take (default 30). */
  handshakeTimeout?: number;
  /** 48 bytes of session-ticket keys, to share resumption between processes (default: random per options object). */
  ticketKeys?: Buffer;
  /** Seconds a session (ticket) stays resumable (default: Node's, 300). */
  sessionTimeout?: number;
  /** See {@link TlsTransport}; default `auto`. */
  transport?: TlsTransport;
}

/**
 * Client-side TLS options: for `connect(host, port, { tls })`, `client.connect(...)` and
 * `startTlsClient`. The server's certificate and hostname are verified by default.
 * @example
 * const conn = yield* connect('localhost', 8443, { tls: { ca } });
 */
export interface TlsClientOptions {
  /** CAs the server certificate must chain to (default: Node's bundled roots). */
  ca?: Pem;
  /** Our certificate and key, for servers that ask (mutual TLS). */
  cert?: Pem;
  key?: Pem;
  passphrase?: string;
  /** Hostname sent for SNI and checked against the certificate (default: the host connected to). */
  servername?: string;
  /** Refuse a server whose certificate does not verify or does not match the hostname. Default true; set false only for tests against throwaway servers. */
  rejectUnauthorized?: boolean;
  /** Protocols offered for ALPN, most preferred first. */
  ALPNProtocols?: string[];
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
  /** A session from an earlier connection (`tlsSocket.getSession()` / the `session` event), to resume it. */
  session?: Buffer;
  /** Replaces the hostname check (default `tls.checkServerIdentity`). */
  checkServerIdentity?: (hostname: string, cert: tls.PeerCertificate) => Error | undefined;
  /** Seconds the handshake may take (default 30). */
  handshakeTimeout?: number;
  /** See {@link TlsTransport}; default `auto`. */
  transport?: TlsTransport;
}

/** What a server handshake needs, resolved once per options object. */
export interface ServerSettings {
  readonly context: tls.SecureContext;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  readonly ALPNProtocols: string[] | undefined;
  readonly SNICallback: ((servername: string, callback: (error: Error | null, context?: tls.SecureContext) => void) => void) | undefined;
  readonly handshakeTimeout: number;
  readonly transport: TlsTransport;
}

/** What a client handshake needs, resolved once per options object. */
export interface ClientSettings {
  readonly options: TlsClientOptions;
  readonly context: tls.SecureContext;
  readonly handshakeTimeout: number;
  readonly transport: TlsTransport;
}

function secureContext(what: string, options: tls.SecureContextOptions): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (error) {
    throw new TlsError(TlsErrorCode.OPTIONS, `${what}: cannot use these TLS options: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      reason: (error as { code?: string }).code ?? null,
    });
  }
}

function checkTimeout(what: string, seconds: number | undefined): number {
  const value = seconds ?? DEFAULT_HANDSHAKE_TIMEOUT;
  if (typeof value !== 'number' || !(value > 0)) throw new TlsError(TlsErrorCode.OPTIONS, `${what}: handshakeTimeout must be a positive number of seconds, got ${String(value)}`);
  return value;
}

// Building a SecureContext parses keys and CA bundles and costs a few milliseconds, more
// than a handshake: build one per options object and reuse it for every connection.
const serverCache = new WeakMap<TlsServerOptions, ServerSettings>();
const clientCache = new WeakMap<TlsClientOptions, ClientSettings>();

/** Resolves server options into a reusable SecureContext and handshake settings. */
export function serverSettings(options: TlsServerOptions, what = 'wrapTls'): ServerSettings {
  const cached = serverCache.get(options);
  if (cached !== undefined) return cached;
  if (options === null || typeof options !== 'object') throw new TlsError(TlsErrorCode.OPTIONS, `${what}: TLS options must be an object with key and cert`);
  if (options.key === undefined || options.cert === undefined) throw new TlsError(TlsErrorCode.OPTIONS, `${what}: TLS server options need both key and cert (devCertificate() makes a pair for development)`);
  const base = {
    minVersion: options.minVersion ?? DEFAULT_MIN_TLS_VERSION,
    maxVersion: options.maxVersion,
    ciphers: cipherList(options.ciphers),
    ca: options.ca,
    // Session resumption (tickets) only works between connections that share a context id.
    sessionIdContext: createHash('sha256').update(String(options.cert)).digest('hex').slice(0, 32),
    ticketKeys: options.ticketKeys,
    sessionTimeout: options.sessionTimeout,
  };
  const context = secureContext(what, { ...base, key: options.key, cert: options.cert, passphrase: options.passphrase });
  let SNICallback: ServerSettings['SNICallback'];
  if (options.sni !== undefined) {
    const byName = new Map<string, tls.SecureContext>();
    for (const [name, identity] of Object.entries(options.sni)) {
      byName.set(name.toLowerCase(), secureContext(`${what} (sni ${name})`, { ...base, key: identity.key, cert: identity.cert, passphrase: identity.passphrase }));
    }
    SNICallback = (servername, callback) => callback(null, byName.get(servername.toLowerCase()) ?? context);
  }
  const settings: ServerSettings = {
    context,
    requestCert: options.requestCert === true,
    rejectUnauthorized: options.rejectUnauthorized !== false,
    ALPNProtocols: options.ALPNProtocols,
    SNICallback,
    handshakeTimeout: checkTimeout(what, options.handshakeTimeout),
    transport: options.transport ?? 'auto',
  };
  serverCache.set(options, settings);
  return settings;
}

/** Resolves client options into a reusable SecureContext. */
export function clientSettings(options: TlsClientOptions, what = 'connect'): ClientSettings {
  const cached = clientCache.get(options);
  if (cached !== undefined) return cached;
  if (options === null || typeof options !== 'object') throw new TlsError(TlsErrorCode.OPTIONS, `${what}: TLS options must be an object (or true for the defaults)`);
  const context = secureContext(what, {
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    passphrase: options.passphrase,
    minVersion: options.minVersion ?? DEFAULT_MIN_TLS_VERSION,
    maxVersion: options.maxVersion,
    ciphers: cipherList(options.ciphers),
  });
  const settings: ClientSettings = {
    options,
    context,
    handshakeTimeout: checkTimeout(what, options.handshakeTimeout),
    transport: options.transport ?? 'auto',
  };
  clientCache.set(options, settings);
  return settings;
}

/** The `tls.connect` options for one client handshake over `socket`. */
export function clientConnectOptions(settings: ClientSettings, socket: import('node:stream').Duplex, host: string): tls.ConnectionOptions {
  const options = settings.options;
  const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
  const connectOptions: tls.ConnectionOptions = {
    socket,
    host: options.servername ?? host,
    secureContext: settings.context,
    rejectUnauthorized: options.rejectUnauthorized !== false,
    minVersion: options.minVersion ?? DEFAULT_MIN_TLS_VERSION,
  };
  // tls.connect spreads these over its defaults, so an explicit `undefined` would erase
  // a default (checkServerIdentity!): only set what was given.
  if (servername !== undefined) connectOptions.servername = servername;
  if (options.ALPNProtocols !== undefined) connectOptions.ALPNProtocols = options.ALPNProtocols;
  if (options.session !== undefined) connectOptions.session = options.session;
  if (options.checkServerIdentity !== undefined) connectOptions.checkServerIdentity = options.checkServerIdentity;
  return connectOptions;
}
