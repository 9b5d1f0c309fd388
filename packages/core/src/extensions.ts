import type { Duplex } from 'node:stream';
import type { Connection } from './connection.js';
import type { ConnectionHandler } from './service.js';

/**
 * How protocol packages add options to core without core knowing them: `@diesel/tls`
 * registers `tls` here when imported, and then `new Service(h, { port, tls })` and
 * `connect(host, port, { tls })` work. Core stays free of any protocol.
 * @example
 * const traced: ServiceOptionLayer = (handler) => (remote: RemoteAddress) => {
 *   console.log('connection from', remote.host);
 *   return typeof handler === 'function' ? handler(remote) : handler.handle(remote);
 * };
 * registerServiceOption('traced', traced);
 */
export type ServiceOptionLayer = (handler: ConnectionHandler, value: unknown) => ConnectionHandler;

/**
 * Wraps a freshly connected client stream (e.g. runs a TLS handshake) before it is used.
 * @example
 * const counted: ConnectOptionLayer = async (stream, _value, peer) => {
 *   console.log('connected to', peer.host, peer.port);
 *   return stream;
 * };
 * registerConnectOption('counted', counted);
 */
export type ConnectOptionLayer = (stream: Duplex, value: unknown, peer: { host: string; port: number }) => Promise<Duplex>;

/**
 * What a protocol layer says on a connection before a halting hub destroys it (TLS:
 * close_notify). It usually swaps the connection's stream for a placeholder
 * (`connection.replaceStream`) and ends the real one on its own.
 * @example
 * // The hub destroys the placeholder; the real stream ends (FIN after what is pending).
 * const goodbye: HaltGoodbye = (connection) =>
 *   connection.replaceStream((real) => {
 *     real.end();
 *     return new PassThrough();
 *   });
 */
export type HaltGoodbye = (connection: Connection) => void;

interface Registry {
  readonly service: Map<string, ServiceOptionLayer>;
  readonly connect: Map<string, ConnectOptionLayer>;
  // Added after the first two: a registry an older core made may lack it.
  goodbyes?: WeakMap<Duplex, HaltGoodbye>;
}

// Process-wide, on a `Symbol.for` slot rather than module state: a package that registers
// an option must be seen by the core that reads it even where module instances differ (the
// same core evaluated again per test file, or a second core about to be refused at load),
// so "import '@diesel/tls' to enable it" is never said to someone who did import it.
const REGISTRY = Symbol.for('diesel.core.extensions');
const slots = globalThis as { [REGISTRY]?: Registry };
const registry: Registry = (slots[REGISTRY] ??= { service: new Map(), connect: new Map() });
const serviceLayers = registry.service;
const connectLayers = registry.connect;
const goodbyes = (registry.goodbyes ??= new WeakMap());

/**
 * Makes `new Service(handler, { [name]: value })` wrap its handler with `layer`. For
 * protocol packages; registering a name again replaces its layer.
 *
 * @example
 * ```ts
 * import { registerServiceOption } from '@diesel/core';
 * // new Service(handler, { port: 8000, traced: true }) now logs each connection's peer
 * registerServiceOption('traced', (handler) => ({
 *   handle(remote) {
 *     console.log('connection from', remote);
 *     return typeof handler === 'function' ? handler(remote) : handler.handle(remote);
 *   },
 * }));
 * ```
 */
export function registerServiceOption(name: string, layer: ServiceOptionLayer): void {
  serviceLayers.set(name, layer);
}

/**
 * Makes `connect(host, port, { [name]: value })` pass the new stream through `layer`
 * before it is used. For protocol packages; registering a name again replaces its layer.
 *
 * @example
 * ```ts
 * import { registerConnectOption } from '@diesel/core';
 * registerConnectOption('tap', async (stream, _value, peer) => {
 *   console.log('connected to', peer.host, peer.port);
 *   return stream;
 * });
 * ```
 */
export function registerConnectOption(name: string, layer: ConnectOptionLayer): void {
  connectLayers.set(name, layer);
}

/**
 * Makes a halting hub call `goodbye(connection)` before it destroys a connection whose
 * stream is then `stream`: destroying a stream cuts it without the last word some
 * protocols need (a TLS session's close_notify). For connections the hub closes on halt,
 * those opened with `connect()` or `Client.connect()`; a Service's connections close with
 * their routines, whose `finally` blocks can say goodbye themselves. Keyed by the stream,
 * so a connection that has since moved on to another stream is destroyed as usual.
 *
 * @example
 * ```ts
 * import { PassThrough } from 'node:stream';
 * import { registerConnectOption, registerHaltGoodbye } from '@diesel/core';
 * registerConnectOption('polite', async (stream) => {
 *   // On halt: end the real stream on its own, give the hub a placeholder to destroy.
 *   registerHaltGoodbye(stream, (connection) =>
 *     connection.replaceStream((real) => {
 *       real.end();
 *       return new PassThrough();
 *     }),
 *   );
 *   return stream;
 * });
 * ```
 */
export function registerHaltGoodbye(stream: Duplex, goodbye: HaltGoodbye): void {
  goodbyes.set(stream, goodbye);
}

/** @internal The goodbye registered for `stream`, if any. */
export function haltGoodbye(stream: Duplex): HaltGoodbye | undefined {
  return goodbyes.get(stream);
}

/** @internal */
export function serviceLayer(name: string): ServiceOptionLayer | undefined {
  return serviceLayers.get(name);
}

/** @internal */
export function connectLayer(name: string): ConnectOptionLayer | undefined {
  return connectLayers.get(name);
}

/** The package that provides a well-known option, for the error message when it is missing. */
export function providerHint(name: string): string {
  return name === 'tls' ? " (import '@diesel/tls' to enable it)" : '';
}
