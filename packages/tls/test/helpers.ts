import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Application, Service, type ConnectionHandler, type RemoteAddress, type Routine, type ServiceOptions } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { devCertificate, type DevCertificate } from '../src/index.js';

let shared: DevCertificate | null = null;

/** One development CA + server certificate per test file (key generation is the slow part). */
export function sharedCertificate(): DevCertificate {
  return (shared ??= devCertificate({ hosts: ['localhost', 'diesel.test'] }));
}

export interface Running {
  app: Application;
  service: Service;
  port: number;
  logger: MemoryLogger;
}

/** Starts an Application with one service on 127.0.0.1, port 0. Halt it with `stop`. */
export async function serve(handler: ConnectionHandler, options: Omit<ServiceOptions, 'port'> = {}): Promise<Running> {
  const logger = new MemoryLogger();
  const app = new Application({ logger });
  const service = new Service(handler, { port: 0, host: '127.0.0.1', ...options });
  app.addService(service);
  await app.start();
  return { app, service, port: service.port, logger };
}

/** Halts the app; resolves once every listener and connection is closed. */
export async function stop(running: Running | null | undefined): Promise<void> {
  if (running == null) return;
  const done = new Promise<void>((resolve) => {
    // run() resolves on halt; start() already awaited it, so poll the listener instead.
    const check = (): void => (running.service.address === null ? resolve() : void setTimeout(check, 5));
    check();
  });
  running.app.halt();
  await done;
}

/** A node:tls client connected to 127.0.0.1:port, resolved once the handshake is done. */
export function tlsClient(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves with the first error the socket emits, or null if it closes cleanly (or already has). */
export function settled(socket: net.Socket): Promise<Error | null> {
  return new Promise((resolve) => {
    if (socket.closed) {
      resolve(socket.errored ?? null);
      return;
    }
    let error: Error | null = null;
    socket.on('error', (e) => (error ??= e));
    socket.on('close', () => resolve(error));
  });
}

/** Reads from `socket` until `text` has arrived; resolves with everything read so far. */
export function readUntilText(socket: Duplex, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (seen.includes(text)) {
        cleanup();
        resolve(seen);
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`stream ended before ${JSON.stringify(text)}; got ${JSON.stringify(seen)}`));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
  });
}

/** Fails with a clear message when a system peer the test needs is not installed. */
export function requireCommand(command: string, versionArgs: string[] = ['--version']): void {
  const result = spawnSync(command, versionArgs, { stdio: 'ignore' });
  if (result.error !== undefined) throw new Error(`this test needs '${command}' on the PATH (install it, e.g. apt-get install ${command}): ${result.error.message}`);
}

/**
 * Wraps a (TLS-wrapped) handler so the test sees exactly what each connection's routine
 * threw, instead of digging through log lines.
 */
export function recording(handler: ConnectionHandler, errors: unknown[]): (remote: RemoteAddress) => Routine {
  const start = typeof handler === 'function' ? handler : (remote: RemoteAddress) => handler.handle(remote);
  return function* recorded(remote: RemoteAddress): Routine {
    try {
      return yield* start(remote);
    } catch (error) {
      errors.push(error);
      throw error;
    }
  };
}

/** Resolves once `predicate()` is true (polled); rejects with `what` after `ms`. */
export async function eventually(predicate: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The first flight a node:tls client sends (its ClientHello), captured without a
 * network by letting the client write into a stub stream.
 */
export async function captureClientHello(options: tls.ConnectionOptions = {}): Promise<Buffer> {
  return new Promise((resolve) => {
    const stub = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        resolve(Buffer.from(chunk));
        callback();
        setImmediate(() => client.destroy());
      },
    });
    const client = tls.connect({ socket: stub, servername: 'localhost', ...options });
    client.on('error', () => {});
  });
}

/** The good client every bad-input test runs afterwards: the service must still serve. */
export async function assertStillServing(port: number, ca: string, greeting: string): Promise<void> {
  const client = await tlsClient(port, { ca });
  try {
    const seen = await readUntilText(client, '\r\n');
    if (!seen.includes(greeting)) throw new Error(`expected greeting ${JSON.stringify(greeting)}, got ${JSON.stringify(seen)}`);
    client.write('still here\r\n');
    await readUntilText(client, 'still here\r\n');
  } finally {
    client.destroy();
  }
}

export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, feeding `input` on stdin; fails after `ms`. */
export function runCommand(command: string, args: string[], input: string, ms = 25_000): Promise<Spawned> {
  requireCommand(command, command === 'openssl' ? ['version'] : ['--version']);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('latin1')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('latin1')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${ms} ms; stdout ${JSON.stringify(stdout)} stderr ${JSON.stringify(stderr)}`));
    }, ms);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** Writes PEM text to a fresh temporary file; returns its path. */
export function pemFile(name: string, pem: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'diesel-tls-'));
  const path = join(dir, name);
  writeFileSync(path, pem);
  return path;
}
