import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@diesel/core/testing';
import { type DevCertificate } from '../src/index.js';
import { httpsHelloApp } from '../examples/https-hello.js';
import { eventually, pemFile, runCommand, sharedCertificate } from './helpers.js';

describe('HTTPS: @diesel/http behind TLS, driven by curl', () => {
  let dev: DevCertificate;
  let caFile: string;
  let stopApp: (() => Promise<void>) | null = null;
  let logger: MemoryLogger;
  beforeAll(() => {
    dev = sharedCertificate();
    caFile = pemFile('ca.pem', dev.ca);
  });
  afterEach(async () => {
    await stopApp?.();
    stopApp = null;
  });

  async function start(): Promise<number> {
    logger = new MemoryLogger();
    const { app, service } = httpsHelloApp({ port: 0, host: '127.0.0.1', tls: { key: dev.key, cert: dev.cert }, logger });
    await app.start();
    stopApp = async () => {
      app.halt();
      await eventually(() => service.address === null, 'the service to close');
    };
    return service.port;
  }

  it('curl --cacert verifies the server and gets pages over one kept-alive TLS connection', async () => {
    const port = await start();
    const url = (path: string) => `https://localhost:${port}${path}`;
    const result = await runCommand(
      'curl',
      ['--silent', '--show-error', '--cacert', caFile, '--resolve', `localhost:${port}:127.0.0.1`, '--write-out', '|%{http_code} %{ssl_verify_result} %{num_connects}\\n', url('/one'), url('/two?x=1')],
      '',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'hello over TLSv1.3 (ALPN http/1.1, SNI localhost), you asked for GET /one\n|200 0 1\n' +
        'hello over TLSv1.3 (ALPN http/1.1, SNI localhost), you asked for GET /two?x=1\n|200 0 0\n',
    );
  });

  it('curl refuses the server without the dev CA (exit 60), and the server goes on', async () => {
    const port = await start();
    const refused = await runCommand('curl', ['--silent', '--show-error', '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/`], '');
    expect(refused.code).toBe(60);
    expect(refused.stderr).toMatch(/certificate/i);
    // curl's alert reaches the server as a clear error on that connection, logged by the Service.
    await eventually(() => logger.lines.some((line) => line.includes('TLS peer certificate rejected (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)')), 'the handshake failure in the log');
    const fine = await runCommand('curl', ['--silent', '--cacert', caFile, '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/after`], '');
    expect(fine.stdout).toContain('you asked for GET /after');
  });

  it('curl over TLS 1.2 with a POST body', async () => {
    const port = await start();
    const result = await runCommand('curl', ['--silent', '--show-error', '--tlsv1.2', '--tls-max', '1.2', '--cacert', caFile, '--resolve', `localhost:${port}:127.0.0.1`, '--data', 'x=1', `https://localhost:${port}/form`], '');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('hello over TLSv1.2 (ALPN http/1.1, SNI localhost), you asked for POST /form\n');
  });
});
