/**
 * HTTPS with `@diesel/http`: the HTTP server is an ordinary connection handler, so TLS
 * is one option on its `Service`. The page reports what the handshake negotiated,
 * read with `tlsInfo()` from inside the HTTP handler (it runs on the connection's routine).
 *
 *   node examples-dist/https-hello.js [port]          (default 8443)
 *   then: curl --cacert https-hello-ca.pem https://localhost:8443/
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Application, Service, type DieselLogger } from '@diesel/core';
import { HttpServer, httpResponse, type HttpRequest } from '@diesel/http';
import { devCertificate, tlsInfo, type TlsServerOptions } from '@diesel/tls';

/**
 * The HTTP handler: plain `@diesel/http` code; only `tlsInfo()` knows TLS exists.
 * @example
 * new Service(new HttpServer(hello), { port: 8443, tls: { key, cert } });
 */
export function* hello(request: HttpRequest) {
  const { protocol, alpnProtocol, servername } = yield* tlsInfo();
  const body = `hello over ${protocol} (ALPN ${alpnProtocol ?? 'none'}, SNI ${servername ?? 'none'}), you asked for ${request.method} ${request.url}\n`;
  return httpResponse(request, 200, { 'Content-Type': 'text/plain; charset=utf-8' }, body);
}

/** Options of {@link httpsHelloApp}. */
export interface HttpsHelloOptions {
  port?: number;
  host?: string;
  /** Key and certificate (default: a fresh development certificate for localhost). */
  tls?: TlsServerOptions;
  /** Where the application logs (default: core's console logger). */
  logger?: DieselLogger;
}

/**
 * Builds the application: one HTTPS service (HTTP/1.1 over TLS, ALPN `http/1.1`).
 * @example
 * const { app, service } = httpsHelloApp({ port: 0, tls: { key, cert } });
 * await app.start();
 */
export function httpsHelloApp(options: HttpsHelloOptions = {}): { app: Application; service: Service } {
  const tls = options.tls ?? devCertificate({ hosts: ['localhost'] });
  const app = new Application({ logger: options.logger });
  const service = new Service(new HttpServer(hello, { logRequests: false }), {
    port: options.port ?? 8443,
    host: options.host,
    tls: { ...tls, ALPNProtocols: ['http/1.1'] },
  });
  app.addService(service);
  return { app, service };
}

/** Runs the server until interrupted. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const dev = devCertificate({ hosts: ['localhost'] });
  // Each example its own CA file: two running side by side must not overwrite each other's.
  writeFileSync('https-hello-ca.pem', dev.ca);
  const { app, service } = httpsHelloApp({ port: Number(argv[0] ?? 8443), tls: dev });
  await app.start();
  console.log(`HTTPS on port ${service.port}; try: curl --cacert https-hello-ca.pem https://localhost:${service.port}/`);
  await app.haltOnSignals().halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
