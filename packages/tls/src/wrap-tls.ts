import type { ConnectionHandler, RemoteAddress, Routine } from '@diesel/core';
import { HandshakeToken } from './handshake.js';
import { type TlsServerOptions, serverSettings } from './options.js';

/**
 * Wraps any connection handler so its connection speaks TLS from the first byte: the
 * handshake runs first, then `handler` runs unchanged, its tokens reading and writing
 * plaintext. What `new Service(handler, { port, tls })` does for you. The key and
 * certificate are loaded now, so a bad PEM fails here rather than at the first client.
 * A failed handshake ends that connection only (`TlsError`), never the service.
 * @example
 * const { key, cert } = devCertificate({ hosts: ['localhost'] });
 * app.addService(new Service(wrapTls(handleEcho, { key, cert }), 8443));
 */
export function wrapTls(handler: ConnectionHandler, options: TlsServerOptions): (remote: RemoteAddress) => Routine {
  const settings = serverSettings(options, 'wrapTls');
  const start = typeof handler === 'function' ? handler : (remote: RemoteAddress) => handler.handle(remote);
  return function* tlsConnection(remote: RemoteAddress): Routine {
    yield* new HandshakeToken({ kind: 'server', settings });
    return yield* start(remote);
  };
}
