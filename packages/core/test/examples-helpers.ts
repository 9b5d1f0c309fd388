/**
 * Shared by the examples' tests (test/examples-*.test.ts). The examples import
 * `@diesel/core` (the built package, as a user's code would), so these tests do too:
 * mixing `../src` and the built package would give two copies of every token class.
 */
import net from 'node:net';
import { readUntil } from '@diesel/core/testing';

/** Opens a TCP connection to 127.0.0.1:`port`; resolves once connected. */
export function connectTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Reads one `\r\n`-terminated line (the ending included). */
export function readLine(socket: net.Socket): Promise<string> {
  return readUntil(socket, '\r\n');
}

/**
 * Resolves once the socket is fully closed. Reading resumes (and what arrives is
 * dropped), so the peer's FIN is seen and our side ends too.
 */
export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) return resolve();
    socket.once('close', () => resolve());
    socket.on('error', () => {}); // a reset is also a close
    socket.resume();
  });
}

/** Reads everything until the peer ends the stream. */
export function readToEnd(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.once('error', reject);
    socket.resume();
  });
}

/** Resolves when `predicate()` holds, checking after each turn of the event loop. */
export async function eventually(predicate: () => boolean, what: string, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`gave up waiting for ${what}`);
}
