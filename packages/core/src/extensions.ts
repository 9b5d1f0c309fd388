import type { Duplex } from 'node:stream';
import type { ConnectionHandler } from './service.js';

/**
 * How protocol packages add options to core without core knowing them: `@diesel/tls`
 * registers `tls` here when imported, and then `new Service(h, { port, tls })` and
 * `connect(host, port, { tls })` work. Core stays free of any protocol.
 */
export type ServiceOptionLayer = (handler: ConnectionHandler, value: unknown) => ConnectionHandler;

/** Wraps a freshly connected client stream (e.g. runs a TLS handshake) before it is used. */
export type ConnectOptionLayer = (stream: Duplex, value: unknown, peer: { host: string; port: number }) => Promise<Duplex>;

const serviceLayers = new Map<string, ServiceOptionLayer>();
const connectLayers = new Map<string, ConnectOptionLayer>();

export function registerServiceOption(name: string, layer: ServiceOptionLayer): void {
  serviceLayers.set(name, layer);
}

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
