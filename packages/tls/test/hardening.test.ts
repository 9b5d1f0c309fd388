import { afterEach, describe, expect, it } from 'vitest';
import { receive, type RemoteAddress } from '@diesel/core';
import { MODERN_CIPHERS, wrapTls } from '../src/index.js';
import { type Running, assertStillServing, pemFile, runCommand, serve, sharedCertificate, stop } from './helpers.js';

const GREETING = 'hello, modern';

function* greet(_remote: RemoteAddress) {
  yield `${GREETING}\r\n`;
  yield yield* receive();
}

/** Asks openssl s_client for exactly one TLS 1.2 cipher; true when the handshake succeeded with it. */
async function handshakes(port: number, ca: string, cipher: string): Promise<boolean> {
  const result = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', pemFile('ca.pem', ca), '-tls1_2', '-cipher', cipher, '-brief'], 'Q\n');
  // The greeting only arrives over an established session.
  return result.code === 0 && result.stdout.includes(GREETING);
}

describe("ciphers: 'modern'", () => {
  let running: Running | null = null;
  afterEach(async () => {
    await stop(running);
    running = null;
  });

  for (const [how, ciphers] of [['the preset constant', MODERN_CIPHERS], ["the 'modern' keyword", 'modern']] as const) {
    it(`offers only forward-secret AEAD suites over TLS 1.2 (${how}), checked with openssl s_client -cipher`, async () => {
      const dev = sharedCertificate();
      running = await serve(wrapTls(greet, { key: dev.key, cert: dev.cert, ciphers }));
      const { port } = running;
      expect(await handshakes(port, dev.ca, 'ECDHE-RSA-AES128-GCM-SHA256')).toBe(true);
      expect(await handshakes(port, dev.ca, 'ECDHE-RSA-CHACHA20-POLY1305')).toBe(true);
      // CBC with forward secrecy, and static-RSA key exchange with GCM and CBC: refused.
      for (const weak of ['ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384', 'AES128-GCM-SHA256', 'AES256-SHA']) {
        expect(await handshakes(port, dev.ca, weak), weak).toBe(false);
      }
      await assertStillServing(port, dev.ca, GREETING);
    });
  }

  it("Node's default list, for comparison, still takes a CBC suite without forward secrecy", async () => {
    const dev = sharedCertificate();
    running = await serve(wrapTls(greet, { key: dev.key, cert: dev.cert }));
    expect(await handshakes(running.port, dev.ca, 'AES128-SHA')).toBe(true);
  });
});

describe('client-initiated renegotiation', () => {
  let running: Running | null = null;
  afterEach(async () => {
    await stop(running);
    running = null;
  });

  it('is refused (it would let one client make the server redo handshakes at will), and the service goes on', async () => {
    const dev = sharedCertificate();
    running = await serve(wrapTls(greet, { key: dev.key, cert: dev.cert }));
    // s_client reads "R" on a line of its own as "renegotiate now"; the echo after it never comes.
    const result = await runCommand('sh', ['-c', `(sleep 1; echo R; sleep 2; echo after-renegotiation; sleep 1) | openssl s_client -connect 127.0.0.1:${running.port} -servername localhost -tls1_2 -CAfile ${pemFile('ca.pem', dev.ca)}`], '');
    expect(result.stdout + result.stderr).toContain('RENEGOTIATING');
    expect(result.stdout).not.toContain('after-renegotiation');
    await assertStillServing(running.port, dev.ca, GREETING);
  });
});
