import { type ConnectionHandler, type RemoteAddress, type Routine, thisConnection } from '@diesel/core';
import { closeNotify, runningHub } from './close-on-halt.js';
import { HandshakeToken } from './handshake.js';
import { type TlsServerOptions, serverSettings } from './options.js';

/**
 * Wraps any connection handler so its connection speaks TLS from the first byte: the
 * handshake runs first, then `handler` runs unchanged, its tokens reading and writing
 * plaintext. What `new Service(handler, { port, tls })` does for you. The key and
 * certificate are loaded now, so a bad PEM fails here rather than at the first client.
 * A failed handshake ends that connection only (`TlsError`), never the service. When
 * the application halts, each session ends with a close_notify alert, not a bare FIN.
 * @example
 * const { key, cert } = devCertificate({ hosts: ['localhost'] });
 * app.addService(new Service(wrapTls(handleEcho, { key, cert }), 8443));
 */
export function wrapTls(handler: ConnectionHandler, options: TlsServerOptions): (remote: RemoteAddress) => Routine {
  const settings = serverSettings(options, 'wrapTls');
  const start = typeof handler === 'function' ? handler : (remote: RemoteAddress) => handler.handle(remote);
  return function* tlsConnection(remote: RemoteAddress): Routine {
    const hub = yield* runningHub();
    const connection = yield* thisConnection();
    yield* new HandshakeToken({ kind: 'server', settings });
    try {
      return yield* start(remote);
    } finally {
      // Only on halt: otherwise the Service ends the connection itself, and ending a TLS
      // socket sends close_notify anyway.
      if (hub.halting) closeNotify(connection);
    }
  };
}
