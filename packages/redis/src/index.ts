/**
 * @diesel/redis — a Redis client for diesel: a sans-I/O RESP2/RESP3 codec, commands as
 * tokens pipelined across routines on one connection, and pub/sub with a groupable
 * `message()`; and `redisEvents()`, the event bus that makes `fire`/`wait` span processes.
 */
export { RedisArgumentError, RedisClientError, RedisError, RespLimitError, RespProtocolError } from './errors.js';
export {
  DEFAULT_MAX_ARRAY_LENGTH,
  DEFAULT_MAX_BULK_SIZE,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_INLINE_LENGTH,
  RespParser,
  type RespParserOptions,
} from './resp/parser.js';
export { encodeCommand, encodeCommands, encodeValue, type RedisArgument } from './resp/serializer.js';
export { RespAttributed, RespPush, type RespValue } from './resp/types.js';
export {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_RECONNECT_ATTEMPTS,
  DEFAULT_RECONNECT_MAX_DELAY,
  DEFAULT_RECONNECT_MIN_DELAY,
  RedisClient,
  type ReconnectOptions,
  type RedisClientOptions,
  type RedisOperation,
  type SetOptions,
} from './client.js';
export { DEFAULT_MAX_QUEUED, MessageToken, Subscription, type PubSubMessage, type SubscriptionOptions } from './pubsub.js';
export { DEFAULT_REDIS_PORT, parseRedisUrl, type RedisAddress } from './url.js';
export { DEFAULT_EVENTS_CHANNEL, DEFAULT_MAX_PENDING_EVENTS, RedisEvents, redisEvents, type RedisEventsOptions } from './events.js';
