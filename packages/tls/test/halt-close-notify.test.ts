/**
 * Halting the application ends every TLS session with close_notify: `openssl s_client`,
 * connected and idle, sees the session closed cleanly — no "unexpected eof". Both ways a
 * connection becomes TLS: from the first byte (`wrapTls`, the `tls` option) and mid-way
 * (`startTls`, here SMTP's STARTTLS as `s_client -starttls smtp` speaks it).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { receive, type RemoteAddress } from '@diesel/core';
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
