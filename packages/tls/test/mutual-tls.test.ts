import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, on, run, until, type RemoteAddress } from '@diesel/core';
import { TlsError, TlsErrorCode, devCertificate, tlsInfo, wrapTls, type DevCertificate, type TlsInfo } from '../src/index.js';
import { type Running, eventually, pemFile, readUntilText, recording, runCommand, serve, settled, sharedCertificate, stop, tlsClient } from './helpers.js';

describe('mutual TLS (requestCert)', () => {
  let dev: DevCertificate;
  /** A client certificate from the same CA as the server's. */
  let alice: DevCertificate;
  /** A client certificate from a CA the server does not trust. */
  let mallory: DevCertificate;
  let running: Running | null = null;
  let seen: TlsInfo[];
  let errors: unknown[];

  function* whoami(_remote: RemoteAddress) {
    const info = yield* tlsInfo();
    seen.push(info);
    yield `hello ${info.peerCertificate?.subject.CN ?? 'stranger'} (authorized: ${info.authorized})\r\n`;
  }

  async function start(rejectUnauthorized = true): Promise<Running> {
    seen = [];
    errors = [];
    running = await serve(recording(wrapTls(whoami, { key: dev.key, cert: dev.cert, ca: dev.ca, requestCert: true, rejectUnauthorized }), errors));
    return running;
  }

  beforeAll(() => {
    dev = sharedCertificate();
    alice = devCertificate({ hosts: ['alice.client'], commonName: 'alice', issuer: { cert: dev.ca, key: dev.caKey } });
    mallory = devCertificate({ hosts: ['mallory.client'], commonName: 'mallory' });
  });
  afterEach(async () => {
    await stop(running);
    running = null;
  });

  it('accepts a client certificate from the trusted CA and shows it to the handler', async () => {
    const { port } = await start();
    const client = await tlsClient(port, { ca: dev.ca, key: alice.key, cert: alice.cert });
    try {
      expect(await readUntilText(client, '\r\n')).toBe('hello alice (authorized: true)\r\n');
      expect(seen[0]).toMatchObject({ authorized: true, authorizationError: null });
      expect(seen[0]!.peerX509Certificate?.subject).toContain('CN=alice');
      expect(seen[0]!.peerX509Certificate?.checkIssued(new (await import('node:crypto')).X509Certificate(dev.ca))).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('works with a diesel client presenting its certificate', async () => {
    const { port } = await start();
    const line = await run(
      (function* () {
        const conn = yield* connect('localhost', port, { tls: { ca: dev.ca, key: alice.key, cert: alice.cert } });
        try {
          return yield* on(conn, until('\r\n'));
        } finally {
          conn.destroy();
        }
      })(),
    );
    expect(line).toBe('hello alice (authorized: true)\r\n');
  });

  it('works with openssl s_client -cert/-key', async () => {
    const { port } = await start();
    const result = await runCommand(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', pemFile('ca.pem', dev.ca), '-cert', pemFile('alice.pem', alice.cert), '-key', pemFile('alice.key', alice.key), '-verify_return_error', '-brief', '-ign_eof'],
      '',
    );
    expect(result.stdout).toContain('hello alice (authorized: true)\r\n');
    expect(result.stderr).toMatch(/Verification: OK/);
  });

  it('refuses a client without a certificate', async () => {
    const { port } = await start();
    const client = tls.connect({ host: '127.0.0.1', port, ca: dev.ca, servername: 'localhost' });
    client.on('data', () => {});
    expect(await settled(client)).not.toBeNull();
    await eventually(() => errors.length === 1, 'the server-side error');
    expect(errors[0]).toBeInstanceOf(TlsError);
    expect((errors[0] as TlsError).code).toBe(TlsErrorCode.CERTIFICATE);
    expect(seen).toHaveLength(0);
    const good = await tlsClient(port, { ca: dev.ca, key: alice.key, cert: alice.cert });
    try {
      expect(await readUntilText(good, '\r\n')).toBe('hello alice (authorized: true)\r\n');
    } finally {
      good.destroy();
    }
  });

  it('refuses a client certificate from an untrusted CA', async () => {
    const { port } = await start();
    const client = tls.connect({ host: '127.0.0.1', port, ca: dev.ca, servername: 'localhost', key: mallory.key, cert: mallory.cert });
    client.on('data', () => {});
    await settled(client);
    await eventually(() => errors.length === 1, 'the server-side error');
    const error = errors[0] as TlsError;
    expect(error.code).toBe(TlsErrorCode.CERTIFICATE);
    expect(error.reason).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(seen).toHaveLength(0);
  });

  it('refuses an expired client certificate', async () => {
    const { port } = await start();
    const expired = devCertificate({ commonName: 'late', issuer: { cert: dev.ca, key: dev.caKey }, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const client = tls.connect({ host: '127.0.0.1', port, ca: dev.ca, servername: 'localhost', key: expired.key, cert: expired.cert });
    client.on('data', () => {});
    await settled(client);
    await eventually(() => errors.length === 1, 'the server-side error');
    expect((errors[0] as TlsError).reason).toBe('CERT_HAS_EXPIRED');
  });

  it('with rejectUnauthorized: false, lets the handler decide', async () => {
    const { port } = await start(false);
    const client = await tlsClient(port, { ca: dev.ca, key: mallory.key, cert: mallory.cert });
    try {
      expect(await readUntilText(client, '\r\n')).toBe('hello mallory (authorized: false)\r\n');
      expect(seen[0]).toMatchObject({ authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    } finally {
      client.destroy();
    }
  });
});
