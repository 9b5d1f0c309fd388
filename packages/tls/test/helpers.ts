import { spawnSync } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import { Application, Service, type ConnectionHandler, type ServiceOptions } from '@diesel/core';
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

/** Resolves with the first error the socket emits, or null if it closes cleanly. */
export function settled(socket: net.Socket): Promise<Error | null> {
  return new Promise((resolve) => {
    let error: Error | null = null;
    socket.on('error', (e) => (error ??= e));
    socket.on('close', () => resolve(error));
  });
}

/** Reads from `socket` until `text` has arrived; resolves with everything read so far. */
export function readUntilText(socket: net.Socket, text: string): Promise<string> {
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
