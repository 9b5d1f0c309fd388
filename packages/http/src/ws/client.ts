import { randomBytes } from 'node:crypto';
import { type ConnectOptions, type Connection, type Routine, connect } from '@diesel/core';
import { HttpHeaders } from '../headers.js';
import { WebSocketError } from './errors.js';
import { acceptKey, headerTokens, parseExtensions } from './handshake.js';
import { ReadChunk, WriteChunks } from './io.js';
import { DEFAULT_DEFLATE_THRESHOLD, type DeflateSettings, type PerMessageDeflateOption, WebSocket, type WebSocketLimits } from './socket.js';

/**
 * What `WebSocketClient.connect(url, options)` takes; all optional.
 * @example
 * const ws = yield* WebSocketClient.connect('ws://localhost:8000/ws', { origin: 'http://localhost:8000', protocols: ['chat'] });
 */
export interface WebSocketClientOptions extends WebSocketLimits {
  /** Sent as the `Origin` header (browsers always send one; other clients need not). */
  origin?: string;
  /** Subprotocols to offer; the server's choice is `ws.protocol`. */
  protocols?: readonly string[];
  /** Extra request headers (cookies, authorization). */
  headers?: Record<string, string>;
  /** Options for core's `connect` (timeout, and `tls` once `@diesel/tls` is imported — required for wss://). */
  connect?: ConnectOptions & Record<string, unknown>;
  /** Seconds to wait for the server's handshake response (default 30). */
  handshakeTimeout?: number;
  /** Largest handshake response head in bytes (default 16 KiB). */
  maxHandshakeSize?: number;
  /**
   * Offer permessage-deflate (RFC 7692) without context takeover both ways; messages of at
   * least `threshold` bytes (default 1024) are sent compressed. Default false.
   */
  perMessageDeflate?: PerMessageDeflateOption;
}

const DEFAULT_HANDSHAKE_TIMEOUT = 30;
const DEFAULT_MAX_HANDSHAKE_SIZE = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * A WebSocket client (RFC 6455) with the same `wait`/`send` as the server's sockets.
 * `connect(url)` opens the TCP connection and runs the opening handshake itself.
 * @example
 * const ws = yield* WebSocketClient.connect('ws://localhost:8000/ws');
 * yield* ws.send('hello');
 * const reply = yield* ws.wait();
 * yield* ws.close();
 */
export class WebSocketClient extends WebSocket {
  /** The URL connected to. */
  readonly url: string;
  /** The server's handshake response headers. */
  readonly responseHeaders: HttpHeaders;

  private constructor(connection: Connection, url: string, responseHeaders: HttpHeaders, protocol: string, head: Buffer, deflate: DeflateSettings | null, options: WebSocketClientOptions) {
    super(connection, { ...limitsOf(options), role: 'client', protocol, head, deflate });
    this.url = url;
    this.responseHeaders = responseHeaders;
  }

  /**
   * Suspends: until connected and the server accepted the upgrade; returns the socket.
   * Throws `ConnectError` if the TCP connection fails, and `WebSocketError`
   * (`DIESEL_ERR_WS_HANDSHAKE`, with the HTTP `status`) if the server refuses or answers
   * wrongly. Only `ws://` is built in; `wss://` needs `connect: { tls }` from `@diesel/tls`.
   * @example
   * const ws = yield* WebSocketClient.connect('ws://127.0.0.1:8000/chat', { protocols: ['chat'] });
   */
  static *connect(url: string, options: WebSocketClientOptions = {}): Routine<WebSocketClient> {
    const target = new URL(url);
    if (target.protocol !== 'ws:' && target.protocol !== 'wss:') throw new TypeError(`WebSocketClient.connect: ${url} is not a ws:// or wss:// URL`);
    const secure = target.protocol === 'wss:';
    if (secure && options.connect?.['tls'] === undefined) {
      throw new TypeError("WebSocketClient.connect: wss:// needs connect: { tls: ... } (import '@diesel/tls')");
    }
    const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
    const port = target.port === '' ? (secure ? 443 : 80) : Number(target.port);
    const connection = (yield connect(host, port, options.connect)) as Connection;
    try {
      const key = randomBytes(16).toString('base64');
      const lines = [
        `GET ${target.pathname}${target.search} HTTP/1.1`,
        `Host: ${target.host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
      ];
      if (options.origin !== undefined) lines.push(`Origin: ${options.origin}`);
      if (options.protocols !== undefined && options.protocols.length > 0) lines.push(`Sec-WebSocket-Protocol: ${options.protocols.join(', ')}`);
      const offerDeflate = (options.perMessageDeflate ?? false) !== false;
      if (offerDeflate) lines.push('Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover');
      for (const [name, value] of new HttpHeaders(options.headers ?? {})) lines.push(`${name}: ${value}`);
      yield new WriteChunks(connection, Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));

      const limit = options.maxHandshakeSize ?? DEFAULT_MAX_HANDSHAKE_SIZE;
      const deadline = Date.now() + (options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT) * 1000;
      let received = Buffer.alloc(0);
      let end = -1;
      while (end === -1) {
        if (received.length > limit) throw handshakeError(`the handshake response is over ${limit} bytes`, 0);
        const chunk = (yield new ReadChunk(connection, Math.max(0, deadline - Date.now()))) as Buffer | null;
        if (chunk === null) throw handshakeError('timed out waiting for the handshake response', 0);
        received = Buffer.concat([received, chunk]);
        end = received.indexOf(HEAD_END);
      }
      const { status, headers } = parseHead(received.subarray(0, end).toString('latin1'));
      if (status !== 101) throw handshakeError(`the server answered ${status} instead of 101 Switching Protocols`, status);
      if (!headerTokens(headers, 'upgrade').includes('websocket')) throw handshakeError('the response has no Upgrade: websocket', status);
      if (!headerTokens(headers, 'connection').includes('upgrade')) throw handshakeError('the response has no Connection: Upgrade', status);
      if (headers.first('sec-websocket-accept')?.trim() !== acceptKey(key)) throw handshakeError('wrong Sec-WebSocket-Accept', status);
      const deflate = acceptedDeflate(headers, offerDeflate, options.perMessageDeflate, status);
      const protocol = headers.first('sec-websocket-protocol')?.trim() ?? '';
      if (protocol !== '' && !(options.protocols ?? []).includes(protocol)) throw handshakeError(`the server chose subprotocol ${protocol}, which was not offered`, status);
      return new WebSocketClient(connection, url, headers, protocol, received.subarray(end + HEAD_END.length), deflate, options);
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }
}

/** Checks the server's `Sec-WebSocket-Extensions` answer against what was offered. */
function acceptedDeflate(headers: HttpHeaders, offered: boolean, option: PerMessageDeflateOption | undefined, status: number): DeflateSettings | null {
  const values = headers.get('sec-websocket-extensions');
  if (values.length === 0) return null;
  const answers = parseExtensions(values);
  if (answers === null) throw handshakeError('malformed Sec-WebSocket-Extensions in the response', status);
  if (answers.length === 0) return null;
  const [answer] = answers;
  if (!offered || answers.length > 1 || answer!.name !== 'permessage-deflate') throw handshakeError('the server chose an extension that was not offered', status);
  const params = answer!.params;
  for (const [key, value] of params) {
    const flag = key === 'server_no_context_takeover' || key === 'client_no_context_takeover';
    const bits = key === 'server_max_window_bits' && typeof value === 'string' && /^(8|9|1[0-5])$/.test(value);
    if (!(flag && value === true) && !bits) throw handshakeError(`unexpected permessage-deflate parameter ${key} in the response`, status);
  }
  // We offered server_no_context_takeover and inflate each message on its own: the server must have agreed.
  if (!params.has('server_no_context_takeover')) throw handshakeError('the server did not agree to server_no_context_takeover', status);
  const threshold = typeof option === 'object' ? (option.threshold ?? DEFAULT_DEFLATE_THRESHOLD) : DEFAULT_DEFLATE_THRESHOLD;
  return { threshold, windowBits: 15 };
}

function limitsOf(options: WebSocketClientOptions): WebSocketLimits {
  const { maxMessageSize, maxFrameSize, pingInterval, closeTimeout } = options;
  return { maxMessageSize, maxFrameSize, pingInterval, closeTimeout };
}

function handshakeError(message: string, status: number): WebSocketError {
  return new WebSocketError('DIESEL_ERR_WS_HANDSHAKE', `WebSocket handshake failed: ${message}`, { status });
}

function parseHead(head: string): { status: number; headers: HttpHeaders } {
  const lines = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (match === null) throw handshakeError(`not an HTTP response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`, 0);
  const headers = new HttpHeaders();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw handshakeError(`malformed header line ${JSON.stringify(line.slice(0, 80))}`, 0);
    try {
      headers.add(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      throw handshakeError(`malformed header line ${JSON.stringify(line.slice(0, 80))}`, 0);
    }
  }
  return { status: Number(match[1]), headers };
}
