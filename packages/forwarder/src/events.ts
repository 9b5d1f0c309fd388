import type { RemoteAddress } from '@diesel/core';
import { formatAddress } from './address.js';
import { hexdump } from './hexdump.js';

/**
 * Which way bytes flow: `up` is client → target, `down` is target → client.
 * @example
 * const log = (event: ForwardEvent) => {
 *   if (event.type === 'data') console.log(event.direction === 'up' ? '>>' : '<<', event.data.length);
 * };
 */
export type Direction = 'up' | 'down';

/**
 * How a forwarded connection ended: the `reason` of a `close` event.
 * @example
 * const log = (event: ForwardEvent) => {
 *   if (event.type === 'close' && event.reason === 'refused') console.error(`target down: ${event.error?.message}`);
 * };
 */
export type CloseReason =
  /** Both sides closed in order (FIN each way, everything delivered). */
  | 'closed'
  /** One side reset or failed mid-stream; both were closed at once. */
  | 'reset'
  /** The target could not be reached; the client was closed. */
  | 'refused'
  /** The application was halted. */
  | 'halted';

/**
 * A client connected and the target accepted the forwarded connection.
 * @example
 * const log = (event: ForwardEvent) => {
 *   if (event.type === 'open') console.log(`#${event.id} ${event.client.host} -> ${event.target.host}:${event.target.port}`);
 * };
 */
export interface ForwardOpenEvent {
  type: 'open';
  /** Numbers the connections of one process, from 1. */
  id: number;
  client: RemoteAddress;
  target: { host: string; port: number };
}

/**
 * Bytes that went through (only with the `hexdump` option). `data` is valid only during
 * the call: copy it to keep it.
 * @example
 * const kept: Buffer[] = [];
 * forwarder(target, { hexdump: true, log: (event) => { if (event.type === 'data') kept.push(Buffer.from(event.data)); } });
 */
export interface ForwardDataEvent {
  type: 'data';
  id: number;
  direction: Direction;
  data: Buffer;
  /** Where `data` starts in this direction's byte stream. */
  offset: number;
}

/**
 * A forwarded connection ended; exactly one per accepted client, last of its events.
 * @example
 * const log = (event: ForwardEvent) => {
 *   if (event.type === 'close') console.log(`#${event.id} ${event.reason}: ${event.bytesUp} up, ${event.bytesDown} down`);
 * };
 */
export interface ForwardCloseEvent {
  type: 'close';
  id: number;
  client: RemoteAddress;
  target: { host: string; port: number };
  reason: CloseReason;
  /** Bytes from client to target. */
  bytesUp: number;
  /** Bytes from target to client. */
  bytesDown: number;
  /** Seconds the connection lasted. */
  seconds: number;
  /** What went wrong, for `reset` and `refused`. */
  error?: Error;
}

/**
 * What the `log` option of `forwarder()` receives: tell the kinds apart by `type`.
 * @example
 * forwarder(target, { log: (event: ForwardEvent) => console.log(formatEvent(event)) });
 */
export type ForwardEvent = ForwardOpenEvent | ForwardDataEvent | ForwardCloseEvent;

/**
 * One log line for an event (a hexdump for a `data` event, several lines), without a
 * timestamp or trailing newline. A pure function; suspends: no.
 * @example
 * forwarder(target, { log: (event) => console.log(formatEvent(event)) });
 * // #1 127.0.0.1:50312 -> 127.0.0.1:8000 closed after 0.2 s: 6 bytes up, 16 bytes down
 */
export function formatEvent(event: ForwardEvent): string {
  switch (event.type) {
    case 'open':
      return `#${event.id} ${formatAddress(event.client)} -> ${formatAddress(event.target)} connected`;
    case 'data': {
      const arrow = event.direction === 'up' ? 'client -> target' : 'target -> client';
      return `#${event.id} ${arrow}, ${event.data.length} bytes at ${event.offset}:\n${hexdump(event.data, event.offset).trimEnd()}`;
    }
    case 'close': {
      const head = `#${event.id} ${formatAddress(event.client)} -> ${formatAddress(event.target)}`;
      if (event.reason === 'refused') return `${head} refused: ${event.error?.message ?? 'cannot connect'}`;
      const how = event.reason === 'closed' ? 'closed' : event.reason === 'reset' ? 'reset' : 'halted';
      const why = event.error !== undefined && event.reason === 'reset' ? ` (${event.error.message})` : '';
      return `${head} ${how} after ${event.seconds.toFixed(1)} s: ${event.bytesUp} bytes up, ${event.bytesDown} bytes down${why}`;
    }
  }
}
