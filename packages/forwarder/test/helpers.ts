import { createHash } from 'node:crypto';
import net from 'node:net';
import { Application, Service } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { type ForwardEvent, type ForwarderOptions, type ForwardTarget, forwarder } from '../src/index.js';

/** Every server and socket a test opened, closed by `cleanup()` in afterEach. */
const open: { close(): void }[] = [];

export function track<T extends { close(): void }>(thing: T): T {
  open.push(thing);
  return thing;
}

export async function cleanup(): Promise<void> {
  for (const thing of open.splice(0)) {
    try {
      thing.close();
    } catch {
      // already closed
    }
  }
}

/** A node:net server on 127.0.0.1:0; half-open connections allowed. */
export async function listen(onConnection: (socket: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track({ close: () => { for (const s of sockets) s.destroy(); server.close(); } });
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** Echoes every byte back, and ends its side when the client ends (FIN passed back). */
export function echoServer(): Promise<{ server: net.Server; port: number }> {
  return listen((socket) => socket.pipe(socket));
}

export interface Forwarding {
  app: Application;
  port: number;
  events: ForwardEvent[];
  /** Resolves once `count` close events have been reported. */
  closed(count?: number): Promise<ForwardEvent[]>;
  /** Resolves once `count` open events have been reported. */
  opened(count?: number): Promise<ForwardEvent[]>;
}

/** Runs a forwarder to `target` in its own Application on 127.0.0.1:0; halted by cleanup(). */
export async function startForwarder(target: ForwardTarget, options: Omit<ForwarderOptions, 'log'> = {}, limits: { inputHighWaterMark?: number } = {}): Promise<Forwarding> {
  const events: ForwardEvent[] = [];
  const watchers: (() => void)[] = [];
  const app = new Application({ logger: new MemoryLogger() });
  const service = new Service(
    forwarder(target, { ...options, log: (event) => {
      events.push(event.type === 'data' ? { ...event, data: Buffer.from(event.data) } : event);
      for (const watcher of [...watchers]) watcher();
    } }),
    { port: 0, host: '127.0.0.1', ...limits },
  );
  app.addService(service);
  await app.start();
  track({ close: () => app.halt() });
  const seen = (type: ForwardEvent['type'], count: number): Promise<ForwardEvent[]> =>
    new Promise((resolve) => {
      const check = (): void => {
        const done = events.filter((e) => e.type === type);
        if (done.length >= count) {
          watchers.splice(watchers.indexOf(check), 1);
          resolve(done);
        }
      };
      watchers.push(check);
      check();
    });
  return { app, port: service.port, events, closed: (count = 1) => seen('close', count), opened: (count = 1) => seen('open', count) };
}

/** Connects with node:net (half-open allowed). */
export function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
    track({ close: () => socket.destroy() });
  });
}

/** Everything a socket sends until it ends or closes; `error` is set if it failed. */
export function collect(socket: net.Socket): Promise<{ data: Buffer; ended: boolean; error: Error | null }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ended = false;
    let error: Error | null = null;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => (ended = true));
    socket.on('error', (e) => (error = e));
    socket.on('close', () => resolve({ data: Buffer.concat(chunks), ended, error }));
  });
}

/** Deterministic pseudo-random bytes (xorshift), produced in chunks so 50 MiB never sits in memory twice. */
export function* pattern(total: number, seed: number, chunk = 64 * 1024): Generator<Buffer> {
  let x = seed >>> 0 || 1;
  for (let sent = 0; sent < total; sent += chunk) {
    const size = Math.min(chunk, total - sent);
    const buf = Buffer.allocUnsafe(size);
    for (let i = 0; i + 4 <= size; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      buf.writeUInt32LE(x >>> 0, i);
    }
    for (let i = size - (size % 4); i < size; i++) buf[i] = i & 0xff;
    yield buf;
  }
}

export function patternDigest(total: number, seed: number): string {
  const hash = createHash('sha256');
  for (const chunk of pattern(total, seed)) hash.update(chunk);
  return hash.digest('hex');
}

/** Writes a pattern with backpressure, then ends the socket's write half. */
export async function sendPattern(socket: net.Socket, total: number, seed: number): Promise<void> {
  for (const chunk of pattern(total, seed)) {
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onClose = (): void => reject(new Error('socket closed while sending'));
        socket.once('close', onClose);
        socket.once('drain', () => {
          socket.off('close', onClose);
          resolve();
        });
      });
    }
  }
  socket.end();
}

/** Hashes everything a socket sends until it ends. */
export function hashUntilEnd(socket: net.Socket): Promise<{ digest: string; length: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let length = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    socket.once('end', () => resolve({ digest: hash.digest('hex'), length }));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed before end after ${length} bytes`)));
  });
}

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
