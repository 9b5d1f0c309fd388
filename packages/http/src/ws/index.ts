// WebSocket (RFC 6455): the sans-I/O frame codec, the handshake checks, the socket shared by
// both roles, the server-side upgrade handler and the client.
export { CloseCode, WebSocketError, type WebSocketErrorCode } from './errors.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  FrameParser,
  MAX_CONTROL_PAYLOAD,
  Opcode,
  ParserState,
  applyMask,
  deflateMessage,
  deflateMessageAsync,
  inflateMessage,
  inflateMessageAsync,
  encodeClosePayload,
  encodeFrame,
  frameHeader,
  isValidCloseCode,
  type FrameOptions,
  type FrameParserOptions,
  type WebSocketEvent,
} from './codec.js';
export {
  acceptKey,
  checkUpgrade,
  negotiateDeflate,
  originAllowed,
  parseExtensions,
  type DeflateAgreement,
  type ExtensionOffer,
  type OriginPolicy,
  type UpgradeCheck,
  type UpgradeRequest,
} from './handshake.js';
export {
  DEFAULT_DEFLATE_THRESHOLD,
  WebSocket,
  type DeflateSettings,
  type PerMessageDeflateOption,
  type WebSocketLimits,
  type WebSocketMessage,
  type WebSocketOptions,
} from './socket.js';
export { websocket, type WebSocketHandler, type WebSocketServerOptions } from './websocket.js';
export { WebSocketClient, type WebSocketClientOptions } from './client.js';
