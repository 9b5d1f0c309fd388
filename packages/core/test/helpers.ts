import net from 'node:net';
import { Application, Service, type ConnectionHandler, type ServiceOptions } from '../src/index.js';
import { MemoryLogger, readUntil } from '../src/testing/index.js';

/** Starts an app serving `handler` on a free loopback port. */
export async function serve(handler: ConnectionHandler, options: Partial<ServiceOptions> = {}) {
  const logger = new MemoryLogger();
  const app = new Application({ logger });
  const service = new Service(handler, { port: 0, host: '127.0.0.1', ...options });
  app.addService(service);
  await app.start();
  return { app, service, logger, port: service.port };
}

/** A real TCP client with line helpers. */
export async function dial(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

export function line(socket: net.Socket, sentinel = '\r\n'): Promise<string> {
  return readUntil(socket, sentinel);
}

/** Resolves when the socket is closed by the other side (or errors). */
export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.on('close', () => resolve());
    socket.resume();
  });
}

/** Polls `check` on each turn of the event loop until it is true. */
export async function until(check: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 20000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`gave up waiting for ${what}`);
}
