/**
 * @diesel/forwarder — a TCP port forwarder and logging proxy built on diesel's tokens,
 * as a library (`forwarder(target, options)` is a `Service` handler) and a CLI
 * (`diesel-forward LISTEN TARGET`).
 */
export { formatAddress, parseListen, parseTarget, type HostPort, type ListenAddress } from './address.js';
export { ForwarderError, type ForwarderErrorCode } from './errors.js';
export {
  formatEvent,
  type CloseReason,
  type Direction,
  type ForwardCloseEvent,
  type ForwardDataEvent,
  type ForwardEvent,
  type ForwardOpenEvent,
} from './events.js';
export {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_TARGET_HIGH_WATER_MARK,
  forwarder,
  type ForwardLog,
  type ForwardTarget,
  type ForwarderOptions,
} from './forwarder.js';
export { hexdump } from './hexdump.js';
export { USAGE, parseCommandLine, type ForwardCommand } from './command-line.js';
