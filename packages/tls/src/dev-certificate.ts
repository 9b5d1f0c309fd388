import { type KeyObject, constants, createPrivateKey, generateKeyPairSync, privateEncrypt, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import forge from 'node-forge';
import { TlsError, TlsErrorCode } from './errors.js';

/**
 * Options for {@link devCertificate}.
 * @example
 * const options: DevCertificateOptions = { hosts: ['my.test'], keyBits: 3072 };
 */
export interface DevCertificateOptions {
  /**
   * Names and addresses the certificate is valid for (subjectAltName). `localhost`,
   * `127.0.0.1` and `::1` are always added. Default: just those.
   */
  hosts?: string[];
  /** The certificate's common name (default: the first host, or `localhost`). */
  commonName?: string;
  /** Start of validity (default: one hour ago, to forgive clock skew). */
  notBefore?: Date;
  /** End of validity (default: 30 days from now). Put it in the past to make an expired certificate. */
  notAfter?: Date;
  /** RSA key size in bits (default 2048; 1024 is faster but OpenSSL's default security level refuses it). */
  keyBits?: number;
  /** Issue from this CA (e.g. an earlier result's `ca` and `caKey`) instead of a fresh one: how to make a client certificate the same CA trusts. */
  issuer?: { cert: string; key: string };
}

/**
 * PEM strings: the leaf's key and certificate, and the CA that signed it.
 * @example
 * const { key, cert, ca }: DevCertificate = devCertificate();
 */
export interface DevCertificate {
  /** The leaf's private key (PKCS#8 PEM). */
  key: string;
  /** The leaf certificate (PEM), valid for server and client authentication. */
  cert: string;
  /** The CA certificate (PEM): what clients pass as `ca` to trust `cert`. */
  ca: string;
  /** The CA's private key (PEM), to issue more certificates with `issuer`. Development only. */
  caKey: string;
}

/**
 * Default RSA key size of development certificates.
 * @example
 * devCertificate({ keyBits: DEFAULT_DEV_KEY_BITS * 2 });
 */
export const DEFAULT_DEV_KEY_BITS = 2048;
/**
 * Default lifetime of development certificates, in days.
 * @example
 * devCertificate({ notAfter: new Date(Date.now() + 2 * DEFAULT_DEV_CERTIFICATE_DAYS * 86_400_000) });
 */
export const DEFAULT_DEV_CERTIFICATE_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

function keyPair(bits: number): { privatePem: string; publicPem: string } {
  // Node's key generation (OpenSSL, native) takes milliseconds; forge's pure-JS prime
  // search takes seconds at 2048 bits. forge still does all the certificate work.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

/** DER prefix of a PKCS#1 DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * A forge-compatible signer backed by Node's crypto: forge builds the certificate and
 * hashes it, the RSA private-key operation runs natively (forge's pure-JS one takes
 * about half a second for a 2048-bit key). The result is the same RSASSA-PKCS1-v1_5
 * signature forge would make.
 */
function nativeSigner(key: KeyObject): forge.pki.rsa.PrivateKey {
  const signer = {
    sign(md: forge.md.MessageDigest): string {
      if (md.algorithm !== 'sha256') throw new Error(`devCertificate signs with SHA-256 only, not ${md.algorithm}`);
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, digest]);
      return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo).toString('binary');
    },
  };
  return signer as unknown as forge.pki.rsa.PrivateKey;
}

function privateKeyObject(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new TlsError(TlsErrorCode.OPTIONS, `devCertificate: ${what} is not a PEM private key: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive, as RFC 5280 requires
  return bytes.toString('hex');
}

function altName(host: string): { type: number; value?: string; ip?: string } {
  // GeneralName types: 2 = dNSName, 7 = iPAddress.
  return net.isIP(host) !== 0 ? { type: 7, ip: host } : { type: 2, value: host };
}

function createCertificate(
  publicPem: string,
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  notBefore: Date,
  notAfter: Date,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  return cert;
}

/**
 * Makes a development CA and a certificate it signed, in memory, valid for `hosts`
 * (plus localhost, 127.0.0.1 and ::1), for examples, tests and local development. Never
 * use it in production: the CA's key is returned alongside. Keys come from Node's
 * crypto (fast); the certificates are built and signed with node-forge. Takes a few
 * hundred milliseconds (two 2048-bit keys), so make one per test file, not per test.
 * @example
 * const dev = devCertificate({ hosts: ['localhost'] });
 * new Service(handleEcho, { port: 8443, tls: { key: dev.key, cert: dev.cert } });
 * const conn = yield* connect('localhost', 8443, { tls: { ca: dev.ca } });
 * // a client certificate from the same CA, for mutual TLS:
 * const client = devCertificate({ hosts: ['client'], issuer: { cert: dev.ca, key: dev.caKey } });
 */
export function devCertificate(options: DevCertificateOptions = {}): DevCertificate {
  const bits = options.keyBits ?? DEFAULT_DEV_KEY_BITS;
  if (!Number.isInteger(bits) || bits < 1024) throw new TlsError(TlsErrorCode.OPTIONS, `devCertificate: keyBits must be an integer of at least 1024, got ${String(bits)}`);
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - 60 * 60 * 1000);
  const notAfter = options.notAfter ?? new Date(now + DEFAULT_DEV_CERTIFICATE_DAYS * DAY_MS);
  if (!(notAfter.getTime() > notBefore.getTime())) throw new TlsError(TlsErrorCode.OPTIONS, 'devCertificate: notAfter must be later than notBefore');
  const hosts = [...new Set([...(options.hosts ?? []), 'localhost', '127.0.0.1', '::1'])];
  const commonName = options.commonName ?? options.hosts?.[0] ?? 'localhost';

  let caPem: string;
  let caKey: KeyObject;
  let caKeyPem: string;
  let caCert: forge.pki.Certificate;
  if (options.issuer !== undefined) {
    caPem = options.issuer.cert;
    caKeyPem = options.issuer.key;
    caKey = privateKeyObject(caKeyPem, 'issuer.key');
    try {
      caCert = forge.pki.certificateFromPem(caPem);
    } catch (error) {
      throw new TlsError(TlsErrorCode.OPTIONS, `devCertificate: issuer.cert is not a PEM certificate: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  } else {
    const caKeys = keyPair(bits);
    const caSubject: forge.pki.CertificateField[] = [
      { name: 'commonName', value: `diesel development CA ${serialNumber().slice(0, 8)}` },
      { name: 'organizationName', value: 'diesel (development only)' },
    ];
    // The CA outlives its leaf and already covers an expired leaf's window, so a test of
    // an expired certificate fails on the leaf alone.
    const caNotBefore = new Date(Math.min(notBefore.getTime(), now - DAY_MS));
    const caNotAfter = new Date(Math.max(notAfter.getTime(), now + 365 * DAY_MS));
    caCert = createCertificate(caKeys.publicPem, caSubject, caSubject, caNotBefore, caNotAfter, [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    caKey = privateKeyObject(caKeys.privatePem, 'the CA key');
    caCert.sign(nativeSigner(caKey), forge.md.sha256.create());
    caPem = forge.pki.certificateToPem(caCert);
    caKeyPem = caKeys.privatePem;
  }

  const leafKeys = keyPair(bits);
  const leaf = createCertificate(leafKeys.publicPem, [{ name: 'commonName', value: commonName }], caCert.subject.attributes, notBefore, notAfter, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: hosts.map(altName) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  leaf.sign(nativeSigner(caKey), forge.md.sha256.create());
  return { key: leafKeys.privatePem, cert: forge.pki.certificateToPem(leaf), ca: caPem, caKey: caKeyPem };
}
