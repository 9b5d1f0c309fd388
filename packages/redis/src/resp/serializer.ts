import { RedisArgumentError, RedisError } from '../errors.js';
import { RespAttributed, RespPush, type RespValue } from './types.js';

/**
 * One argument of a command: strings are sent as UTF-8, bytes as they are, numbers and
 * bigints in decimal.
 * @example
 * const args: RedisArgument[] = ['SET', 'k', Buffer.from([0, 1]), 10];
 */
export type RedisArgument = string | Uint8Array | number | bigint;

function argumentBytes(arg: RedisArgument, index: number): string | Uint8Array {
  if (typeof arg === 'string' || arg instanceof Uint8Array) return arg;
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw new RedisArgumentError(`argument ${index} is ${arg}; Redis takes finite numbers only`);
    return String(arg);
  }
  if (typeof arg === 'bigint') return arg.toString();
  throw new RedisArgumentError(`argument ${index} is ${arg === null ? 'null' : typeof arg}; a command takes strings, bytes, numbers or bigints`);
}

/**
 * Writes one command as a RESP array of bulk strings (what every Redis accepts) into
 * one buffer. Pure: no I/O, so tests and benchmarks build wire bytes with it.
 * Throws `RedisArgumentError` for an argument that cannot be sent.
 * @example
 * encodeCommand(['SET', 'greeting', 'hello']).toString();
 * // '*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n'
 */
export function encodeCommand(args: readonly RedisArgument[]): Buffer {
  const text = commandText(args);
  return text !== null ? Buffer.from(text, 'utf8') : encodeCommands([args]);
}

/**
 * @internal The command as text, or null if an argument is bytes. The client writes
 * this string as it is: the socket encodes it once, where building a Buffer piece by
 * piece cost three times as much per command (bench: codec alone).
 */
export function commandText(args: readonly RedisArgument[]): string | null {
  if (args.length === 0) throw new RedisArgumentError('a command needs at least its name');
  let text = `*${args.length}\r\n`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let part: string;
    if (typeof arg === 'string') part = arg;
    else if (arg instanceof Uint8Array) return null;
    else part = argumentBytes(arg, i) as string;
    // ASCII (the usual key or number) has as many bytes as characters: skip the count.
    text += `$${isAscii(part) ? part.length : Buffer.byteLength(part)}\r\n${part}\r\n`;
  }
  return text;
}

/** @internal Several commands as one text (a pipeline), or null if an argument is bytes. */
export function commandsText(commands: readonly (readonly RedisArgument[])[]): string | null {
  let text = '';
  for (const args of commands) {
    const one = commandText(args);
    if (one === null) return null;
    text += one;
  }
  return text;
}

const NON_ASCII = /[^\x00-\x7f]/;
function isAscii(text: string): boolean {
  return text.length < 64 ? !NON_ASCII.test(text) : Buffer.byteLength(text) === text.length;
}

/**
 * Writes several commands back to back into one buffer (a pipeline: one write, one
 * system call). Pure.
 * @example
 * const wire = encodeCommands([['SET', 'a', 1], ['GET', 'a']]);
 */
export function encodeCommands(commands: readonly (readonly RedisArgument[])[]): Buffer {
  const parts: (string | Uint8Array)[] = [];
  const lengths: number[] = [];
  let size = 0;
  for (const args of commands) {
    if (args.length === 0) throw new RedisArgumentError('a command needs at least its name');
    size += 3 + digits(args.length);
    for (let i = 0; i < args.length; i++) {
      const part = argumentBytes(args[i]!, i);
      const length = typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength;
      size += 5 + digits(length) + length;
      parts.push(part);
      lengths.push(length);
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  let next = 0;
  for (const args of commands) {
    at += out.write(`*${args.length}\r\n`, at, 'latin1');
    for (let i = 0; i < args.length; i++) {
      const part = parts[next]!;
      at += out.write(`$${lengths[next++]!}\r\n`, at, 'latin1');
      if (typeof part === 'string') {
        at += out.write(part, at, 'utf8');
      } else {
        out.set(part, at);
        at += part.byteLength;
      }
      out[at++] = 13;
      out[at++] = 10;
    }
  }
  return out;
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : String(n).length;
}

/**
 * Encodes any value as RESP3 (or RESP2 where the type exists there), the way a server
 * would send it: strings as bulk strings, numbers as integers (or doubles when not
 * whole), `null` as `_` (RESP3) or `$-1` (RESP2). For tests, fake servers and
 * benchmarks. Pure.
 * @example
 * encodeValue(['OK', 1, null], 3).toString(); // '*3\r\n$2\r\nOK\r\n:1\r\n_\r\n'
 */
export function encodeValue(value: RespValue, protocol: 2 | 3 = 3): Buffer {
  const parts: Buffer[] = [];
  encodeInto(value, protocol, parts);
  return Buffer.concat(parts);
}

function encodeInto(value: RespValue, protocol: 2 | 3, parts: Buffer[]): void {
  const line = (text: string): void => {
    parts.push(Buffer.from(`${text}\r\n`, 'utf8'));
  };
  if (value === null) return line(protocol === 3 ? '_' : '$-1');
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    line(`$${body.length}`);
    parts.push(body, Buffer.from('\r\n'));
    return;
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) || protocol === 2) return line(`:${Number.isInteger(value) ? value : Math.trunc(value)}`);
    return line(`,${Number.isNaN(value) ? 'nan' : value === Infinity ? 'inf' : value === -Infinity ? '-inf' : String(value)}`);
  }
  if (typeof value === 'bigint') return line(protocol === 3 ? `(${value}` : `:${value}`);
  if (typeof value === 'boolean') return line(protocol === 3 ? `#${value ? 't' : 'f'}` : `:${value ? 1 : 0}`);
  if (value instanceof RedisError) return line(`-${value.message}`);
  if (Array.isArray(value)) {
    line(`*${value.length}`);
    for (const item of value) encodeInto(item, protocol, parts);
    return;
  }
  if (value instanceof Map) {
    line(protocol === 3 ? `%${value.size}` : `*${value.size * 2}`);
    for (const [k, v] of value) {
      encodeInto(k, protocol, parts);
      encodeInto(v, protocol, parts);
    }
    return;
  }
  if (value instanceof Set) {
    line(protocol === 3 ? `~${value.size}` : `*${value.size}`);
    for (const item of value) encodeInto(item, protocol, parts);
    return;
  }
  if (value instanceof RespPush) {
    line(protocol === 3 ? `>${value.data.length}` : `*${value.data.length}`);
    for (const item of value.data) encodeInto(item, protocol, parts);
    return;
  }
  if (value instanceof RespAttributed) {
    if (protocol === 3) {
      line(`|${value.attributes.size}`);
      for (const [k, v] of value.attributes) {
        encodeInto(k, protocol, parts);
        encodeInto(v, protocol, parts);
      }
    }
    encodeInto(value.value, protocol, parts);
    return;
  }
  throw new RedisArgumentError(`cannot encode ${typeof value} as RESP`);
}
