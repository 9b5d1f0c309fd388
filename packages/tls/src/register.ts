/**
 * Teaches core the `tls` option of `Service` and `connect`, and tells TypeScript about
 * it. Importing `@diesel/tls` runs this once; core itself knows nothing about TLS.
 */
import type { Duplex } from 'node:stream';
import { type ConnectionHandler, registerConnectOption, registerServiceOption } from '@diesel/core';
import { clientHandshake } from './handshake.js';
import { type TlsClientOptions, type TlsServerOptions, clientSettings } from './options.js';
import { wrapTls } from './wrap-tls.js';

declare module '@diesel/core' {
  interface ServiceOptions {
    /** Serve TLS on this port (from `@diesel/tls`): every connection handshakes before the handler runs. */
    tls?: TlsServerOptions;
  }
  interface ConnectOptions {
    /** Speak TLS on this connection (from `@diesel/tls`); `true` means Node's root CAs and the host's name. */
    tls?: TlsClientOptions | true;
  }
}

const DEFAULT_CLIENT_OPTIONS: TlsClientOptions = {};

registerServiceOption('tls', (handler: ConnectionHandler, value: unknown): ConnectionHandler => wrapTls(handler, value as TlsServerOptions));

registerConnectOption('tls', async (stream: Duplex, value: unknown, peer: { host: string; port: number }): Promise<Duplex> => {
  if (value === false) return stream;
  const options = value === true ? DEFAULT_CLIENT_OPTIONS : (value as TlsClientOptions);
  return clientHandshake(stream, clientSettings(options, `connect ${peer.host}:${peer.port}`), peer.host);
});
