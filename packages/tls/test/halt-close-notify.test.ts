/**
 * Halting the application ends every TLS session with close_notify: `openssl s_client`,
 * connected and idle, sees the session closed cleanly — no "unexpected eof". Both ways a
 * connection becomes TLS: from the first byte (`wrapTls`, the `tls` option) and mid-way
 * (`startTls`, here SMTP's STARTTLS as `s_client -starttls smtp` speaks it). And the
 * client side: `openssl s_server` sees diesel's client connections (`connect` with `tls`,
 * `Client.connect`, `startTlsClient`) end with close_notify when their application halts.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Application, Client, Loop, call, connect, on, receive, run, sleep, type RemoteAddress, type Routine } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { startTlsClient, type TlsClientOptions } from '../src/index.js';
import { smtpHandler } from '../examples/smtp-starttls.js';
import { eventually, pemFile, requireCommand, serve, sharedCertificate } from './helpers.js';

requireCommand('openssl', ['version']);

function* echo(_remote: RemoteAddress) {
  yield 'ready\r\n';
  while (true) yield yield* receive();
}

/** A running s_client: everything it printed so far, a way to type a line, and its exit. */
interface SClient {
  output: () => string;
  type: (line: string) => void;
  exited: Promise<number | null>;
}

/** Runs s_client with stdin held open (so it only ends when the server closes); `extra` adds options. */
function sClient(port: number, caFile: string, extra: string[] = []): SClient {
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caFile, '-verify_return_error', ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { output: () => output, type: (line) => child.stdin.write(line), exited };
}

describe('halt sends close_notify', () => {
  it('openssl s_client sees a clean close, not an unexpected EOF', async () => {
    const dev = sharedCertificate();
    const running = await serve(echo, { tls: { key: dev.key, cert: dev.cert } });
    const caFile = pemFile('halt-ca.pem', dev.ca);
    const clients = [sClient(running.port, caFile), sClient(running.port, caFile)];
    try {
      for (const client of clients) await eventually(() => client.output().includes('ready'), 'the greeting over TLS');
      running.app.halt();
      for (const client of clients) {
        await client.exited;
        expect(client.output()).toContain('Verify return code: 0 (ok)');
        expect(client.output(), client.output()).not.toMatch(/unexpected eof/i);
      }
      await running.app.halted();
    } finally {
      running.app.halt();
    }
  });

  // Both transports: the engine on the socket's own handle, and fed through the memory BIO.
  it.each(['auto', 'memory'] as const)('after STARTTLS (startTls mid-connection, transport %s) too: s_client -starttls smtp sees a clean close', async (transport) => {
    const dev = sharedCertificate();
    const running = await serve(smtpHandler({ tls: { key: dev.key, cert: dev.cert, transport } }));
    const caFile = pemFile('halt-starttls-ca.pem', dev.ca);
    // -crlf: the SMTP handler reads lines ending in CRLF, as RFC 5321 says.
    const clients = [sClient(running.port, caFile, ['-starttls', 'smtp', '-crlf']), sClient(running.port, caFile, ['-starttls', 'smtp', '-crlf'])];
    try {
      for (const client of clients) {
        // s_client greets in plaintext, sends STARTTLS, handshakes; this EHLO then goes over TLS.
        await eventually(() => client.output().includes('Verify return code: 0 (ok)'), 'the STARTTLS handshake');
        client.type('EHLO halt.test\n');
        await eventually(() => client.output().includes('greets halt.test'), 'the EHLO answer over TLS');
      }
      running.app.halt();
      for (const client of clients) {
        await client.exited;
        expect(client.output(), client.output()).not.toMatch(/unexpected eof/i);
        // s_client prints "closed" on its own line when the session ended with close_notify.
        expect(client.output(), client.output()).toMatch(/^closed$/m);
      }
      await running.app.halted();
    } finally {
      running.app.halt();
    }
  });
});

/** A free loopback port: not every s_server takes `-accept 0`, so node picks one first. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A one-connection s_server (stdin held open, so only the client ends the session). */
async function sServer(): Promise<{ port: number; output: () => string; exited: Promise<number | null> }> {
  const dev = sharedCertificate();
  const port = await freePort();
  const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-key', pemFile('s-server.key', dev.key), '-cert', pemFile('s-server.pem', dev.cert), '-naccept', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await eventually(() => output.includes('ACCEPT'), 's_server listening');
  return { port, output: () => output, exited };
}

/**
 * What OpenSSL 3's s_server prints when its client leaves: "DONE" after a close_notify;
 * "ERROR" and "unexpected eof while reading" after a bare FIN.
 */
function expectCleanClose(output: string): void {
  expect(output, output).toMatch(/^DONE$/m);
  expect(output, output).not.toMatch(/unexpected eof/i);
  expect(output, output).not.toMatch(/^ERROR$/m);
}

class LineClient extends Client {
  @call *say(line: string) {
    yield `${line}\n`;
  }
}

type SServer = Awaited<ReturnType<typeof sServer>>;

const HELLO = 'hello from diesel';

/** Runs `client` (a routine that connects to s_server and says HELLO) in an app, and halts the app once s_server heard it. */
async function haltAfterHello(server: SServer, client: (port: number) => Routine): Promise<void> {
  const app = new Application({ logger: new MemoryLogger() });
  app.addLoop(new Loop(function* () {
    yield* client(server.port);
    yield* sleep(60);
  }));
  const running = app.run();
  try {
    await eventually(() => server.output().includes(HELLO), 's_server hearing the client');
  } finally {
    app.halt();
  }
  await running;
}

describe('halt sends close_notify from the client side too', () => {
  const options = (extra: Partial<TlsClientOptions> = {}): TlsClientOptions => ({ ca: sharedCertificate().ca, servername: 'localhost', ...extra });

  it('connect(host, port, { tls }): openssl s_server sees a clean close', async () => {
    const server = await sServer();
    await haltAfterHello(server, function* (port) {
      const connection = yield* connect('127.0.0.1', port, { tls: options() });
      yield* on(connection, `${HELLO}\n`);
    });
    await server.exited;
    expectCleanClose(server.output());
  });

  it('Client.connect(host, port, { tls }): openssl s_server sees a clean close', async () => {
    const server = await sServer();
    const client = new LineClient();
    await haltAfterHello(server, function* (port) {
      yield* client.connect('127.0.0.1', port, { tls: options() });
      yield* client.say(HELLO);
    });
    await server.exited;
    expectCleanClose(server.output());
  });

  it.each(['auto', 'memory'] as const)('startTlsClient() on a plain connection (transport %s): openssl s_server sees a clean close', async (transport) => {
    const server = await sServer();
    await haltAfterHello(server, function* (port) {
      const connection = yield* connect('127.0.0.1', port);
      yield* on(connection, startTlsClient(options({ transport })));
      yield* on(connection, `${HELLO}\n`);
    });
    await server.exited;
    expectCleanClose(server.output());
  });

  it('the check tells the two apart: a session destroyed without a halt is an unexpected EOF to s_server', async () => {
    const server = await sServer();
    const connection = await run(connect('127.0.0.1', server.port, { tls: options() }));
    await run(on(connection, `${HELLO}\n`));
    await eventually(() => server.output().includes(HELLO), 's_server hearing the client');
    connection.destroy();
    await server.exited;
    expect(server.output(), server.output()).toMatch(/unexpected eof/i);
    expect(server.output(), server.output()).not.toMatch(/^DONE$/m);
  });
});
