import { DieselError } from '@diesel/core';

/**
 * Close codes RFC 6455 §7.4.1 defines, by name: what `ws.close(code)` sends and
 * `WebSocketError.closeCode` holds.
 * @example
 * yield* ws.close(CloseCode.POLICY_VIOLATION, 'not allowed');
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Never sent: "no status code was present". */
  NO_STATUS: 1005,
  /** Never sent: "the connection closed without a close frame". */
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
} as const;

/**
 * Stable `code` strings of {@link WebSocketError}.
 * @example
 * try {
 *   yield* ws.wait();
 * } catch (error) {
 *   if (error instanceof WebSocketError && error.code === 'DIESEL_ERR_WS_MESSAGE_TOO_BIG') console.warn('client sent too much');
 * }
 */
export type WebSocketErrorCode =
  | 'DIESEL_ERR_WS_PROTOCOL'
  | 'DIESEL_ERR_WS_INVALID_UTF8'
  | 'DIESEL_ERR_WS_MESSAGE_TOO_BIG'
  | 'DIESEL_ERR_WS_INFLATE'
  | 'DIESEL_ERR_WS_HANDSHAKE'
  | 'DIESEL_ERR_WS_CLOSED'
  | 'DIESEL_ERR_WS_CONCURRENT_WAIT';

/**
 * Every WebSocket failure: a protocol violation by the peer (with the close code sent for
 * it: 1002, 1007, 1009; a compressed message that does not inflate is 1007), a refused handshake (`status` holds the HTTP status), or a send
 * on a closed socket.
 * @example
 * try {
 *   yield* ws.send('hi');
 * } catch (error) {
 *   if (error instanceof WebSocketError && error.code === 'DIESEL_ERR_WS_CLOSED') return;
 *   throw error;
 * }
 */
export class WebSocketError extends DieselError {
  declare readonly code: WebSocketErrorCode;
  /** The close code this error is reported to the peer with (1002, 1007, 1009, ...), or 1006 when none applies. */
  readonly closeCode: number;
  /** For a refused handshake (client side): the HTTP status the server answered, else 0. */
  readonly status: number;

  constructor(code: WebSocketErrorCode, message: string, options: { closeCode?: number; status?: number; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.closeCode = options.closeCode ?? CloseCode.ABNORMAL;
    this.status = options.status ?? 0;
  }
}

/** @internal A protocol violation, answered with close 1002. */
export function protocolError(message: string): WebSocketError {
  return new WebSocketError('DIESEL_ERR_WS_PROTOCOL', message, { closeCode: CloseCode.PROTOCOL_ERROR });
}
