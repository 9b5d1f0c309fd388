import { RedisClientError } from './errors.js';
import { RespAttributed, RespPush, type RespValue } from './resp/types.js';

/** Turns a reply into what a typed command returns; throws for a reply of the wrong shape. */
export type Convert<R> = (reply: RespValue, command: string) => R;

function unexpected(reply: RespValue, command: string, wanted: string): RedisClientError {
  const got = reply === null ? 'null' : Array.isArray(reply) ? 'an array' : Buffer.isBuffer(reply) ? 'a bulk string' : typeof reply === 'object' ? reply.constructor.name : typeof reply;
  return new RedisClientError('DIESEL_ERR_REDIS_UNEXPECTED_REPLY', `${command}: expected ${wanted}, got ${got}`);
}

/** Bulk strings arrive as Buffers (binary-safe); typed commands decode them as UTF-8. */
export const asString: Convert<string> = (reply, command) => {
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (typeof reply === 'string') return reply;
  throw unexpected(reply, command, 'a string');
};

export const asStringOrNull: Convert<string | null> = (reply, command) => (reply === null ? null : asString(reply, command));

export const asBufferOrNull: Convert<Buffer | null> = (reply, command) => {
  if (reply === null || Buffer.isBuffer(reply)) return reply;
  if (typeof reply === 'string') return Buffer.from(reply, 'utf8');
  throw unexpected(reply, command, 'a bulk string');
};

export const asOkOrNull: Convert<'OK' | null> = (reply, command) => {
  if (reply === null) return null;
  if (asString(reply, command) === 'OK') return 'OK';
  throw unexpected(reply, command, 'OK');
};

export const asNumber: Convert<number> = (reply, command) => {
  if (typeof reply === 'number') return reply;
  // Past 2^53 a typed command cannot answer exactly; command() gives the bigint.
  if (typeof reply === 'bigint') throw new RedisClientError('DIESEL_ERR_REDIS_UNEXPECTED_REPLY', `${command}: ${reply} is past Number.MAX_SAFE_INTEGER; use command() for a bigint`);
  throw unexpected(reply, command, 'an integer');
};

export const asBoolean: Convert<boolean> = (reply, command) => {
  if (typeof reply === 'boolean') return reply;
  return asNumber(reply, command) === 1;
};

/** `HGETALL` is a flat array in RESP2 and a map in RESP3: the same record either way. */
export const asRecord: Convert<Record<string, string>> = (reply, command) => {
  const record: Record<string, string> = Object.create(null) as Record<string, string>;
  if (reply instanceof Map) {
    for (const [key, value] of reply) record[asString(key, command)] = asString(value, command);
    return record;
  }
  if (!Array.isArray(reply) || reply.length % 2 !== 0) throw unexpected(reply, command, 'field/value pairs');
  for (let i = 0; i < reply.length; i += 2) record[asString(reply[i]!, command)] = asString(reply[i + 1]!, command);
  return record;
};

export const asKeyValueOrNull: Convert<[string, string] | null> = (reply, command) => {
  if (reply === null) return null;
  if (!Array.isArray(reply) || reply.length !== 2) throw unexpected(reply, command, 'a [key, value] pair');
  return [asString(reply[0]!, command), asString(reply[1]!, command)];
};

/**
 * What `command()` returns: the reply with every bulk string decoded as UTF-8 (maps,
 * sets, pushes and attributes decoded inside too).
 */
export const decoded: Convert<RespValue> = (reply) => decode(reply);

function decode(value: RespValue): RespValue {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map(decode);
  if (value instanceof Map) {
    const map = new Map<RespValue, RespValue>();
    for (const [k, v] of value) map.set(decode(k), decode(v));
    return map;
  }
  if (value instanceof Set) return new Set([...value].map(decode));
  if (value instanceof RespPush) return new RespPush(value.data.map(decode));
  if (value instanceof RespAttributed) return new RespAttributed(decode(value.attributes) as Map<RespValue, RespValue>, decode(value.value));
  return value;
}

/** What `commandBuffer()` returns: the reply as parsed, bulk strings as Buffers. */
export const raw: Convert<RespValue> = (reply) => reply;
