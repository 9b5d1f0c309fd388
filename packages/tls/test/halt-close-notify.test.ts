/**
 * Halting the application ends every TLS session with close_notify: `openssl s_client`,
 * connected and idle, sees the session closed cleanly — no "unexpected eof".
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { receive, type RemoteAddress } from '@diesel/core';
import { eventually, pemFile, requireCommand, serve, sharedCertificate } from './helpers.js';

requireCommand('openssl', ['version']);

function* echo(_remote: RemoteAddress) {
  yield 'ready\r\n';
  while (true) yield yield* receive();
}

/** Runs s_client with stdin held open (so it only ends when the server closes); resolves with all it printed. */
function sClient(port: number, caFile: string): { output: () => string; exited: Promise<number | null> } {
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caFile, '-verify_return_error'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { output: () => output, exited };
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
});
