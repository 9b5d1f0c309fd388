/**
 * A TLS echo server: the plain echo handler, unchanged, behind TLS. It greets with what
 * the handshake negotiated, then sends back every byte it receives.
 *
 *   node examples-dist/tls-echo.js [port]          (default 8443)
 *   then: openssl s_client -connect localhost:8443 -CAfile tls-echo-ca.pem
 *
 * Without a certificate of your own it makes a development one (`devCertificate`) and
 * writes its CA to ./tls-echo-ca.pem for clients to trust.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Application, Service, type DieselLogger, receive, type RemoteAddress } from '@diesel/core';
import { devCertificate, tlsInfo, type TlsServerOptions } from '@diesel/tls';

/**
 * The handler: nothing in it knows about TLS except the greeting, which reads what was
 * negotiated. `receive()` and the writes carry plaintext; the layer below encrypts.
 * @example
 * app.addService(new Service(handleTlsEcho, { port: 8443, tls: { key, cert } }));
 */
export function* handleTlsEcho(_remote: RemoteAddress) {
  const { protocol, cipher, alpnProtocol } = yield* tlsInfo();
  yield `hello over ${protocol} with ${cipher}${alpnProtocol === null ? '' : ` (ALPN ${alpnProtocol})`}\r\n`;
  while (true) {
    const chunk = yield* receive();
    yield chunk;
  }
}

/** Options of {@link tlsEchoApp}. */
export interface TlsEchoOptions {
  port?: number;
  host?: string;
  /** Key and certificate (default: a fresh development certificate for localhost). */
  tls?: TlsServerOptions;
  /** Where the application logs (default: core's console logger). */
  logger?: DieselLogger;
}

/**
 * Builds the application: one TLS service running `handleTlsEcho`.
 * @example
 * const { app, service } = tlsEchoApp({ port: 0, tls: { key, cert } });
 * await app.start();
 * console.log(service.port);
 */
export function tlsEchoApp(options: TlsEchoOptions = {}): { app: Application; service: Service; tls: TlsServerOptions } {
  const tls = options.tls ?? devCertificate({ hosts: ['localhost'] });
  const app = new Application({ logger: options.logger });
  const service = new Service(handleTlsEcho, { port: options.port ?? 8443, host: options.host, tls });
  app.addService(service);
  return { app, service, tls };
}

/** Runs the server until interrupted. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const dev = devCertificate({ hosts: ['localhost'] });
  // Each example its own CA file: two running side by side must not overwrite each other's.
  writeFileSync('tls-echo-ca.pem', dev.ca);
  const { app, service } = tlsEchoApp({ port: Number(argv[0] ?? 8443), tls: dev });
  await app.start();
  console.log(`TLS echo on port ${service.port}; try: openssl s_client -connect localhost:${service.port} -CAfile tls-echo-ca.pem`);
  await app.haltOnSignals().halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
