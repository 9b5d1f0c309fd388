import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionClosed, receive, type RemoteAddress } from '@diesel/core';
import { TlsError, TlsErrorCode, devCertificate, wrapTls, type DevCertificate, type TlsServerOptions } from '../src/index.js';
import {
  type Running,
  assertStillServing,
  captureClientHello,
  eventually,
  pemFile,
  readUntilText,
  recording,
  runCommand,
  serve,
  settled,
  sharedCertificate,
  stop,
} from './helpers.js';

const GREETING = 'hello, encrypted';

/**
 * Every test here: one misbehaving peer, then a well-behaved one. The bad connection
 * must fail with a clear, coded error in its own routine; the service must go on.
 */
describe('bad input to a TLS service: a clear error on that connection only', () => {
  let dev: DevCertificate;
  let running: Running | null = null;
  /** What each connection's routine threw (handshake failures included). */
  let errors: unknown[];
  /** What the echo loop saw when its connection broke mid-session. */
  let broken: unknown[];
  let handlerRuns: number;

  function* echo(_remote: RemoteAddress) {
    handlerRuns++;
    yield `${GREETING}\r\n`;
    try {
      for (;;) yield yield* receive();
    } catch (error) {
      broken.push(error);
      throw error;
    }
  }

  async function start(options: Partial<TlsServerOptions> = {}): Promise<Running> {
    running = await serve(recording(wrapTls(echo, { key: dev.key, cert: dev.cert, ...options }), errors));
    return running;
  }

  beforeAll(() => {
    dev = sharedCertificate();
  });
  afterEach(async () => {
    // Whatever the bad peer did, no connection (and no TCP socket under TLS) is left behind.
    if (running !== null) await eventually(() => running!.service.connectionCount === 0, 'every connection to be closed');
    await stop(running);
    running = null;
  });
  function reset(): void {
    errors = [];
    broken = [];
    handlerRuns = 0;
  }

  it('plaintext sent to the TLS port', async () => {
    reset();
    const { port } = await start();
    const plain = net.connect(port, '127.0.0.1');
    plain.on('data', () => {});
    plain.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await settled(plain);
    await eventually(() => errors.length === 1, 'the handshake error');
    const error = errors[0] as TlsError;
    expect(error).toBeInstanceOf(TlsError);
    expect(error.code).toBe(TlsErrorCode.HANDSHAKE);
    expect(error.reason).toBe('ERR_SSL_HTTP_REQUEST');
    expect(error.message).toMatch(/plaintext/);
    expect(handlerRuns).toBe(0);
    await assertStillServing(port, dev.ca, GREETING);
    expect(errors.filter((e) => e instanceof TlsError)).toHaveLength(1);
  });

  it('garbage in the middle of a session', async () => {
    reset();
    const { port } = await start();
    const raw = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    const client = tls.connect({ socket: raw, ca: dev.ca, servername: 'localhost' });
    client.on('error', () => {});
    expect(await readUntilText(client, '\r\n')).toBe(`${GREETING}\r\n`);
    // Bytes that are not a TLS record, written under the TLS layer.
    raw.write(Buffer.from('this is not a TLS record, just noise on the wire\r\n'));
    await eventually(() => broken.length === 1, 'the session error');
    const error = broken[0] as ConnectionClosed;
    expect(error).toBeInstanceOf(ConnectionClosed);
    expect(error.cause).toBeInstanceOf(TlsError);
    expect((error.cause as TlsError).code).toBe(TlsErrorCode.PROTOCOL);
    expect(error.message).toMatch(/TLS session failed/);
    await settled(client);
    await assertStillServing(port, dev.ca, GREETING);
    expect(handlerRuns).toBe(2);
  });

  it('a truncated handshake: half a ClientHello, then the client hangs up', async () => {
    reset();
    const { port } = await start();
    const hello = await captureClientHello();
    const raw = net.connect(port, '127.0.0.1');
    raw.on('data', () => {});
    raw.end(hello.subarray(0, Math.floor(hello.length / 2)));
    await settled(raw);
    await eventually(() => errors.length === 1, 'the handshake error');
    expect((errors[0] as TlsError).code).toBe(TlsErrorCode.HANDSHAKE);
    expect((errors[0] as TlsError).message).toMatch(/closed the connection before the handshake finished/);
    await assertStillServing(port, dev.ca, GREETING);
    expect(handlerRuns).toBe(1);
  });

  it('a truncated handshake: half a ClientHello, then silence (handshake timeout)', async () => {
    reset();
    const { port } = await start({ handshakeTimeout: 2 });
    const hello = await captureClientHello();
    const raw = net.connect(port, '127.0.0.1');
    raw.on('data', () => {});
    raw.write(hello.subarray(0, 40));
    const closed = settled(raw);
    // Meanwhile other clients are served.
    await assertStillServing(port, dev.ca, GREETING);
    await closed;
    // (The good client's routine ended with ConnectionClosed when it left: not a TLS error.)
    await eventually(() => errors.some((e) => e instanceof TlsError), 'the handshake timeout');
    expect(errors.filter((e) => e instanceof TlsError)).toHaveLength(1);
    expect((errors.find((e) => e instanceof TlsError) as TlsError).code).toBe(TlsErrorCode.HANDSHAKE_TIMEOUT);
    await assertStillServing(port, dev.ca, GREETING);
  });

  it('a client that does not trust the certificate (openssl s_client)', async () => {
    reset();
    const { port } = await start();
    const stranger = devCertificate({ hosts: ['localhost'] });
    const result = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', pemFile('stranger-ca.pem', stranger.ca), '-verify_return_error', '-brief'], '');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/verify error|unable to get local issuer certificate/i);
    await eventually(() => errors.length === 1, 'the handshake error');
    expect((errors[0] as TlsError).code).toBe(TlsErrorCode.CERTIFICATE);
    expect((errors[0] as TlsError).reason).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    await assertStillServing(port, dev.ca, GREETING);
  });

  it('a client that asked for another hostname (openssl s_client -verify_hostname)', async () => {
    reset();
    const { port } = await start();
    const result = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'wrong.example', '-verify_hostname', 'wrong.example', '-CAfile', pemFile('ca.pem', dev.ca), '-verify_return_error', '-brief'], '');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/hostname mismatch/i);
    await eventually(() => errors.length === 1, 'the handshake error');
    expect((errors[0] as TlsError).code).toBe(TlsErrorCode.CERTIFICATE);
    await assertStillServing(port, dev.ca, GREETING);
  });

  it('a server certificate that has expired (openssl s_client)', async () => {
    reset();
    const expired = devCertificate({ hosts: ['localhost'], issuer: { cert: dev.ca, key: dev.caKey }, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const expiredErrors: unknown[] = [];
    const bad = await serve(recording(wrapTls(echo, { key: expired.key, cert: expired.cert }), expiredErrors));
    try {
      const result = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${bad.port}`, '-servername', 'localhost', '-CAfile', pemFile('ca.pem', dev.ca), '-verify_return_error', '-brief'], '');
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/certificate has expired/i);
      await eventually(() => expiredErrors.length === 1, 'the handshake error');
      expect((expiredErrors[0] as TlsError).code).toBe(TlsErrorCode.CERTIFICATE);
      // OpenSSL 3.0 (Node 20) spells the alert SSLV3, OpenSSL 3.5 (Node 22, 24) SSL/TLS.
      expect((expiredErrors[0] as TlsError).reason).toMatch(/^ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_CERTIFICATE_EXPIRED$/);
    } finally {
      await stop(bad);
    }
    // A service with a valid certificate is unaffected.
    const { port } = await start();
    await assertStillServing(port, dev.ca, GREETING);
  });
});
