import { createHash, randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Service, receive, type RemoteAddress } from '@diesel/core';
import { TlsError, TlsErrorCode, devCertificate, tlsInfo, wrapTls, type DevCertificate, type TlsInfo } from '../src/index.js';
import { type Running, eventually, readUntilText, recording, serve, settled, sharedCertificate, stop, tlsClient } from './helpers.js';

/** Echo that first reports what the handshake negotiated, as one JSON line. */
function infoEcho(seen: TlsInfo[] = []) {
  return function* (_remote: RemoteAddress) {
    const info = yield* tlsInfo();
    seen.push(info);
    yield `${JSON.stringify({ protocol: info.protocol, alpn: info.alpnProtocol, servername: info.servername, reused: info.sessionReused, transport: info.transport })}\r\n`;
    for (;;) yield yield* receive();
  };
}

async function firstLine(socket: tls.TLSSocket): Promise<Record<string, unknown>> {
  return JSON.parse(await readUntilText(socket, '\r\n')) as Record<string, unknown>;
}

describe('TLS server (wrapTls, Service tls option) with node:tls clients', () => {
  let dev: DevCertificate;
  let running: Running | null = null;
  beforeAll(() => {
    dev = sharedCertificate();
  });
  afterEach(async () => {
    await stop(running);
    running = null;
  });

  it('serves a handler unchanged behind new Service(h, { port, tls }), TLS 1.3 by default', async () => {
    const seen: TlsInfo[] = [];
    running = await serve(infoEcho(seen), { tls: { key: dev.key, cert: dev.cert } });
    const client = await tlsClient(running.port, { ca: dev.ca });
    try {
      expect(client.authorized).toBe(true);
      expect(await firstLine(client)).toEqual({ protocol: 'TLSv1.3', alpn: null, servername: 'localhost', reused: false, transport: 'native' });
      client.write('ping\r\n');
      expect(await readUntilText(client, 'ping\r\n')).toBe('ping\r\n');
      expect(seen[0]).toMatchObject({ isServer: true, authorized: false, peerCertificate: null, peerX509Certificate: null });
      expect(seen[0]!.cipher).toMatch(/^TLS_/);
    } finally {
      client.destroy();
    }
  });

  it('wraps an object handler ({ handle }) with wrapTls', async () => {
    const handler = {
      greeting: 'object handler',
      *handle(_remote: RemoteAddress) {
        yield `${this.greeting}\r\n`;
      },
    };
    running = await serve(wrapTls(handler, { key: dev.key, cert: dev.cert }));
    const client = await tlsClient(running.port, { ca: dev.ca });
    try {
      expect(await readUntilText(client, '\r\n')).toBe('object handler\r\n');
    } finally {
      client.destroy();
    }
  });

  it('negotiates TLS 1.2 with a client that stops there', async () => {
    running = await serve(infoEcho(), { tls: { key: dev.key, cert: dev.cert } });
    const client = await tlsClient(running.port, { ca: dev.ca, maxVersion: 'TLSv1.2' });
    try {
      expect(client.getProtocol()).toBe('TLSv1.2');
      expect(await firstLine(client)).toMatchObject({ protocol: 'TLSv1.2' });
    } finally {
      client.destroy();
    }
  });

  it('refuses TLS 1.0/1.1 by default (minimum TLS 1.2) with a handshake error on that connection only', async () => {
    const errors: unknown[] = [];
    running = await serve(recording(wrapTls(infoEcho(), { key: dev.key, cert: dev.cert }), errors));
    const old = tls.connect({ host: '127.0.0.1', port: running.port, ca: dev.ca, servername: 'localhost', minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    const oldError = await settled(old);
    expect(oldError).not.toBeNull();
    await eventually(() => errors.length === 1, 'the server-side handshake error');
    expect(errors[0]).toBeInstanceOf(TlsError);
    expect((errors[0] as TlsError).code).toBe(TlsErrorCode.HANDSHAKE);
    const good = await tlsClient(running.port, { ca: dev.ca });
    try {
      expect(await firstLine(good)).toMatchObject({ protocol: 'TLSv1.3' });
    } finally {
      good.destroy();
    }
  });

  it('honours minVersion TLSv1.3', async () => {
    const errors: unknown[] = [];
    running = await serve(recording(wrapTls(infoEcho(), { key: dev.key, cert: dev.cert, minVersion: 'TLSv1.3' }), errors));
    const old = tls.connect({ host: '127.0.0.1', port: running.port, ca: dev.ca, servername: 'localhost', maxVersion: 'TLSv1.2' });
    expect(await settled(old)).not.toBeNull();
    await eventually(() => errors.length === 1, 'the server-side handshake error');
    expect((errors[0] as TlsError).code).toBe(TlsErrorCode.HANDSHAKE);
  });

  it('negotiates ALPN', async () => {
    running = await serve(infoEcho(), { tls: { key: dev.key, cert: dev.cert, ALPNProtocols: ['h2', 'http/1.1'] } });
    const client = await tlsClient(running.port, { ca: dev.ca, ALPNProtocols: ['http/1.1'] });
    try {
      expect(client.alpnProtocol).toBe('http/1.1');
      expect(await firstLine(client)).toMatchObject({ alpn: 'http/1.1' });
    } finally {
      client.destroy();
    }
  });

  it('picks the certificate by SNI name', async () => {
    const other = devCertificate({ hosts: ['other.test'], issuer: { cert: dev.ca, key: dev.caKey } });
    running = await serve(infoEcho(), { tls: { key: dev.key, cert: dev.cert, sni: { 'other.test': { key: other.key, cert: other.cert } } } });
    const a = await tlsClient(running.port, { ca: dev.ca, servername: 'other.test' });
    const b = await tlsClient(running.port, { ca: dev.ca, servername: 'localhost' });
    try {
      expect(a.getPeerCertificate().subject.CN).toBe('other.test');
      expect(await firstLine(a)).toMatchObject({ servername: 'other.test' });
      expect(b.getPeerCertificate().subject.CN).toBe('localhost');
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('resumes sessions (TLS 1.3 tickets and TLS 1.2)', async () => {
    running = await serve(infoEcho(), { tls: { key: dev.key, cert: dev.cert } });
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const first = await tlsClient(running.port, { ca: dev.ca, maxVersion });
      const session = await new Promise<Buffer>((resolve) => {
        // TLS 1.3 tickets arrive after the handshake; TLS 1.2 has its session at once.
        const now = first.getSession();
        if (maxVersion === 'TLSv1.2' && now !== undefined) resolve(now);
        else first.once('session', resolve);
      });
      expect(await firstLine(first)).toMatchObject({ reused: false });
      first.destroy();
      const second = await tlsClient(running.port, { ca: dev.ca, maxVersion, session });
      try {
        expect(second.isSessionReused()).toBe(true);
        expect(await firstLine(second)).toMatchObject({ reused: true, protocol: maxVersion });
      } finally {
        second.destroy();
      }
    }
  });

  it('echoes 8 MiB both ways intact, with backpressure', async () => {
    running = await serve(infoEcho(), { tls: { key: dev.key, cert: dev.cert } });
    const client = await tlsClient(running.port, { ca: dev.ca });
    try {
      await firstLine(client);
      const payload = randomBytes(8 * 1024 * 1024);
      const received: Buffer[] = [];
      let length = 0;
      const done = new Promise<void>((resolve) => {
        client.on('data', (chunk: Buffer) => {
          received.push(chunk);
          length += chunk.length;
          if (length >= payload.length) resolve();
        });
      });
      client.write(payload);
      await done;
      const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(length).toBe(payload.length);
      expect(digest(Buffer.concat(received))).toBe(digest(payload));
    } finally {
      client.destroy();
    }
  });

  it('closes the TCP connection under TLS when the client leaves', async () => {
    running = await serve(infoEcho(), { tls: { key: dev.key, cert: dev.cert } });
    const clients = await Promise.all([1, 2, 3].map(() => tlsClient(running!.port, { ca: dev.ca })));
    await Promise.all(clients.map((c) => firstLine(c)));
    expect(running.service.connectionCount).toBe(3);
    for (const client of clients) client.end();
    await eventually(() => running!.service.connectionCount === 0, 'every connection to be closed');
  });

  for (const transport of ['auto', 'memory'] as const) {
    it(`halting the application closes open TLS connections (transport: ${transport})`, async () => {
      running = await serve(infoEcho(), { tls: { key: dev.key, cert: dev.cert, transport } });
      const client = await tlsClient(running.port, { ca: dev.ca });
      await firstLine(client);
      const closed = settled(client);
      await stop(running);
      running = null;
      await closed;
      expect(client.destroyed).toBe(true);
    });
  }

  it('rejects unusable options when the service is built, not at the first client', () => {
    expect(() => wrapTls(infoEcho(), { key: dev.key } as never)).toThrow(TlsError);
    try {
      new Service(infoEcho(), { port: 0, tls: { key: 'not a key', cert: dev.cert } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TlsError);
      expect((error as TlsError).code).toBe(TlsErrorCode.OPTIONS);
    }
    expect(() => wrapTls(infoEcho(), { key: dev.key, cert: dev.cert, handshakeTimeout: 0 })).toThrow(/handshakeTimeout/);
  });
});
