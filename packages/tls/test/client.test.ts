import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, ConnectError, call, connect, on, receive, run, until, type Connection, type RemoteAddress } from '@diesel/core';
import { TlsError, TlsErrorCode, devCertificate, tlsInfo, tlsInfoOf, type DevCertificate, type TlsClientOptions } from '../src/index.js';
import { type Running, serve, sharedCertificate, stop } from './helpers.js';

/** A plain node:tls echo server (the peer the diesel client talks to). */
function nodeTlsServer(options: tls.TlsOptions): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer(options, (socket) => {
    socket.on('error', () => {});
    socket.write(`node says hi, ${socket.getProtocol()}\r\n`);
    socket.pipe(socket);
  });
  server.on('tlsClientError', () => {});
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port })));
}

function closeServer(server: tls.Server | null): Promise<void> {
  return new Promise((resolve) => (server === null ? resolve() : server.close(() => resolve())));
}

class EchoClient extends Client {
  @call *greeting() {
    return yield* until('\r\n');
  }
  @call *echo(text: string) {
    yield `${text}\r\n`;
    return yield* until('\r\n');
  }
  @call *negotiated() {
    return yield* tlsInfo();
  }
}

/** Connects with diesel's connect token and reports the error it throws, or null. */
async function connectError(port: number, options: TlsClientOptions | true, host = '127.0.0.1'): Promise<ConnectError | null> {
  try {
    const connection = await run(connect(host, port, { tls: options }));
    connection.destroy();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    return error as ConnectError;
  }
}

function tlsCause(error: ConnectError | null): TlsError {
  expect(error).not.toBeNull();
  const cause = (error as ConnectError).cause;
  expect(cause).toBeInstanceOf(TlsError);
  return cause as TlsError;
}

describe('TLS client (connect / Client.connect with tls) against node:tls servers', () => {
  let dev: DevCertificate;
  let server: tls.Server | null = null;
  let running: Running | null = null;
  beforeAll(() => {
    dev = sharedCertificate();
  });
  afterEach(async () => {
    await closeServer(server);
    server = null;
    await stop(running);
    running = null;
  });

  it('connects, verifies the server, and exposes what was negotiated', async () => {
    const started = await nodeTlsServer({ key: dev.key, cert: dev.cert, ALPNProtocols: ['diesel/1'] });
    server = started.server;
    const result = await run(
      (function* () {
        const conn: Connection = yield* connect('localhost', started.port, { tls: { ca: dev.ca, ALPNProtocols: ['diesel/1'] } });
        try {
          const greeting = yield* on(conn, until('\r\n'));
          yield* on(conn, 'over tls\r\n');
          const echoed = yield* on(conn, until('\r\n'));
          return { greeting, echoed, info: tlsInfoOf(conn) };
        } finally {
          conn.destroy();
        }
      })(),
    );
    expect(result.greeting).toBe('node says hi, TLSv1.3\r\n');
    expect(result.echoed).toBe('over tls\r\n');
    expect(result.info).toMatchObject({ isServer: false, protocol: 'TLSv1.3', authorized: true, authorizationError: null, alpnProtocol: 'diesel/1', servername: 'localhost', transport: 'native' });
    expect(result.info?.peerCertificate?.subject.CN).toBe('localhost');
  });

  it('runs @call methods over TLS with client.connect(host, port, { tls })', async () => {
    const started = await nodeTlsServer({ key: dev.key, cert: dev.cert });
    server = started.server;
    const client = new EchoClient();
    try {
      await run(client.connect('127.0.0.1', started.port, { tls: { ca: dev.ca, servername: 'localhost' } }));
      expect(await run(client.greeting())).toBe('node says hi, TLSv1.3\r\n');
      expect(await run(client.echo('first'))).toBe('first\r\n');
      expect(await run(client.echo('second'))).toBe('second\r\n');
      const info = await run(client.negotiated());
      expect(info.authorized).toBe(true);
      expect(info.protocol).toBe('TLSv1.3');
    } finally {
      client.connection?.destroy();
    }
  });

  it('talks to a diesel TLS service (diesel on both ends)', async () => {
    running = await serve(
      function* (_remote: RemoteAddress) {
        const { protocol } = yield* tlsInfo();
        yield `diesel says hi, ${protocol}\r\n`;
        for (;;) yield yield* receive();
      },
      { tls: { key: dev.key, cert: dev.cert } },
    );
    const client = new EchoClient();
    try {
      await run(client.connect('localhost', running.port, { tls: { ca: dev.ca } }));
      expect(await run(client.greeting())).toBe('diesel says hi, TLSv1.3\r\n');
      expect(await run(client.echo('both ends diesel'))).toBe('both ends diesel\r\n');
    } finally {
      client.connection?.destroy();
    }
  });

  it('resumes a session from an earlier connection (session option)', async () => {
    running = await serve(
      function* (_remote: RemoteAddress) {
        const { sessionReused } = yield* tlsInfo();
        yield `reused ${sessionReused}\r\n`;
        for (;;) yield yield* receive();
      },
      { tls: { key: dev.key, cert: dev.cert } },
    );
    const port = running.port;
    const first = await run(
      (function* () {
        const conn = yield* connect('localhost', port, { tls: { ca: dev.ca } });
        try {
          // TLS 1.3 tickets arrive after the handshake; the TLS socket is the connection's stream.
          const session = yield new Promise<Buffer>((resolve) => (conn.stream as tls.TLSSocket).once('session', resolve));
          return { line: yield* on(conn, until('\r\n')), session: session as Buffer };
        } finally {
          conn.destroy();
        }
      })(),
    );
    expect(first.line).toBe('reused false\r\n');
    const second = await run(
      (function* () {
        const conn = yield* connect('localhost', port, { tls: { ca: dev.ca, session: first.session } });
        try {
          return { line: yield* on(conn, until('\r\n')), info: tlsInfoOf(conn) };
        } finally {
          conn.destroy();
        }
      })(),
    );
    expect(second.line).toBe('reused true\r\n');
    expect(second.info?.sessionReused).toBe(true);
  });

  it('refuses a certificate issued for another hostname', async () => {
    const started = await nodeTlsServer({ key: dev.key, cert: dev.cert });
    server = started.server;
    const cause = tlsCause(await connectError(started.port, { ca: dev.ca, servername: 'wrong.example' }));
    expect(cause.code).toBe(TlsErrorCode.CERTIFICATE);
    expect(cause.reason).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(cause.message).toMatch(/wrong\.example/);
    // The same server, the right name: fine.
    expect(await connectError(started.port, { ca: dev.ca, servername: 'localhost' })).toBeNull();
  });

  it('refuses an untrusted certificate (another CA, or Node roots for a dev CA)', async () => {
    const started = await nodeTlsServer({ key: dev.key, cert: dev.cert });
    server = started.server;
    const stranger = devCertificate({ hosts: ['localhost'] });
    const cause = tlsCause(await connectError(started.port, { ca: stranger.ca, servername: 'localhost' }));
    expect(cause.code).toBe(TlsErrorCode.CERTIFICATE);
    expect(cause.reason).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const roots = tlsCause(await connectError(started.port, true, 'localhost'));
    expect(roots.code).toBe(TlsErrorCode.CERTIFICATE);
  });

  it('refuses an expired certificate', async () => {
    const expired = devCertificate({ hosts: ['localhost'], issuer: { cert: dev.ca, key: dev.caKey }, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const started = await nodeTlsServer({ key: expired.key, cert: expired.cert });
    server = started.server;
    const cause = tlsCause(await connectError(started.port, { ca: dev.ca, servername: 'localhost' }));
    expect(cause.code).toBe(TlsErrorCode.CERTIFICATE);
    expect(cause.reason).toBe('CERT_HAS_EXPIRED');
  });

  it('connects to an unverified server only when rejectUnauthorized: false is asked for', async () => {
    const started = await nodeTlsServer({ key: dev.key, cert: dev.cert });
    server = started.server;
    const info = await run(
      (function* () {
        const conn = yield* connect('127.0.0.1', started.port, { tls: { rejectUnauthorized: false, servername: 'wrong.example' } });
        try {
          yield* on(conn, until('\r\n'));
          return tlsInfoOf(conn);
        } finally {
          conn.destroy();
        }
      })(),
    );
    expect(info?.authorized).toBe(false);
    expect(info?.authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('fails the handshake with a clear error against a plaintext server', async () => {
    const plain = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.resume(); // read, so the client's FIN is seen and the socket closes
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', () => resolve()));
    try {
      const cause = tlsCause(await connectError((plain.address() as net.AddressInfo).port, { ca: dev.ca, servername: 'localhost' }));
      expect(cause.code).toBe(TlsErrorCode.HANDSHAKE);
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });
});
