/**
 * Runs the guide's own examples (docs/guide/snippets/) against real peers on real
 * sockets (127.0.0.1, port 0). Each test halts what it started.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Application, Service, run, until, type RemoteAddress } from '@diesel/core';
import { readUntil } from '@diesel/core/testing';
import { devCertificate, tlsInfoOf } from '@diesel/tls';
import { countTo, createProducersApp } from '../guide/snippets/producers.js';
import { askToShout, createShoutApp } from '../guide/snippets/ws-echo.js';
import { UpgradingClient, upgradableEcho } from '../guide/snippets/starttls.js';
import { shoutingProxy } from '../guide/snippets/proxy.js';
// Its describe() blocks register here: the chapter's tests run with these.
import '../guide/snippets/testing.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

async function started<T extends { app: Application }>(made: T): Promise<T> {
  await made.app.start();
  cleanups.push(() => made.app.halt());
  return made;
}

async function tcp(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  cleanups.push(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Reads up to `text`; readUntil pauses the stream when done, so resume it first. */
function read(socket: net.Socket, text: string): Promise<string> {
  const result = readUntil(socket, text);
  socket.resume();
  return result;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diesel-guide-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('chapter 6: producers and backpressure (snippets/producers.ts)', () => {
  it('countTo is a plain async generator', async () => {
    const chunks: string[] = [];
    for await (const chunk of countTo(3)) chunks.push(chunk);
    expect(chunks).toEqual(['1\r\n', '2\r\n', '3\r\n']);
  });

  it('streams a count, a file, and a failing producer into the connection', async () => {
    const dir = tempDir();
    const text = 'first line\nsecond line\n'.repeat(20_000); // several chunks of a ReadStream
    fs.writeFileSync(path.join(dir, 'notes.txt'), text);
    const { producers } = await started(createProducersApp({ port: 0, firehosePort: 0, dir }));
    const socket = await tcp(producers.port);
    socket.write('count 3\r\n');
    expect(await read(socket, '.\r\n')).toBe('1\r\n2\r\n3\r\n.\r\n');
    socket.write('cat notes.txt\r\n');
    expect(await read(socket, '.\r\n')).toBe(`${text}.\r\n`);
    socket.write('cat missing.txt\r\n');
    expect(await read(socket, '\r\n')).toBe('error: ENOENT\r\n');
    socket.write('cat ../../etc/passwd\r\n'); // basename only: stays in dir
    expect(await read(socket, '\r\n')).toBe('error: ENOENT\r\n');
    socket.write('dance\r\n');
    expect(await read(socket, '.\r\n')).toBe('unknown command "dance"\r\n.\r\n');
  });

  it('a client that stops reading stops the firehose; reading again restarts it', async () => {
    let written = 0;
    const { hose } = await started(createProducersApp({ port: 0, firehosePort: 0, progress: (n) => (written = n) }));
    const socket = await tcp(hose.port);
    socket.pause();
    // Wait until the writer has been stuck for a while (it fills the kernel's buffers first).
    let last = -1;
    let still = 0;
    while (still < 10) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      still = written === last && written > 0 ? still + 1 : 0;
      last = written;
    }
    const stuckAt = written;
    // ~1 KiB a line: the handler is parked at the socket's buffers, not racing ahead in memory.
    expect(stuckAt).toBeGreaterThan(0);
    expect(stuckAt).toBeLessThan(64 * 1024);
    let received = '';
    let lines = 0;
    await new Promise<void>((resolve) => {
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        received = (received + chunk).slice(-4096);
        lines += chunk.split('\r\n').length - 1;
        if (lines > stuckAt + 1000) {
          socket.pause();
          resolve();
        }
      });
      socket.resume();
    });
    expect(written).toBeGreaterThan(stuckAt);
    expect(received).toMatch(/line \d+ x+\r\n/);
  });
});

describe('chapter 8: WebSocket (snippets/ws-echo.ts)', () => {
  it('a ws client and the diesel client both get shouted at; a foreign origin gets 403', async () => {
    const { service } = await started(createShoutApp({ port: 0, host: '127.0.0.1' }));
    const url = `ws://127.0.0.1:${service.port}/shout`;

    const ws = new WebSocket(url);
    cleanups.push(() => ws.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.send('quiet please');
    expect(await reply).toBe('QUIET PLEASE');

    expect(await run(askToShout(url, 'hello'))).toBe('HELLO');

    const page = await fetch(`http://127.0.0.1:${service.port}/`);
    expect(await page.text()).toBe('open a WebSocket to /shout\n');

    const foreign = new WebSocket(url, { origin: 'http://evil.example' });
    foreign.on('error', () => {}); // refused: ws reports the aborted handshake as an error too
    cleanups.push(() => foreign.terminate());
    const status = await new Promise<number>((resolve, reject) => {
      foreign.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      foreign.once('open', () => reject(new Error('a foreign origin was let in')));
    });
    expect(status).toBe(403);
  });
});

describe('chapter 9: STARTTLS (snippets/starttls.ts)', () => {
  it('talks in plaintext, upgrades, and goes on over TLS with the certificate checked', async () => {
    const dev = devCertificate({ hosts: ['localhost'] });
    const app = new Application();
    const service = new Service(upgradableEcho(dev), { port: 0, host: '127.0.0.1' });
    app.addService(service);
    await started({ app });
    const client = new UpgradingClient();
    cleanups.push(() => client.close());
    const transcript = await run(
      (function* () {
        yield* client.connect('127.0.0.1', service.port);
        const greeting = yield* client.greeting();
        const plain = yield* client.say('in the clear');
        const upgraded = yield* client.secure({ ca: dev.ca, servername: 'localhost' });
        const secret = yield* client.say('in secret');
        return [greeting, plain, upgraded, secret];
      })(),
    );
    expect(transcript).toEqual(['hello; say STARTTLS to encrypt\r\n', 'you said: in the clear\r\n', 'now over TLSv1.3\r\n', 'you said: in secret\r\n']);
    expect(tlsInfoOf(client.connection!)?.protocol).toBe('TLSv1.3');
  });

  it('a client that does not trust the certificate gets a TlsError, and the server goes on', async () => {
    const dev = devCertificate({ hosts: ['localhost'] });
    const stranger = devCertificate({ hosts: ['localhost'] }); // another CA
    const app = new Application({ logger: { debug() {}, info() {}, warn() {}, error() {}, critical() {} } });
    const service = new Service(upgradableEcho(dev), { port: 0, host: '127.0.0.1' });
    app.addService(service);
    await started({ app });
    const client = new UpgradingClient();
    cleanups.push(() => client.close());
    const error = await run(
      (function* () {
        yield* client.connect('127.0.0.1', service.port);
        yield* client.greeting();
        try {
          yield* client.secure({ ca: stranger.ca, servername: 'localhost' });
          return null;
        } catch (caught) {
          return caught as { code?: string };
        }
      })(),
    );
    expect(error?.code).toBe('DIESEL_ERR_TLS_CERTIFICATE');
    const socket = await tcp(service.port);
    expect(await read(socket, '\r\n')).toBe('hello; say STARTTLS to encrypt\r\n');
  });
});

describe('chapter 11: a proxy with connect and on (snippets/proxy.ts)', () => {
  it('upper-cases lines on their way to the target and brings the answers back', async () => {
    function* echo(_remote: RemoteAddress) {
      while (true) yield `echo: ${yield* until('\r\n')}`;
    }
    const app = new Application();
    const target = new Service(echo, { port: 0, host: '127.0.0.1' });
    app.addService(target);
    await started({ app });
    const proxy = new Service(shoutingProxy({ host: '127.0.0.1', port: target.port }), { port: 0, host: '127.0.0.1' });
    app.addService(proxy);
    while (proxy.address === null) await new Promise((resolve) => setImmediate(resolve));

    const socket = await tcp(proxy.port);
    socket.write('hello\r\n');
    expect(await read(socket, '\r\n')).toBe('echo: HELLO\r\n');
    socket.write('and again\r\n');
    expect(await read(socket, '\r\n')).toBe('echo: AND AGAIN\r\n');
    // The client leaving ends the session: the proxy closes its upstream connection too.
    expect(target.connectionCount).toBe(1);
    socket.end();
    while (target.connectionCount !== 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(target.connectionCount).toBe(0);
  });
});
