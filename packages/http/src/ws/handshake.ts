import { createHash } from 'node:crypto';
import type { HttpHeaders } from '../headers.js';

/**
 * The opening handshake (RFC 6455 §4), as pure functions over header values: what the
 * server checks in an upgrade request, and the accept key both sides compute.
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
 * @example
 * acceptKey('dGhlIHNhbXBsZSBub25jZQ=='); // 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
 */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** Comma-separated header values as a list of trimmed, lower-cased tokens. */
export function headerTokens(headers: HttpHeaders, name: string): string[] {
  const tokens: string[] = [];
  for (const value of headers.get(name)) {
    for (const part of value.split(',')) {
      const token = part.trim().toLowerCase();
      if (token !== '') tokens.push(token);
    }
  }
  return tokens;
}

/**
 * The request facts the server's handshake check reads: an `HttpRequest` is one.
 * @example
 * const upgrade: UpgradeRequest = { method: 'GET', version: '1.1', headers: request.headers };
 * const check = checkUpgrade(upgrade, ['https://chat.example']);
 */
export interface UpgradeRequest {
  readonly method: string;
  readonly version: string;
  readonly headers: HttpHeaders;
}

/**
 * Which origins may open a socket: a list of `scheme://host[:port]`, or `'*'` for any.
 * @example
 * const origins: OriginPolicy = ['http://localhost:8000', 'https://app.example'];
 * websocket(handler, { origins });
 */
export type OriginPolicy = readonly string[] | '*';

/**
 * The outcome of checking an upgrade request: the key and offered subprotocols, or the
 * HTTP status to refuse it with.
 * @example
 * const check: UpgradeCheck = checkUpgrade(request, '*');
 * if (!check.ok) return textResponse(check.status, `${check.reason}\n`, check.headers);
 */
export type UpgradeCheck =
  | { readonly ok: true; readonly key: string; readonly protocols: readonly string[] }
  | { readonly ok: false; readonly status: 400 | 403 | 426; readonly reason: string; readonly headers?: Readonly<Record<string, string>> };

const KEY = /^[A-Za-z0-9+/]{22}==$/;

/**
 * Checks an upgrade request (RFC 6455 §4.2.1) and its Origin. Pure.
 *
 * - not `GET`, not HTTP/1.1, a missing or malformed `Sec-WebSocket-Key`, or no
 *   `Connection: upgrade` → 400;
 * - no `Upgrade: websocket` → 426 (a plain HTTP request to a WebSocket endpoint), and a
 *   `Sec-WebSocket-Version` other than 13 → 426 with `Sec-WebSocket-Version: 13`;
 * - an `Origin` the policy does not allow → 403. With no `origins` given, only the
 *   page's own origin (the Origin whose host is the request's `Host`) is allowed. A
 *   request with no `Origin` at all does not come from a browser page (browsers always
 *   send it), so cross-site hijacking does not apply to it and it is allowed.
 * @example
 * const check = checkUpgrade(request, ['https://example.com']);
 * if (!check.ok) return textResponse(check.status, check.reason);
 */
export function checkUpgrade(request: UpgradeRequest, origins?: OriginPolicy): UpgradeCheck {
  const { headers } = request;
  if (!headerTokens(headers, 'upgrade').includes('websocket')) {
    return { ok: false, status: 426, reason: 'this endpoint speaks WebSocket: send Upgrade: websocket', headers: { Upgrade: 'websocket', Connection: 'Upgrade' } };
  }
  if (request.method !== 'GET') return { ok: false, status: 400, reason: `a WebSocket handshake must be a GET, not ${request.method}` };
  if (request.version !== '1.1') return { ok: false, status: 400, reason: `a WebSocket handshake needs HTTP/1.1, not HTTP/${request.version}` };
  if (!headerTokens(headers, 'connection').includes('upgrade')) return { ok: false, status: 400, reason: 'a WebSocket handshake needs Connection: Upgrade' };
  const versions = headers.get('sec-websocket-version');
  if (versions.length !== 1 || versions[0]!.trim() !== '13') {
    return { ok: false, status: 426, reason: 'unsupported Sec-WebSocket-Version: only 13 is spoken', headers: { 'Sec-WebSocket-Version': '13' } };
  }
  const keys = headers.get('sec-websocket-key');
  const key = keys.length === 1 ? keys[0]!.trim() : '';
  if (!KEY.test(key)) return { ok: false, status: 400, reason: 'a WebSocket handshake needs one Sec-WebSocket-Key of 16 base64-encoded bytes' };
  const origin = headers.get('origin');
  if (origin.length > 1) return { ok: false, status: 403, reason: 'more than one Origin' };
  if (origin.length === 1 && !originAllowed(origin[0]!, headers.first('host'), origins)) {
    return { ok: false, status: 403, reason: `origin ${origin[0]} is not allowed` };
  }
  return { ok: true, key, protocols: headerTokensKeepCase(headers, 'sec-websocket-protocol') };
}

/**
 * Whether a page at `origin` may open the socket. `policy` undefined means same-origin
 * only (the Origin's host:port equals the `Host` header).
 * @example
 * originAllowed('http://localhost:8000', 'localhost:8000', undefined); // true
 * originAllowed('https://evil.example', 'localhost:8000', ['http://localhost:8000']); // false
 */
export function originAllowed(origin: string, host: string | undefined, policy: OriginPolicy | undefined): boolean {
  if (policy === '*') return true;
  const normal = normaliseOrigin(origin);
  if (normal === null) return false;
  if (policy === undefined) {
    if (host === undefined) return false;
    return new URL(normal).host === host.trim().toLowerCase();
  }
  return policy.some((allowed) => normaliseOrigin(allowed) === normal);
}

/** `scheme://host[:port]` lower-cased with the default port dropped, or null if not a tuple origin. */
function normaliseOrigin(origin: string): string | null {
  try {
    const url = new URL(origin.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin.toLowerCase();
  } catch {
    return null;
  }
}

function headerTokensKeepCase(headers: HttpHeaders, name: string): string[] {
  const tokens: string[] = [];
  for (const value of headers.get(name)) {
    for (const part of value.split(',')) {
      const token = part.trim();
      if (token !== '') tokens.push(token);
    }
  }
  return tokens;
}

/**
 * One extension offer or answer from `Sec-WebSocket-Extensions`: its name and parameters (value `true` when bare).
 * @example
 * const [offer]: ExtensionOffer[] = parseExtensions(['permessage-deflate; client_max_window_bits']) ?? [];
 * offer?.params.get('client_max_window_bits'); // true
 */
export interface ExtensionOffer {
  readonly name: string;
  readonly params: ReadonlyMap<string, string | true>;
}

/**
 * Parses `Sec-WebSocket-Extensions` values (RFC 6455 §9.1) into offers, in order.
 * Returns null if a value is malformed, or repeats a parameter.
 * @example
 * parseExtensions(['permessage-deflate; client_max_window_bits, x-foo']);
 * // [{ name: 'permessage-deflate', params: Map { 'client_max_window_bits' => true } }, { name: 'x-foo', params: Map {} }]
 */
export function parseExtensions(values: readonly string[]): ExtensionOffer[] | null {
  const offers: ExtensionOffer[] = [];
  for (const value of values) {
    for (const item of value.split(',')) {
      const [name, ...rest] = item.split(';').map((part) => part.trim());
      if (name === undefined || !TOKEN.test(name)) {
        if (name === '' && rest.length === 0) continue;
        return null;
      }
      const params = new Map<string, string | true>();
      for (const param of rest) {
        const eq = param.indexOf('=');
        const key = (eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase();
        let val: string | true = true;
        if (eq !== -1) {
          val = param.slice(eq + 1).trim();
          if (val.length >= 2 && val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1);
          if (!TOKEN.test(val)) return null;
        }
        if (!TOKEN.test(key) || params.has(key)) return null;
        params.set(key, val);
      }
      offers.push({ name: name.toLowerCase(), params });
    }
  }
  return offers;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * What the server agreed for permessage-deflate: the response value and the window it compresses with.
 * @example
 * const agreed: DeflateAgreement | null = negotiateDeflate(request.headers.get('sec-websocket-extensions'));
 * if (agreed !== null) console.log(agreed.response, agreed.windowBits);
 */
export interface DeflateAgreement {
  /** The `Sec-WebSocket-Extensions` response value. */
  readonly response: string;
  /** windowBits for our compressor (the client may ask for a smaller one). */
  readonly windowBits: number;
}

/**
 * Server side of RFC 7692: accepts the first valid permessage-deflate offer, always
 * without context takeover in either direction (each message is compressed on its own,
 * so no zlib state outlives a message), or returns null to decline them all.
 * @example
 * negotiateDeflate(['permessage-deflate; client_max_window_bits']);
 * // { response: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover', windowBits: 15 }
 */
export function negotiateDeflate(values: readonly string[]): DeflateAgreement | null {
  const offers = parseExtensions(values);
  if (offers === null) return null;
  for (const offer of offers) {
    if (offer.name !== 'permessage-deflate') continue;
    let windowBits = 15;
    let valid = true;
    for (const [key, value] of offer.params) {
      if (key === 'server_no_context_takeover' || key === 'client_no_context_takeover') {
        valid &&= value === true;
      } else if (key === 'server_max_window_bits') {
        const bits = value === true ? NaN : Number(value);
        // zlib cannot compress raw DEFLATE with an 8-bit window: decline such an offer.
        valid &&= Number.isInteger(bits) && bits >= 9 && bits <= 15;
        windowBits = bits;
      } else if (key === 'client_max_window_bits') {
        const bits = value === true ? 15 : Number(value);
        valid &&= Number.isInteger(bits) && bits >= 8 && bits <= 15;
      } else {
        valid = false;
      }
    }
    if (!valid) continue;
    let response = 'permessage-deflate; server_no_context_takeover; client_no_context_takeover';
    if (offer.params.has('server_max_window_bits')) response += `; server_max_window_bits=${windowBits}`;
    return { response, windowBits };
  }
  return null;
}
