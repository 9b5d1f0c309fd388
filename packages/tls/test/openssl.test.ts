import { spawn } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@diesel/core/testing';
import { type DevCertificate } from '../src/index.js';
import { tlsEchoApp } from '../examples/tls-echo.js';
import { eventually, pemFile, requireCommand, sharedCertificate } from './helpers.js';

/**
 * Runs `openssl s_client`, writes `input` once connected, and resolves when stdout
 * contains `expected` (then stops the client). stderr carries the -brief summary.
 */
function sClient(args: string[], input: string, expected: string): Promise<{ stdout: string; stderr: string }> {
  requireCommand('openssl', ['version']);
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-brief', '-ign_eof', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let done = false;
    const finish = (error: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill();
      if (error === null) resolve({ stdout, stderr });
      else reject(error);
    };
    const timer = setTimeout(() => finish(new Error(`openssl s_client never printed ${JSON.stringify(expected)}; stdout ${JSON.stringify(stdout)} stderr ${JSON.stringify(stderr)}`)), 25_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('latin1');
      if (stdout.includes(expected)) finish(null);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('latin1');
      // -brief prints the handshake summary to stderr once connected: now send.
      if (stderr.includes('CONNECTION ESTABLISHED') && input !== '') {
        child.stdin.write(input);
        input = '';
      }
    });
    child.on('error', (error) => finish(error));
    child.on('close', (code) => finish(stdout.includes(expected) ? null : new Error(`openssl s_client exited (${code}) early; stdout ${JSON.stringify(stdout)} stderr ${JSON.stringify(stderr)}`)));
  });
}

describe('openssl s_client against the TLS echo example', () => {
  let dev: DevCertificate;
  let caFile: string;
  let stopApp: (() => Promise<void>) | null = null;
  beforeAll(() => {
    dev = sharedCertificate();
    caFile = pemFile('ca.pem', dev.ca);
  });
  afterEach(async () => {
    await stopApp?.();
    stopApp = null;
  });

  async function start(extra: { ALPNProtocols?: string[] } = {}): Promise<number> {
    const { app, service } = tlsEchoApp({ port: 0, host: '127.0.0.1', tls: { key: dev.key, cert: dev.cert, ...extra }, logger: new MemoryLogger() });
    await app.start();
    stopApp = async () => {
      app.halt();
      await eventually(() => service.address === null, 'the service to close');
    };
    return service.port;
  }

  it('verifies the certificate, negotiates TLS 1.3 and echoes', async () => {
    const port = await start();
    const { stdout, stderr } = await sClient(['-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-verify_hostname', 'localhost', '-CAfile', caFile, '-verify_return_error'], 'echo me\n', 'echo me\n');
    expect(stderr).toMatch(/Protocol version: TLSv1\.3/);
    expect(stderr).toMatch(/Verification: OK/);
    expect(stdout).toMatch(/^hello over TLSv1\.3 with TLS_\w+\r\necho me\n/);
  });

  it('speaks TLS 1.2 with -tls1_2', async () => {
    const port = await start();
    const { stdout, stderr } = await sClient(['-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caFile, '-verify_return_error', '-tls1_2'], 'twelve\n', 'twelve\n');
    expect(stderr).toMatch(/Protocol version: TLSv1\.2/);
    expect(stdout).toMatch(/^hello over TLSv1\.2 with /);
  });

  it('negotiates ALPN with -alpn', async () => {
    const port = await start({ ALPNProtocols: ['diesel/1', 'http/1.1'] });
    const { stdout } = await sClient(['-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caFile, '-alpn', 'diesel/1'], 'alpn\n', 'alpn\n');
    expect(stdout).toMatch(/\(ALPN diesel\/1\)\r\n/);
  });
});
