/**
 * @diesel/redis/testing — for tests that need a real Redis: `startRedis()` runs a
 * `redis-server` (which must be installed) on a free loopback port with no persistence.
 */
export { startRedis, type RedisServer, type RedisTlsFiles } from './redis-server.js';
