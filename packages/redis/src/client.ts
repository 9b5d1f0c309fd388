import { CallToken, Client, type ConnectOptions, ConnectionClosed, CustomToken, type DieselLogger, type Hub, type Routine, type TokenContext, type Yieldable, readTurn, receive, sleep } from '@diesel/core';
import {
  type Convert,
  asBoolean,
  asBufferOrNull,
  asKeyValueOrNull,
  asNumber,
  asOkOrNull,
  asRecord,
  asString,
  asStringOrNull,
  decoded,
  raw,
} from './convert.js';
import { RedisClientError, RedisError } from './errors.js';
import { RespParser, type RespParserOptions } from './resp/parser.js';
import { commandText, commandsText, encodeCommand, encodeCommands, type RedisArgument } from './resp/serializer.js';
import { RespPush, type RespValue } from './resp/types.js';
import { type Subscription, type SubscriptionOptions, openSubscription } from './pubsub.js';
import { DEFAULT_REDIS_PORT, parseRedisUrl } from './url.js';

/**
 * What a command method returns: `yield* redis.get(k)` gives the typed result;
 * `yield redis.get(k)` (diesel style) works too, untyped. Suspends: until the reply.
 * @example
 * const value: string | null = yield* redis.get('greeting');
 */
export type RedisOperation<R> = Generator<Yieldable, R, unknown>;

/**
 * Reconnecting after a lost connection: off unless asked for. Calls in flight when the
 * connection drops always fail with `ConnectionClosed` (their replies are lost); with
 * this on, the next call reconnects first, waiting `minDelay`, then twice as long each
 * time up to `maxDelay`, for at most `attempts` tries, each logged at warn level.
 * @example
 * new RedisClient({ url: 'redis://127.0.0.1:6379', reconnect: { attempts: 5, maxDelay: 2 } });
 */
export interface ReconnectOptions {
  /** Tries before the call fails with `DIESEL_ERR_REDIS_RECONNECT_FAILED` (default 10). */
  attempts?: number;
  /** Seconds before the second try (default 0.1); the first is immediate. */
  minDelay?: number;
  /** Longest wait between tries, in seconds (default 5). */
  maxDelay?: number;
}

/**
 * Default `reconnect.attempts`.
 * @example
 * new RedisClient({ url, reconnect: { attempts: DEFAULT_RECONNECT_ATTEMPTS * 3 } });
 */
export const DEFAULT_RECONNECT_ATTEMPTS = 10;
/**
 * Default `reconnect.minDelay`, seconds.
 * @example
 * new RedisClient({ url, reconnect: { minDelay: DEFAULT_RECONNECT_MIN_DELAY * 5 } });
 */
export const DEFAULT_RECONNECT_MIN_DELAY = 0.1;
/**
 * Default `reconnect.maxDelay`, seconds.
 * @example
 * new RedisClient({ url, reconnect: { maxDelay: DEFAULT_RECONNECT_MAX_DELAY * 6 } }); // 30 s
 */
export const DEFAULT_RECONNECT_MAX_DELAY = 5;
/**
 * Default `connectTimeout`, seconds.
 * @example
 * new RedisClient({ url, connectTimeout: DEFAULT_CONNECT_TIMEOUT / 5 }); // 2 s
 */
export const DEFAULT_CONNECT_TIMEOUT = 10;

/**
 * How a `RedisClient` reaches its server. A `url` is read first; the other fields
 * override what it says.
 * @example
 * new RedisClient({ url: 'redis://127.0.0.1:6379/1', password: process.env.REDIS_PASSWORD, protocol: 3 });
 */
export interface RedisClientOptions extends Omit<RespParserOptions, 'bulkAs'> {
  /** `redis://[[user]:password@]host[:port][/db][?protocol=3]`, or `rediss://` for TLS. */
  url?: string;
  host?: string;
  port?: number;
  /** ACL user for `AUTH` (default: `default` when only a password is given). */
  username?: string;
  password?: string;
  /** Database to `SELECT` after connecting. */
  db?: number;
  /** 2 (the default: works with every Redis) or 3 (`HELLO 3`: maps, sets, doubles, pushes). */
  protocol?: 2 | 3;
  /** `CLIENT SETNAME` after connecting. */
  name?: string;
  /** TLS (what `rediss://` turns on): `true`, or `@diesel/tls` client options (`ca`, `servername`, …). Needs `@diesel/tls` installed. */
  tls?: boolean | object;
  /** Seconds the TCP (and TLS) connect may take (default 10). */
  connectTimeout?: number;
  /** Reconnect on the next call after the connection was lost (default: off). */
  reconnect?: boolean | ReconnectOptions;
  /** Where reconnects are logged (default: the application's logger). */
  logger?: DieselLogger;
  /** Options of the subscriptions `subscribe`/`psubscribe` open (`maxQueued`). */
  subscription?: SubscriptionOptions;
  /** RESP3 pushes that arrive on this connection (e.g. client-side caching invalidations); dropped by default. */
  onPush?: (push: RespPush) => void;
}

/**
 * `SET`'s options. `ex`/`px` set an expiry in seconds/milliseconds, `exat`/`pxat` an
 * absolute Unix time, `keepttl` keeps the key's current one; `nx` sets only if the key
 * is new, `xx` only if it exists (then `set` gives `null` when it did not set).
 * @example
 * yield* redis.set('session:1', token, { ex: 3600, nx: true });
 */
export interface SetOptions {
  ex?: number;
  px?: number;
  exat?: number;
  pxat?: number;
  keepttl?: boolean;
  nx?: boolean;
  xx?: boolean;
}

interface Resolved {
  host: string;
  port: number;
  tls: boolean | object;
  username: string | undefined;
  password: string | undefined;
  db: number | undefined;
  protocol: 2 | 3;
  name: string | undefined;
  connectTimeout: number;
  reconnect: Required<ReconnectOptions> | null;
  parser: RespParserOptions;
}

const READ = receive(64 * 1024);
const TURN = readTurn();

/**
 * A Redis client on tokens, pipelined across routines: every routine that shares it
 * writes its command at once and reads its reply in turn (core's pipelined `Client`),
 * so 100 routines cost one connection, and the commands they issue in one turn of the
 * event loop leave in one write. Commands are typed generators: `yield* redis.get(k)`.
 *
 * Errors: a server error reply is a {@link RedisError} (the server's text) thrown into
 * the routine that made that call only; the other calls carry on. A lost connection
 * fails the calls in flight with core's `ConnectionClosed`. Malformed bytes from the
 * server fail the call with `RespProtocolError` and close the connection (the stream
 * cannot be resynchronised), failing the others with `ConnectionClosed`.
 *
 * Blocking commands (`BLPOP`, …) hold up every call behind them on the same connection:
 * give them a client of their own.
 * @example
 * const redis = new RedisClient();
 * yield* redis.connect('redis://127.0.0.1:6379');
 * yield* redis.set('greeting', 'hello', { ex: 60 });
 * const greeting = yield* redis.get('greeting'); // 'hello'
 */
export class RedisClient extends Client {
  #options: Resolved;
  #given: RedisClientOptions;
  /** The parser that saw malformed bytes: later calls on it fail with ConnectionClosed. */
  #poisoned: RespParser | null = null;
  readonly #logger: DieselLogger | undefined;
  readonly #onPush: ((push: RespPush) => void) | undefined;
  readonly #subscription: SubscriptionOptions;
  #parser: RespParser;
  #reconnecting: Promise<void> | null = null;
  #reconnectError: unknown = null;
  /** connect() was called (and close() was not): a lost connection may be reconnected. */
  #wanted = false;

  constructor(options: RedisClientOptions | string = {}) {
    super({ pipelined: true });
    const given = typeof options === 'string' ? { url: options } : options;
    this.#given = given;
    this.#options = resolve(given);
    this.#logger = given.logger;
    this.#onPush = given.onPush;
    this.#subscription = given.subscription ?? {};
    this.#parser = new RespParser(this.#options.parser);
  }

  /** Open, not ended by the server (Redis never half-closes: a FIN means it is gone), not being torn down. */
  override get connected(): boolean {
    return super.connected && !this.connection!.peerEnded && !this.connection!.stream.destroyed;
  }

  /** Host, port, database and protocol this client talks to (no password). */
  get target(): { host: string; port: number; db: number | undefined; protocol: 2 | 3; tls: boolean } {
    const { host, port, db, protocol, tls } = this.#options;
    return { host, port, db, protocol, tls: tls !== false };
  }

  /**
   * Suspends: until connected, authenticated (`AUTH`, or `HELLO 3 AUTH …`), and on the
   * right database (`SELECT`). Takes a URL, options, or a host and port; with none, the
   * constructor's. Throws core's `ConnectError`, or `RedisError` if the server refuses
   * the handshake (wrong password, unknown database).
   * @example
   * yield* redis.connect('redis://:secret@127.0.0.1:6379/2');
   */
  override connect(target?: string | RedisClientOptions, port?: number): CustomToken<this> {
    if (target !== undefined) {
      const given: RedisClientOptions =
        typeof target === 'string' ? (/^rediss?:/.test(target) ? { url: target } : { host: target, port: port ?? DEFAULT_REDIS_PORT }) : target;
      // What connect() names replaces the address; the constructor's other options stay.
      const { url: _url, host: _host, port: _port, ...rest } = this.#given;
      this.#options = resolve({ ...rest, ...given });
    }
    this.#wanted = true;
    return new RoutineToken(this.#open());
  }

  /** Closes the connection after pending writes; a later call fails with `ConnectionClosed` (no reconnect). */
  override close(): void {
    this.#wanted = false;
    super.close();
  }

  *#open(): Routine<this> {
    const options = this.#options;
    if (options.tls !== false) yield loadTls();
    const connectOptions: ConnectOptions & { tls?: unknown } = { timeout: options.connectTimeout };
    if (options.tls !== false) connectOptions.tls = options.tls;
    this.#parser = new RespParser(options.parser);
    yield* super.connect(options.host, options.port, connectOptions);
    try {
      const { username, password, name } = options;
      if (options.protocol === 3) {
        const hello: RedisArgument[] = ['HELLO', 3];
        if (password !== undefined) hello.push('AUTH', username ?? 'default', password);
        if (name !== undefined) hello.push('SETNAME', name);
        yield* this.command(...hello);
      } else {
        if (password !== undefined) yield* this.command(...(username !== undefined ? ['AUTH', username, password] : ['AUTH', password]));
        if (name !== undefined) yield* this.command('CLIENT', 'SETNAME', name);
      }
      if (options.db !== undefined && options.db !== 0) yield* this.command('SELECT', options.db);
    } catch (error) {
      // A half-set-up connection (wrong password, bad database) must not serve calls.
      this.connection?.destroy();
      super.close();
      throw error;
    }
    return this;
  }

  /** @internal The routine of one call: writes the command, then reads its reply in turn. */
  *#run<R>(wire: string | Uint8Array, convert: Convert<R>, name: string): Routine<R> {
    // The parser of the connection this call runs on (a reconnect makes a new one).
    const parser = this.#parser;
    yield wire;
    // The parser may already hold replies for calls ahead of this one: wait for the turn.
    yield TURN;
    for (;;) {
      let reply: RespValue | undefined;
      try {
        reply = parser.read();
      } catch (error) {
        throw this.#protocolError(parser, error);
      }
      if (reply === undefined) {
        parser.feed((yield READ) as Buffer);
        continue;
      }
      if (reply instanceof RespPush) {
        this.#onPush?.(reply);
        continue;
      }
      if (reply instanceof RedisError) throw reply;
      return convert(reply, name);
    }
  }

  /** The first call to meet malformed bytes gets the parser's error; the calls after it, ConnectionClosed. */
  #protocolError(parser: RespParser, error: unknown): unknown {
    this.connection?.destroy();
    if (this.#poisoned === parser) return new ConnectionClosed('connection closed after a protocol error', new Uint8Array(0), error);
    this.#poisoned = parser;
    return error;
  }

  #send<R>(args: readonly RedisArgument[], convert: Convert<R>): RedisOperation<R> {
    // Encoded here, before the call exists: a bad argument throws at the call site and
    // nothing is written.
    const wire = commandText(args) ?? encodeCommand(args);
    const name = typeof args[0] === 'string' ? args[0].toUpperCase() : 'command';
    const call = new CallToken<R>(this, this.#run(wire, convert, name), name);
    if (this.#options.reconnect === null || !this.#wanted || this.connected) {
      return call as unknown as RedisOperation<R>;
    }
    return this.#afterReconnect(call);
  }

  *#afterReconnect<R>(call: CallToken<R>): Routine<R> {
    yield* this.#reconnect();
    return (yield call) as R;
  }

  *#reconnect(): Routine<void> {
    if (this.#reconnecting !== null) {
      // Another routine is reconnecting: share its outcome rather than start a second.
      yield this.#reconnecting;
      if (this.connected) return;
      throw this.#reconnectError;
    }
    if (this.connected) return;
    const policy = this.#options.reconnect!;
    let settle!: () => void;
    this.#reconnecting = new Promise<void>((resolve) => (settle = resolve));
    this.#reconnectError = null;
    const logger = this.#logger ?? (yield* currentHub()).logger;
    const where = `${this.#options.host}:${this.#options.port}`;
    try {
      let delay = policy.minDelay;
      for (let attempt = 1; ; attempt++) {
        try {
          yield* this.#open();
          logger.info(`redis: reconnected to ${where} (attempt ${attempt})`);
          return;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (attempt >= policy.attempts) {
            this.#reconnectError = new RedisClientError('DIESEL_ERR_REDIS_RECONNECT_FAILED', `cannot reconnect to ${where} after ${attempt} attempts: ${message}`, { cause: error });
            logger.error(`redis: ${(this.#reconnectError as Error).message}`);
            throw this.#reconnectError;
          }
          logger.warn(`redis: reconnect attempt ${attempt}/${policy.attempts} to ${where} failed (${message}); next in ${delay} s`);
          yield* sleep(delay);
          delay = Math.min(delay * 2, policy.maxDelay);
        }
      }
    } finally {
      this.#reconnecting = null;
      settle();
    }
  }

  // ---- commands ---------------------------------------------------------------------

  /**
   * Suspends: until the reply. Any command; the reply with bulk strings decoded as UTF-8
   * (`commandBuffer` keeps them as Buffers). Integers past 2^53 come as bigints.
   * @example
   * const ttl = yield* redis.command('TTL', 'session:1');
   */
  command(...args: RedisArgument[]): RedisOperation<RespValue> {
    return this.#send(args, decoded);
  }

  /**
   * Suspends: until the reply. Like `command`, with bulk strings as Buffers (binary-safe).
   * @example
   * const bytes = yield* redis.commandBuffer('DUMP', 'key');
   */
  commandBuffer(...args: RedisArgument[]): RedisOperation<RespValue> {
    return this.#send(args, raw);
  }

  /**
   * Suspends: until every reply. Sends the commands in one write and returns one result
   * per command, in order, with server errors as `RedisError` values in place (as
   * `MULTI`/`EXEC` does) rather than thrown: one call, one turn, however many commands.
   * @example
   * const [a, b] = yield* redis.pipeline([['INCR', 'a'], ['GET', 'b']]);
   */
  pipeline(commands: readonly (readonly RedisArgument[])[]): RedisOperation<(RespValue | RedisError)[]> {
    const wire = commandsText(commands) ?? encodeCommands(commands);
    const call = new CallToken(this, this.#runMany(wire, commands.length), 'PIPELINE');
    if (this.#options.reconnect === null || !this.#wanted || this.connected) {
      return call as unknown as RedisOperation<(RespValue | RedisError)[]>;
    }
    return this.#afterReconnect(call);
  }

  *#runMany(wire: string | Uint8Array, count: number): Routine<(RespValue | RedisError)[]> {
    const parser = this.#parser;
    yield wire;
    yield TURN;
    const results: (RespValue | RedisError)[] = [];
    while (results.length < count) {
      let reply: RespValue | undefined;
      try {
        reply = parser.read();
      } catch (error) {
        throw this.#protocolError(parser, error);
      }
      if (reply === undefined) parser.feed((yield READ) as Buffer);
      else if (reply instanceof RespPush) this.#onPush?.(reply);
      else results.push(reply instanceof RedisError ? reply : decoded(reply, 'PIPELINE'));
    }
    return results;
  }

  /** Suspends: until the reply. `PING` → `'PONG'` (or the message). @example yield* redis.ping(); */
  ping(message?: string): RedisOperation<string> {
    return this.#send(message === undefined ? ['PING'] : ['PING', message], asString);
  }

  /** Suspends: until the reply. The value, or `null` if the key does not exist. @example const v = yield* redis.get('k'); */
  get(key: RedisArgument): RedisOperation<string | null> {
    return this.#send(['GET', key], asStringOrNull);
  }

  /** Suspends: until the reply. `GET` as bytes. @example const bytes = yield* redis.getBuffer('image'); */
  getBuffer(key: RedisArgument): RedisOperation<Buffer | null> {
    return this.#send(['GET', key], asBufferOrNull);
  }

  /**
   * Suspends: until the reply. `'OK'`, or `null` when `nx`/`xx` kept it from setting.
   * @example
   * yield* redis.set('k', 'v', { px: 1500, nx: true });
   */
  set(key: RedisArgument, value: RedisArgument, options?: SetOptions): RedisOperation<'OK' | null> {
    const args: RedisArgument[] = ['SET', key, value];
    if (options !== undefined) {
      if (options.ex !== undefined) args.push('EX', options.ex);
      if (options.px !== undefined) args.push('PX', options.px);
      if (options.exat !== undefined) args.push('EXAT', options.exat);
      if (options.pxat !== undefined) args.push('PXAT', options.pxat);
      if (options.keepttl === true) args.push('KEEPTTL');
      if (options.nx === true) args.push('NX');
      if (options.xx === true) args.push('XX');
    }
    return this.#send(args, asOkOrNull);
  }

  /** Suspends: until the reply. How many of the keys existed and were removed. @example yield* redis.del('a', 'b'); */
  del(...keys: RedisArgument[]): RedisOperation<number> {
    return this.#send(['DEL', ...keys], asNumber);
  }

  /** Suspends: until the reply. How many of the keys exist. @example yield* redis.exists('k'); */
  exists(...keys: RedisArgument[]): RedisOperation<number> {
    return this.#send(['EXISTS', ...keys], asNumber);
  }

  /** Suspends: until the reply. The value after adding one. Throws `RedisError` if the value is not an integer. @example yield* redis.incr('hits'); */
  incr(key: RedisArgument): RedisOperation<number> {
    return this.#send(['INCR', key], asNumber);
  }

  /** Suspends: until the reply. The value after adding `by`. @example yield* redis.incrby('hits', 10); */
  incrby(key: RedisArgument, by: number): RedisOperation<number> {
    return this.#send(['INCRBY', key, by], asNumber);
  }

  /**
   * Suspends: until the reply. True if the timeout was set (false: no such key, or the
   * `NX`/`XX`/`GT`/`LT` condition failed).
   * @example
   * yield* redis.expire('session:1', 3600);
   */
  expire(key: RedisArgument, seconds: number, condition?: 'NX' | 'XX' | 'GT' | 'LT'): RedisOperation<boolean> {
    return this.#send(condition === undefined ? ['EXPIRE', key, seconds] : ['EXPIRE', key, seconds, condition], asBoolean);
  }

  /** Suspends: until the reply. Seconds to live; -1 without expiry, -2 if no key. @example yield* redis.ttl('k'); */
  ttl(key: RedisArgument): RedisOperation<number> {
    return this.#send(['TTL', key], asNumber);
  }

  /** Suspends: until the reply. A field of a hash, or `null`. @example yield* redis.hget('user:1', 'name'); */
  hget(key: RedisArgument, field: RedisArgument): RedisOperation<string | null> {
    return this.#send(['HGET', key, field], asStringOrNull);
  }

  /**
   * Suspends: until the reply. Sets one field, or every field of a record; gives how many
   * fields were new.
   * @example
   * yield* redis.hset('user:1', { name: 'Ada', born: 1815 });
   */
  hset(key: RedisArgument, field: RedisArgument, value: RedisArgument): RedisOperation<number>;
  hset(key: RedisArgument, fields: Record<string, RedisArgument>): RedisOperation<number>;
  hset(key: RedisArgument, fieldOrRecord: RedisArgument | Record<string, RedisArgument>, value?: RedisArgument): RedisOperation<number> {
    const args: RedisArgument[] = ['HSET', key];
    if (typeof fieldOrRecord === 'object' && !(fieldOrRecord instanceof Uint8Array)) {
      for (const [field, v] of Object.entries(fieldOrRecord)) args.push(field, v);
    } else {
      args.push(fieldOrRecord, value as RedisArgument);
    }
    return this.#send(args, asNumber);
  }

  /** Suspends: until the reply. Every field of a hash (`{}` if there is none). @example yield* redis.hgetall('user:1'); */
  hgetall(key: RedisArgument): RedisOperation<Record<string, string>> {
    return this.#send(['HGETALL', key], asRecord);
  }

  /** Suspends: until the reply. Removes fields; gives how many existed. @example yield* redis.hdel('user:1', 'born'); */
  hdel(key: RedisArgument, ...fields: RedisArgument[]): RedisOperation<number> {
    return this.#send(['HDEL', key, ...fields], asNumber);
  }

  /** Suspends: until the reply. Pushes at the head; gives the list's new length. @example yield* redis.lpush('jobs', 'a', 'b'); */
  lpush(key: RedisArgument, ...values: RedisArgument[]): RedisOperation<number> {
    return this.#send(['LPUSH', key, ...values], asNumber);
  }

  /** Suspends: until the reply. Pushes at the tail; gives the list's new length. @example yield* redis.rpush('jobs', 'c'); */
  rpush(key: RedisArgument, ...values: RedisArgument[]): RedisOperation<number> {
    return this.#send(['RPUSH', key, ...values], asNumber);
  }

  /** Suspends: until the reply. Takes from the tail; `null` if the list is empty. @example yield* redis.rpop('jobs'); */
  rpop(key: RedisArgument): RedisOperation<string | null> {
    return this.#send(['RPOP', key], asStringOrNull);
  }

  /** Suspends: until the reply. Takes from the head; `null` if the list is empty. @example yield* redis.lpop('jobs'); */
  lpop(key: RedisArgument): RedisOperation<string | null> {
    return this.#send(['LPOP', key], asStringOrNull);
  }

  /** Suspends: until the reply. A range of a list (`0, -1`: all of it). @example yield* redis.lrange('jobs', 0, -1); */
  lrange(key: RedisArgument, start: number, stop: number): RedisOperation<string[]> {
    return this.#send(['LRANGE', key, start, stop], (reply, command) => {
      if (!Array.isArray(reply)) return [asString(reply, command)];
      return reply.map((item) => asString(item, command));
    });
  }

  /**
   * Suspends: until an element arrives on one of `keys` or `timeout` seconds pass (0:
   * forever). `[key, value]`, or `null` on timeout. It blocks the whole connection: use a
   * client of its own for it.
   * @example
   * const job = yield* worker.blpop(['jobs'], 5);
   */
  blpop(keys: RedisArgument | readonly RedisArgument[], timeout: number): RedisOperation<[string, string] | null> {
    const list = Array.isArray(keys) ? (keys as readonly RedisArgument[]) : [keys as RedisArgument];
    return this.#send(['BLPOP', ...list, timeout], asKeyValueOrNull);
  }

  /** Suspends: until the reply. Sends a pub/sub message; gives how many subscribers got it. @example yield* redis.publish('news', 'hi'); */
  publish(channel: RedisArgument, message: RedisArgument): RedisOperation<number> {
    return this.#send(['PUBLISH', channel, message], asNumber);
  }

  /**
   * Suspends: until subscribed. Opens a subscription (a connection of its own, with this
   * client's address and credentials) to `channels`; take messages with `message()`.
   * @example
   * const sub = yield* redis.subscribe('news', 'alerts');
   * const { channel, message } = yield* sub.message();
   */
  subscribe(...channels: RedisArgument[]): RedisOperation<Subscription> {
    return openSubscription(this.#subscriberOptions(), this.#subscription, 'subscribe', channels);
  }

  /**
   * Suspends: until subscribed. Like `subscribe`, to glob patterns (`news.*`); messages
   * carry the `pattern` they matched.
   * @example
   * const sub = yield* redis.psubscribe('news.*');
   */
  psubscribe(...patterns: RedisArgument[]): RedisOperation<Subscription> {
    return openSubscription(this.#subscriberOptions(), this.#subscription, 'psubscribe', patterns);
  }

  #subscriberOptions(): RedisClientOptions {
    const { host, port, tls, username, password, db, protocol, connectTimeout, parser } = this.#options;
    const options: RedisClientOptions = { host, port, tls, protocol, connectTimeout, ...parser };
    if (username !== undefined) options.username = username;
    if (password !== undefined) options.password = password;
    if (db !== undefined) options.db = db;
    return options;
  }
}

function resolve(given: RedisClientOptions): Resolved {
  const fromUrl = given.url !== undefined ? parseRedisUrl(given.url) : undefined;
  const reconnect =
    given.reconnect === undefined || given.reconnect === false
      ? null
      : {
          attempts: (given.reconnect === true ? undefined : given.reconnect.attempts) ?? DEFAULT_RECONNECT_ATTEMPTS,
          minDelay: (given.reconnect === true ? undefined : given.reconnect.minDelay) ?? DEFAULT_RECONNECT_MIN_DELAY,
          maxDelay: (given.reconnect === true ? undefined : given.reconnect.maxDelay) ?? DEFAULT_RECONNECT_MAX_DELAY,
        };
  const parser: RespParserOptions = { bulkAs: 'buffer' };
  if (given.maxBulkSize !== undefined) parser.maxBulkSize = given.maxBulkSize;
  if (given.maxArrayLength !== undefined) parser.maxArrayLength = given.maxArrayLength;
  if (given.maxInlineLength !== undefined) parser.maxInlineLength = given.maxInlineLength;
  if (given.maxDepth !== undefined) parser.maxDepth = given.maxDepth;
  if (given.attributes !== undefined) parser.attributes = given.attributes;
  return {
    host: given.host ?? fromUrl?.host ?? '127.0.0.1',
    port: given.port ?? fromUrl?.port ?? DEFAULT_REDIS_PORT,
    tls: given.tls ?? fromUrl?.tls ?? false,
    username: given.username ?? fromUrl?.username,
    password: given.password ?? fromUrl?.password,
    db: given.db ?? fromUrl?.db,
    protocol: given.protocol ?? fromUrl?.protocol ?? 2,
    name: given.name,
    connectTimeout: given.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
    reconnect,
    parser,
  };
}

/** `@diesel/tls` is an optional peer: loaded (which registers `connect`'s `tls` option) only for `rediss://`. */
async function loadTls(): Promise<void> {
  try {
    await import('@diesel/tls');
  } catch (error) {
    throw new RedisClientError('DIESEL_ERR_REDIS_TLS_UNAVAILABLE', 'rediss:// (TLS) needs the @diesel/tls package: install it next to @diesel/redis', { cause: error });
  }
}

/** Runs a routine as a token: how `connect` stays a `CustomToken` while doing several steps. */
class RoutineToken<T> extends CustomToken<T> {
  constructor(readonly routine: Routine<T>) {
    super();
  }
  start(context: TokenContext<T>): () => void {
    const runner = context.hub.spawn(this.routine, {
      connection: context.connection,
      name: 'redis connect',
      onExit: (outcome) => (outcome.ok ? context.resolve(outcome.value as T) : context.reject(outcome.error)),
    });
    return () => runner.kill();
  }
}

class HubToken extends CustomToken<Hub> {
  start(context: TokenContext<Hub>): void {
    context.resolve(context.hub);
  }
}

/** Suspends: no. The hub running the current routine. */
export function* currentHub(): Routine<Hub> {
  return (yield new HubToken()) as Hub;
}

