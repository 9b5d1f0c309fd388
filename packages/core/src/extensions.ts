import type { Duplex } from 'node:stream';
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

interface Registry {
  readonly service: Map<string, ServiceOptionLayer>;
  readonly connect: Map<string, ConnectOptionLayer>;
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
