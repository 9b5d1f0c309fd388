import { ForwarderError } from './errors.js';

/**
 * Where to listen: a port, and a host (undefined: every interface, as Node's `listen` does).
 * `parseListen` returns it.
 * @example
 * const listen: ListenAddress = parseListen('127.0.0.1:8080'); // { host: '127.0.0.1', port: 8080 }
 */
export interface ListenAddress {
  host: string | undefined;
  port: number;
}

/**
 * Where to connect: `parseTarget` returns it.
 * @example
 * const target: HostPort = parseTarget('example.com:80'); // { host: 'example.com', port: 80 }
 */
export interface HostPort {
  host: string;
  port: number;
}

function parsePort(text: string, what: string, allowZero: boolean): number {
  if (!/^\d{1,5}$/.test(text)) throw new ForwarderError('DIESEL_ERR_FORWARDER_BAD_ADDRESS', `${what}: port ${JSON.stringify(text)} is not a number`);
  const port = Number(text);
  if (port > 65535 || (port === 0 && !allowZero)) {
    throw new ForwarderError('DIESEL_ERR_FORWARDER_BAD_ADDRESS', `${what}: port ${port} is out of range (${allowZero ? 0 : 1}-65535)`);
  }
  return port;
}

/** Splits `host:port`, `[v6]:port`; returns [host, port text]. */
function split(text: string, what: string): [string, string] {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1 || text[close + 1] !== ':') throw new ForwarderError('DIESEL_ERR_FORWARDER_BAD_ADDRESS', `${what}: expected [address]:port, got ${JSON.stringify(text)}`);
    return [text.slice(1, close), text.slice(close + 2)];
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new ForwarderError('DIESEL_ERR_FORWARDER_BAD_ADDRESS', `${what}: expected host:port, got ${JSON.stringify(text)}`);
  const host = text.slice(0, colon);
  if (host.includes(':')) throw new ForwarderError('DIESEL_ERR_FORWARDER_BAD_ADDRESS', `${what}: write an IPv6 address in brackets, [${host}]:port`);
  return [host, text.slice(colon + 1)];
}

/**
 * Parses a LISTEN argument: `8080` (every interface), `127.0.0.1:8080`, `[::1]:8080`.
 * Port 0 picks a free port. Throws `ForwarderError` (`DIESEL_ERR_FORWARDER_BAD_ADDRESS`).
 * Suspends: no (plain function).
 * @example
 * parseListen('127.0.0.1:8080'); // { host: '127.0.0.1', port: 8080 }
 * parseListen('8080');           // { host: undefined, port: 8080 }
 */
export function parseListen(text: string): ListenAddress {
  if (/^\d+$/.test(text)) return { host: undefined, port: parsePort(text, 'LISTEN', true) };
  const [host, port] = split(text, 'LISTEN');
  return { host, port: parsePort(port, 'LISTEN', true) };
}

/**
 * Parses a TARGET argument: `example.com:80`, `127.0.0.1:8000`, `[::1]:8000`.
 * Throws `ForwarderError` (`DIESEL_ERR_FORWARDER_BAD_ADDRESS`). Suspends: no (plain function).
 * @example
 * parseTarget('example.com:80'); // { host: 'example.com', port: 80 }
 */
export function parseTarget(text: string): HostPort {
  const [host, port] = split(text, 'TARGET');
  return { host, port: parsePort(port, 'TARGET', false) };
}

/**
 * `host:port`, with brackets around an IPv6 address. Suspends: no (plain function).
 * @example
 * formatAddress({ host: '::1', port: 80 }); // '[::1]:80'
 */
export function formatAddress(address: { host: string | undefined; port: number }): string {
  const host = address.host ?? '*';
  return host.includes(':') ? `[${host}]:${address.port}` : `${host}:${address.port}`;
}
