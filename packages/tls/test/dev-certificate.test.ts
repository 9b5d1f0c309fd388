import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { TlsError, TlsErrorCode, devCertificate, type DevCertificate } from '../src/index.js';
import { pemFile, runCommand } from './helpers.js';

describe('devCertificate', () => {
  let dev: DevCertificate;
  let leaf: X509Certificate;
  let ca: X509Certificate;
  beforeAll(() => {
    dev = devCertificate({ hosts: ['diesel.test', '10.1.2.3'] });
    leaf = new X509Certificate(dev.cert);
    ca = new X509Certificate(dev.ca);
  });

  it('makes a CA and a leaf it signed', () => {
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(leaf.subject).toBe('CN=diesel.test');
  });

  it('is valid for every host asked for, plus localhost, 127.0.0.1 and ::1, and nothing else', () => {
    expect(leaf.checkHost('diesel.test')).toBe('diesel.test');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('other.test')).toBeUndefined();
    expect(leaf.checkIP('10.1.2.4')).toBeUndefined();
    expect(leaf.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
  });

  it('returns keys that match their certificates (2048-bit RSA by default)', () => {
    expect(leaf.checkPrivateKey(createPrivateKey(dev.key))).toBe(true);
    expect(ca.checkPrivateKey(createPrivateKey(dev.caKey))).toBe(true);
    expect(createPublicKey(dev.cert).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('is valid from an hour ago for 30 days by default', () => {
    const from = new Date(leaf.validFrom).getTime();
    const to = new Date(leaf.validTo).getTime();
    expect(Math.abs(from - (Date.now() - 3_600_000))).toBeLessThan(120_000);
    expect(Math.abs(to - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);
  });

  it('honours notBefore/notAfter (an expired certificate) and issues from an existing CA', () => {
    const notBefore = new Date('2020-01-01T00:00:00Z');
    const notAfter = new Date('2020-02-01T00:00:00Z');
    const expired = devCertificate({ hosts: ['old.test'], notBefore, notAfter, issuer: { cert: dev.ca, key: dev.caKey } });
    const cert = new X509Certificate(expired.cert);
    expect(new Date(cert.validFrom).getTime()).toBe(notBefore.getTime());
    expect(new Date(cert.validTo).getTime()).toBe(notAfter.getTime());
    expect(expired.ca).toBe(dev.ca);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
  });

  it('passes openssl verify for TLS server and client use', async () => {
    const caFile = pemFile('ca.pem', dev.ca);
    const certFile = pemFile('cert.pem', dev.cert);
    for (const purpose of ['sslserver', 'sslclient']) {
      const result = await runCommand('openssl', ['verify', '-purpose', purpose, '-CAfile', caFile, certFile], '');
      expect(result.stdout, purpose).toContain(': OK');
      expect(result.code, purpose).toBe(0);
    }
  });

  it('rejects options that cannot work', () => {
    const expectOptionsError = (make: () => unknown): void => {
      try {
        make();
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(TlsError);
        expect((error as TlsError).code).toBe(TlsErrorCode.OPTIONS);
      }
    };
    expectOptionsError(() => devCertificate({ keyBits: 512 }));
    expectOptionsError(() => devCertificate({ notBefore: new Date(2030, 0, 1), notAfter: new Date(2029, 0, 1) }));
    expectOptionsError(() => devCertificate({ issuer: { cert: 'not a certificate', key: dev.caKey } }));
    expectOptionsError(() => devCertificate({ issuer: { cert: dev.ca, key: 'not a key' } }));
  });
});
