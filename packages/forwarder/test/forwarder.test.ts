import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Application, Service } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { type ForwardCloseEvent, ForwarderError, forwarder } from '../src/index.js';
import {
  cleanup,
  collect,
  deadPort,
  dial,
  echoServer,
  hashUntilEnd,
  listen,
  pattern,
  patternDigest,
  sendPattern,
  startForwarder,
} from './helpers.js';

afterEach(cleanup);

const MiB = 1024 * 1024;

function closeEvent(events: { type: string }[]): ForwardCloseEvent {
  const close = events.filter((e): e is ForwardCloseEvent => e.type === 'close');
  expect(close).toHaveLength(1);
  return close[0]!;
}

describe('forwarder', () => {
  it('forwards to an echo server, line by line, and reports open and close', async () => {
    const echo = await echoServer();
    const fwd = await startForwarder({ host: '127.0.0.1', port: echo.port });
    const client = await dial(fwd.port);
    const received = collect(client);
    client.write('hello\r\n');
    await new Promise<void>((resolve) => client.once('data', () => resolve()));
    client.end('world\r\n');
    const { data, ended, error } = await received;
    expect(error).toBeNull();
    expect(ended).toBe(true);
    expect(data.toString()).toBe('hello\r\nworld\r\n');
    const [close] = (await fwd.closed()) as ForwardCloseEvent[];
    expect(close!.reason).toBe('closed');
    expect(close!.bytesUp).toBe(14);
    expect(close!.bytesDown).toBe(14);
    expect(fwd.events[0]).toMatchObject({ type: 'open', target: { host: '127.0.0.1', port: echo.port } });
  });

  it('carries 50 MiB each way at the same time, byte for byte (sha-256)', async () => {
    const size = 50 * MiB;
    // The target sends its own 50 MiB stream while it hashes the client's.
    let targetSaw: Promise<{ digest: string; length: number }> | null = null;
    const target = await listen((socket) => {
      targetSaw = hashUntilEnd(socket);
      void sendPattern(socket, size, 2);
    });
    const fwd = await startForwarder({ host: '127.0.0.1', port: target.port });
    const client = await dial(fwd.port);
    const clientSaw = hashUntilEnd(client);
    await sendPattern(client, size, 1);
    const down = await clientSaw;
    expect(targetSaw).not.toBeNull();
    const up = await targetSaw!;
    expect(up.length).toBe(size);
    expect(up.digest).toBe(patternDigest(size, 1));
    expect(down.length).toBe(size);
    expect(down.digest).toBe(patternDigest(size, 2));
    const [close] = (await fwd.closed()) as ForwardCloseEvent[];
    expect(close).toMatchObject({ reason: 'closed', bytesUp: size, bytesDown: size });
  }, 120_000);

  it('echoes 50 MiB back through the forwarder unchanged', async () => {
    const size = 50 * MiB;
    const echo = await echoServer();
    const fwd = await startForwarder({ host: '127.0.0.1', port: echo.port });
    const client = await dial(fwd.port);
    const back = hashUntilEnd(client);
    await sendPattern(client, size, 7);
    const { digest, length } = await back;
    expect(length).toBe(size);
    expect(digest).toBe(patternDigest(size, 7));
  }, 120_000);

  it('passes a client half-close on: the target sees FIN and the client still gets the whole answer', async () => {
    let targetGot = '';
    const target = await listen((socket) => {
      socket.on('data', (chunk: Buffer) => (targetGot += chunk.toString()));
      // Answers only after the client's FIN, so the answer must travel a half-open connection.
      socket.on('end', () => {
        socket.write(`you sent ${targetGot.length} bytes\n`);
        socket.end('x'.repeat(200_000) + '\nbye\n');
      });
    });
    const fwd = await startForwarder({ host: '127.0.0.1', port: target.port });
    const client = await dial(fwd.port);
    const received = collect(client);
    client.end('question');
    const { data, ended, error } = await received;
    expect(error).toBeNull();
    expect(ended).toBe(true);
    expect(targetGot).toBe('question');
    const text = data.toString();
    expect(text.startsWith('you sent 8 bytes\n')).toBe(true);
    expect(text.endsWith('\nbye\n')).toBe(true);
    expect(text.length).toBe(17 + 200_000 + 5);
    expect(closeEvent(await fwd.closed())).toMatchObject({ reason: 'closed', bytesUp: 8, bytesDown: text.length });
  });

  it('passes a target half-close on: the client sees FIN and can keep sending', async () => {
    let targetGot = '';
    let targetSawEnd!: () => void;
    const targetEnded = new Promise<void>((resolve) => (targetSawEnd = resolve));
    const target = await listen((socket) => {
      socket.end('greeting, then silence\n');
      socket.on('data', (chunk: Buffer) => (targetGot += chunk.toString()));
      socket.on('end', targetSawEnd);
    });
    const fwd = await startForwarder({ host: '127.0.0.1', port: target.port });
    const client = await dial(fwd.port);
    const received = collect(client);
    await new Promise<void>((resolve) => client.once('end', () => resolve()));
    client.write('still talking\n');
    client.end('done\n');
    await targetEnded;
    expect(targetGot).toBe('still talking\ndone\n');
    expect((await received).data.toString()).toBe('greeting, then silence\n');
    expect(closeEvent(await fwd.closed())).toMatchObject({ reason: 'closed' });
  });

  it('closes the client when the target refuses, and reports it', async () => {
    const port = await deadPort();
    const fwd = await startForwarder({ host: '127.0.0.1', port });
    const client = await dial(fwd.port);
    const received = collect(client);
    // The forwarder ends the client (FIN); this half-open test client then ends its side too.
    client.once('end', () => client.end());
    const { data, ended } = await received;
    expect(ended).toBe(true);
    expect(data.length).toBe(0);
    const close = closeEvent(await fwd.closed());
    expect(close.reason).toBe('refused');
    expect(close.error).toBeInstanceOf(ForwarderError);
    expect((close.error as ForwarderError).code).toBe('DIESEL_ERR_FORWARDER_TARGET_UNREACHABLE');
    expect(close.error!.message).toContain(`127.0.0.1:${port}`);
    expect(fwd.events.some((e) => e.type === 'open')).toBe(false);
  });

  it('closes the client when the target resets mid-stream', async () => {
    const target = await listen((socket) => {
      socket.write('x'.repeat(100_000));
      socket.once('data', () => socket.resetAndDestroy());
    });
    const fwd = await startForwarder({ host: '127.0.0.1', port: target.port });
    const client = await dial(fwd.port);
    const received = collect(client);
    client.write('now reset');
    const { ended } = await received;
    expect(ended).toBe(false); // no orderly FIN: the client learns the stream broke
    const close = closeEvent(await fwd.closed());
    expect(close.reason).toBe('reset');
    expect(close.error).toBeInstanceOf(Error);
  });

  it('closes the target when the client resets mid-stream', async () => {
    let targetResult: Promise<{ data: Buffer; ended: boolean; error: Error | null }> | null = null;
    let accepted!: () => void;
    const gotConnection = new Promise<void>((resolve) => (accepted = resolve));
    const target = await listen((socket) => {
      targetResult = collect(socket);
      socket.write('x'.repeat(1_000_000)); // still sending when the client goes
      accepted();
    });
    const fwd = await startForwarder({ host: '127.0.0.1', port: target.port });
    const client = await dial(fwd.port);
    client.write('partial request');
    await gotConnection;
    await new Promise<void>((resolve) => client.once('data', () => resolve()));
    client.resetAndDestroy();
    const result = await targetResult!;
    expect(result.ended).toBe(false);
    expect(closeEvent(await fwd.closed()).reason).toBe('reset');
  });

  it('serves many connections at once, each getting its own bytes back', async () => {
    const echo = await echoServer();
    const fwd = await startForwarder({ host: '127.0.0.1', port: echo.port });
    const count = 200;
    const results = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const client = await dial(fwd.port);
        const received = collect(client);
        const message = `client ${i} `.repeat(100 + i);
        client.end(message);
        const { data } = await received;
        return data.toString() === message;
      }),
    );
    expect(results.filter(Boolean)).toHaveLength(count);
    const closes = (await fwd.closed(count)) as ForwardCloseEvent[];
    expect(closes.every((e) => e.reason === 'closed')).toBe(true);
    expect(new Set(closes.map((e) => e.id)).size).toBe(count);
  });

  it('in hexdump mode reports every chunk, in order, with its offset', async () => {
    const echo = await echoServer();
    const fwd = await startForwarder({ host: '127.0.0.1', port: echo.port }, { hexdump: true });
    const client = await dial(fwd.port);
    const received = collect(client);
    client.end('GET / HTTP/1.1\r\n\r\n');
    await received;
    await fwd.closed();
    const up = fwd.events.filter((e) => e.type === 'data' && e.direction === 'up');
    const down = fwd.events.filter((e) => e.type === 'data' && e.direction === 'down');
    const join = (list: typeof up) => Buffer.concat(list.map((e) => (e.type === 'data' ? e.data : Buffer.alloc(0)))).toString();
    expect(join(up)).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(join(down)).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(up[0]).toMatchObject({ offset: 0 });
  });

  it('reports to a logger: info when closed, warn when refused', async () => {
    const echo = await echoServer();
    const logger = new MemoryLogger();
    const app = new Application({ logger: new MemoryLogger() });
    const good = new Service(forwarder({ host: '127.0.0.1', port: echo.port }, { log: logger }), { port: 0, host: '127.0.0.1' });
    const bad = new Service(forwarder({ host: '127.0.0.1', port: await deadPort() }, { log: logger }), { port: 0, host: '127.0.0.1' });
    app.addService(good).addService(bad);
    await app.start();
    try {
      for (const service of [good, bad]) {
        const client = await dial(service.port);
        const done = collect(client);
        client.end('ping');
        await done;
      }
      // The close line is logged after the client saw its connection end; wait for it.
      while (logger.lines.filter((l) => l.includes(' closed after ') || l.includes(' refused: ')).length < 2) await new Promise((r) => setTimeout(r, 10));
      expect(logger.lines.some((l) => /^info #\d+ 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ closed after [\d.]+ s: 4 bytes up, 4 bytes down$/.test(l))).toBe(true);
      expect(logger.lines.some((l) => l.startsWith('warn ') && /refused: cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED$/.test(l))).toBe(true);
    } finally {
      app.halt();
    }
  });

  it('on halt resets both sides and reports the connection as halted', async () => {
    let targetResult: Promise<{ data: Buffer; ended: boolean; error: Error | null }> | null = null;
    const target = await listen((socket) => {
      targetResult = collect(socket);
    });
    const fwd = await startForwarder({ host: '127.0.0.1', port: target.port });
    const client = await dial(fwd.port);
    const clientDone = collect(client);
    await fwd.opened();
    fwd.app.halt();
    // Reset, not FIN: neither peer may mistake a halted forwarder for a finished stream.
    expect((await clientDone).ended).toBe(false);
    expect((await targetResult!).ended).toBe(false);
    expect(closeEvent(await fwd.closed()).reason).toBe('halted');
  });

  it('on halt as the target accepts (mostly: still connecting), closes the client and reports halted', async () => {
    let accepted!: () => void;
    const connected = new Promise<void>((resolve) => (accepted = resolve));
    const target = await listen(() => accepted());
    const fwd = await startForwarder({ host: '127.0.0.1', port: target.port });
    const client = await dial(fwd.port);
    const clientDone = collect(client);
    client.once('end', () => client.end());
    await connected;
    fwd.app.halt(); // usually before the forwarder's connect has resolved
    await clientDone;
    expect(closeEvent(await fwd.closed()).reason).toBe('halted');
  });

  it('rejects a target without a valid port, and bad limits', () => {
    expect(() => forwarder({ host: 'example.com', port: 0 })).toThrow(ForwarderError);
    expect(() => forwarder({ host: '', port: 80 })).toThrow(/target must be/);
    expect(() => forwarder({ host: 'example.com', port: 80 }, { chunkSize: 0 })).toThrow(RangeError);
  });

  it('holds a fast client back while the target does not read: what is in flight stays bounded, and nothing is lost', async () => {
    const size = 128 * MiB;
    let targetSocket: net.Socket | null = null;
    let targetSaw: Promise<{ digest: string; length: number }> | null = null;
    const target = await listen((socket) => {
      targetSocket = socket;
      socket.pause();
    });
    const fwd = await startForwarder({ host: '127.0.0.1', port: target.port });
    const client = await dial(fwd.port);
    let written = 0;
    const sending = (async () => {
      for (const chunk of pattern(size, 5)) {
        written += chunk.length;
        if (!client.write(chunk)) await new Promise((resolve) => client.once('drain', resolve));
      }
      client.end();
    })();
    // Wait until the client is held back: what it has handed to the kernel stops growing.
    const flushed = (): number => written - client.writableLength;
    let last = -1;
    for (let still = 0; still < 5; ) {
      await new Promise((r) => setTimeout(r, 100));
      const now = flushed();
      still = now === last ? still + 1 : 0;
      last = now;
    }
    // Everything past the target's unread socket sits in kernel buffers or in the
    // forwarder; with backpressure that is a few socket buffers, not the whole stream.
    expect(flushed()).toBeLessThan(size / 2);
    expect(targetSocket).not.toBeNull();
    targetSaw = hashUntilEnd(targetSocket!);
    targetSocket!.resume();
    await sending;
    const up = await targetSaw;
    expect(up.length).toBe(size);
    expect(up.digest).toBe(patternDigest(size, 5));
  }, 120_000);

  it('a closed connection leaves no socket behind on either side', async () => {
    const echo = await echoServer();
    const fwd = await startForwarder({ host: '127.0.0.1', port: echo.port });
    const client = await dial(fwd.port);
    const done = collect(client);
    client.end('bye');
    await done;
    await fwd.closed();
    // The echo server's socket closes once the forwarder's upstream socket is gone.
    while (await new Promise<number>((resolve, reject) => echo.server.getConnections((e, n) => (e ? reject(e) : resolve(n))))) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(fwd.app.services[0]!.connectionCount).toBe(0);
  });
});

