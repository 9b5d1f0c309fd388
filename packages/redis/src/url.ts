import { RedisClientError } from './errors.js';

/**
 * Where and how to reach a Redis server, as a `redis://` / `rediss://` URL gives it.
 * @example
 * parseRedisUrl('rediss://app:secret@cache.internal:6380/2');
 * // { host: 'cache.internal', port: 6380, tls: true, username: 'app', password: 'secret', db: 2 }
 */
export interface RedisAddress {
  host: string;
  port: number;
  /** `rediss://`: TLS, through `@diesel/tls`. */
  tls: boolean;
  username?: string;
  password?: string;
  /** The database to `SELECT` (the URL's path, or `?db=`). */
  db?: number;
  /** `?protocol=3` asks for RESP3 (`HELLO 3`). */
  protocol?: 2 | 3;
}

/**
 * Redis's default port.
 * @example
 * yield* redis.connect('cache.internal', DEFAULT_REDIS_PORT);
 */
export const DEFAULT_REDIS_PORT = 6379;

/**
 * Parses `redis://[[user]:password@]host[:port][/db][?db=N&protocol=3]` (and
 * `rediss://` for TLS). Throws `DIESEL_ERR_REDIS_URL` for anything else. Pure.
 * @example
 * parseRedisUrl('redis://127.0.0.1:6379/0').port; // 6379
 */
export function parseRedisUrl(text: string): RedisAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisClientError('DIESEL_ERR_REDIS_URL', `not a Redis URL: ${JSON.stringify(text)} (expected redis://host:port/db)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RedisClientError('DIESEL_ERR_REDIS_URL', `a Redis URL starts with redis:// or rediss://, not ${url.protocol}//`);
  }
  const address: RedisAddress = {
    // IPv6 literals come bracketed from URL; net.connect wants them bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: url.port === '' ? DEFAULT_REDIS_PORT : Number(url.port),
    tls: url.protocol === 'rediss:',
  };
  if (url.username !== '') address.username = decodeURIComponent(url.username);
  if (url.password !== '') address.password = decodeURIComponent(url.password);
  const path = url.pathname.replace(/^\//, '');
  const db = path !== '' ? path : url.searchParams.get('db');
  if (db !== null && db !== '') {
    if (!/^\d+$/.test(db)) throw new RedisClientError('DIESEL_ERR_REDIS_URL', `the database in a Redis URL is a number, not ${JSON.stringify(db)}`);
    address.db = Number(db);
  }
  const protocol = url.searchParams.get('protocol');
  if (protocol !== null) {
    if (protocol !== '2' && protocol !== '3') throw new RedisClientError('DIESEL_ERR_REDIS_URL', `protocol in a Redis URL is 2 or 3, not ${JSON.stringify(protocol)}`);
    address.protocol = protocol === '3' ? 3 : 2;
  }
  return address;
}
