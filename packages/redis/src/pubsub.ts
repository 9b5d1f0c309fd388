import { ConnectionClosed, CustomToken, type GroupRole, type Hub, type Routine, type Runner, type TokenContext, on, receive, wait } from '@diesel/core';
import { type RedisClientOptions, RedisClient, currentHub } from './client.js';
import { RedisClientError, RedisError } from './errors.js';
import { RespParser } from './resp/parser.js';
import { encodeCommand, type RedisArgument } from './resp/serializer.js';
import { RespPush, type RespValue } from './resp/types.js';

/**
 * One pub/sub message. `pattern` is set for messages that matched a `psubscribe`.
 * @example
 * const { channel, message } = yield* sub.message();
 */
export interface PubSubMessage {
  channel: string;
  message: string;
  pattern?: string;
}

/**
 * Options of a subscription.
 * @example
 * const redis = new RedisClient({ url, subscription: { maxQueued: 100 } });
 */
export interface SubscriptionOptions {
  /**
   * Messages held for `message()` before the subscription stops reading its socket
   * (default 10,000). Nothing is dropped here: Redis buffers the rest, and disconnects a
   * subscriber that falls past its `client-output-buffer-limit pubsub`, which then fails
   * `message()` with `ConnectionClosed`.
   */
  maxQueued?: number;
}

/**
 * Default `maxQueued`.
 * @example
 * new RedisClient({ url, subscription: { maxQueued: DEFAULT_MAX_QUEUED / 10 } });
 */
export const DEFAULT_MAX_QUEUED = 10_000;

interface Waiter {
  /** False once the routine moved on (a group's other member won): pass the message on. */
  readonly live: boolean;
  resolve(message: PubSubMessage | null): void;
  reject(error: unknown): void;
}

interface Confirmation {
  kind: string;
  remaining: number;
  resolve(): void;
  reject(error: unknown): void;
}

let nextId = 0;
const READ = receive(64 * 1024);

function text(value: RespValue | undefined): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  return String(value);
}

/**
 * A connection in subscribe mode (Redis allows nothing else on it), with a bounded queue
 * of messages and `message()` to take the next. Made by `redis.subscribe(...)` /
 * `redis.psubscribe(...)`, on a connection of its own with the client's address and
 * credentials. `close()` ends it; a lost connection fails `message()` with
 * `ConnectionClosed`.
 *
 * `message()` is a wait-like token: it can be grouped, `first(sub.message(), sleep(5))`,
 * with a socket wait, other waits or a sleep; `sub.message(5)` says the same in one token.
 * @example
 * const sub = yield* redis.subscribe('news');
 * for (;;) {
 *   const next = yield* sub.message(30);
 *   if (next === null) break; // quiet for 30 s
 *   console.log(next.channel, next.message);
 * }
 * sub.close();
 */
export class Subscription {
  readonly maxQueued: number;
  /** Channels and patterns currently subscribed (as confirmed by the server). */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly #client: RedisClient;
  readonly #queue: PubSubMessage[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #confirmations: Confirmation[] = [];
  readonly #room = `diesel.redis.subscription.${nextId++}.room`;
  #hub: Hub | null = null;
  #reader: Runner | null = null;
  #waitingForRoom = false;
  #error: unknown = null;

  constructor(options: RedisClientOptions, subscription: SubscriptionOptions = {}) {
    this.maxQueued = subscription.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.#client = new RedisClient(options);
  }

  /** Messages received and not yet taken. */
  get queued(): number {
    return this.#queue.length;
  }

  get closed(): boolean {
    return this.#error !== null;
  }

  /** @internal Suspends: until connected and authenticated; starts the reader. */
  *open(): Routine<this> {
    yield* this.#client.connect();
    const hub = yield* currentHub();
    this.#hub = hub;
    const connection = this.#client.connection!;
    this.#reader = hub.spawn(this.#read(), { connection, name: 'redis subscription' });
    return this;
  }

  *#read(): Routine<void> {
    // A fresh parser: the handshake's replies were read in full by the client's calls.
    const parser = new RespParser({ bulkAs: 'buffer' });
    try {
      for (;;) {
        if (this.#queue.length >= this.maxQueued) {
          // Stop reading until message() makes room: the kernel, then Redis, buffer the rest.
          this.#waitingForRoom = true;
          yield wait(this.#room);
          continue;
        }
        parser.feed((yield READ) as Buffer);
        for (let value = parser.read(); value !== undefined; value = parser.read()) this.#dispatch(value);
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#fail(new ConnectionClosed('the subscription was closed'));
    }
  }

  #dispatch(value: RespValue): void {
    if (value instanceof RedisError) {
      const pending = this.#confirmations.shift();
      pending?.reject(value);
      return;
    }
    const items = value instanceof RespPush ? value.data : Array.isArray(value) ? value : null;
    if (items === null || items.length === 0) return; // a PING's reply in RESP3: nothing to do
    const kind = text(items[0]);
    switch (kind) {
      case 'message':
        return this.#deliver({ channel: text(items[1]), message: text(items[2]) });
      case 'pmessage':
        return this.#deliver({ pattern: text(items[1]), channel: text(items[2]), message: text(items[3]) });
      case 'subscribe':
      case 'unsubscribe':
      case 'psubscribe':
      case 'punsubscribe': {
        const name = items[1] === null ? null : text(items[1]);
        if (name !== null) {
          const set = kind.startsWith('p') ? this.patterns : this.channels;
          if (kind.endsWith('unsubscribe')) set.delete(name);
          else set.add(name);
        }
        const pending = this.#confirmations[0];
        if (pending !== undefined && pending.kind === kind && --pending.remaining <= 0) {
          this.#confirmations.shift();
          pending.resolve();
        }
        return;
      }
      default:
        return; // 'pong' and anything newer: not a message
    }
  }

  #deliver(message: PubSubMessage): void {
    for (let waiter = this.#waiters.shift(); waiter !== undefined; waiter = this.#waiters.shift()) {
      if (!waiter.live) continue;
      waiter.resolve(message);
      return;
    }
    this.#queue.push(message);
  }

  #fail(error: unknown): void {
    if (this.#error !== null) return;
    this.#error = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const pending of this.#confirmations.splice(0)) pending.reject(error);
    this.#client.connection?.destroy();
  }

  /** @internal message() took one: let the reader go on if it stopped for room. */
  took(): void {
    if (this.#waitingForRoom && this.#queue.length < this.maxQueued && this.#hub !== null) {
      this.#waitingForRoom = false;
      this.#hub.fire(this.#room, null);
    }
  }

  /** @internal */
  take(): PubSubMessage | undefined {
    const message = this.#queue.shift();
    if (message !== undefined) this.took();
    return message;
  }

  /** @internal */
  get error(): unknown {
    return this.#error;
  }

  /** @internal */
  addWaiter(waiter: Waiter): () => void {
    this.#waiters.push(waiter);
    return () => {
      const at = this.#waiters.indexOf(waiter);
      if (at !== -1) this.#waiters.splice(at, 1);
    };
  }

  /**
   * Suspends: until the next message (queued ones first, oldest first), or, with
   * `timeout`, until that many seconds pass (then `null`). Several routines may wait on
   * one subscription: each message goes to one of them, first come first served.
   * Throws `ConnectionClosed` once the subscription is closed or its connection lost
   * (after the messages already queued have been taken).
   * @example
   * const next = yield* sub.message(5); // null after 5 quiet seconds
   */
  message(): MessageToken<PubSubMessage>;
  message(timeout: number): MessageToken<PubSubMessage | null>;
  message(timeout?: number): MessageToken<PubSubMessage | null> {
    if (timeout !== undefined && !(timeout >= 0)) throw new RangeError(`message(): timeout must be a non-negative number of seconds, got ${timeout}`);
    return new MessageToken(this, timeout);
  }

  /**
   * Suspends: until the server confirmed every channel. Adds channels.
   * @example
   * yield* sub.subscribe('alerts');
   */
  *subscribe(...channels: RedisArgument[]): Routine<void> {
    if (channels.length === 0) throw new RedisClientError('DIESEL_ERR_REDIS_ARGUMENT', 'subscribe() needs at least one channel');
    yield* this.#command('subscribe', ['SUBSCRIBE', ...channels], channels.length);
  }

  /**
   * Suspends: until the server confirmed every pattern. Adds glob patterns (`news.*`).
   * @example
   * yield* sub.psubscribe('news.*');
   */
  *psubscribe(...patterns: RedisArgument[]): Routine<void> {
    if (patterns.length === 0) throw new RedisClientError('DIESEL_ERR_REDIS_ARGUMENT', 'psubscribe() needs at least one pattern');
    yield* this.#command('psubscribe', ['PSUBSCRIBE', ...patterns], patterns.length);
  }

  /**
   * Suspends: until confirmed. Leaves channels (all of them, with none given).
   * Messages already queued stay queued.
   * @example
   * yield* sub.unsubscribe('news');
   */
  *unsubscribe(...channels: RedisArgument[]): Routine<void> {
    yield* this.#command('unsubscribe', ['UNSUBSCRIBE', ...channels], channels.length > 0 ? channels.length : Math.max(1, this.channels.size));
  }

  /**
   * Suspends: until confirmed. Leaves patterns (all of them, with none given).
   * @example
   * yield* sub.punsubscribe('news.*');
   */
  *punsubscribe(...patterns: RedisArgument[]): Routine<void> {
    yield* this.#command('punsubscribe', ['PUNSUBSCRIBE', ...patterns], patterns.length > 0 ? patterns.length : Math.max(1, this.patterns.size));
  }

  *#command(kind: string, args: RedisArgument[], confirmations: number): Routine<void> {
    if (this.#error !== null) throw this.#error;
    const wire = encodeCommand(args);
    const confirmed = new ConfirmToken(this.#confirmations, kind, confirmations);
    const connection = this.#client.connection!;
    yield* on(connection, wire);
    yield* confirmed;
  }

  /** Closes the subscription's connection; waiting `message()` calls fail with `ConnectionClosed`. */
  close(): void {
    this.#fail(new ConnectionClosed('the subscription was closed'));
    this.#reader?.kill();
    this.#client.close();
  }

  /** @internal for tests: the reader routine is parked waiting for room. */
  get paused(): boolean {
    return this.#waitingForRoom;
  }
}

/**
 * The token `sub.message()` returns. Suspends: until a message (or the timeout).
 * @example
 * const next = yield* sub.message();
 */
export class MessageToken<T extends PubSubMessage | null> extends CustomToken<T> {
  constructor(
    readonly subscription: Subscription,
    readonly timeout: number | undefined,
  ) {
    super();
  }

  /** Wait-like: it may join a group (`first(sub.message(), sleep(5))`). */
  override get group(): GroupRole {
    return 'wait';
  }

  start(context: TokenContext<T>): (() => void) | void {
    const sub = this.subscription;
    const queued = sub.take();
    if (queued !== undefined) return context.resolve(queued as T);
    if (sub.error !== null) return context.reject(sub.error);
    let timer: unknown = null;
    const remove = sub.addWaiter({
      get live() {
        return !context.settled;
      },
      resolve: (message) => {
        if (timer !== null) context.hub.clock.cancel(timer);
        context.resolve(message as T);
      },
      reject: (error) => {
        if (timer !== null) context.hub.clock.cancel(timer);
        context.reject(error);
      },
    });
    if (this.timeout !== undefined) {
      timer = context.hub.clock.schedule(() => {
        timer = null;
        remove();
        context.resolve(null as T);
      }, this.timeout * 1000);
    }
    return () => {
      if (timer !== null) context.hub.clock.cancel(timer);
      remove();
    };
  }
}

class ConfirmToken extends CustomToken<void> {
  #done = false;
  #error: unknown = null;
  #context: TokenContext<void> | null = null;

  constructor(queue: Confirmation[], kind: string, count: number) {
    super();
    // Registered before the command is written, so a quick reply cannot be missed.
    queue.push({
      kind,
      remaining: count,
      resolve: () => {
        this.#done = true;
        this.#context?.resolve();
      },
      reject: (error) => {
        this.#done = true;
        this.#error = error;
        this.#context?.reject(error);
      },
    });
  }

  start(context: TokenContext<void>): void {
    if (this.#done) return this.#error === null ? context.resolve() : context.reject(this.#error);
    this.#context = context;
  }
}

/** @internal used by RedisClient.subscribe. */
export function* openSubscription(options: RedisClientOptions, subscription: SubscriptionOptions, kind: 'subscribe' | 'psubscribe', names: RedisArgument[]): Routine<Subscription> {
  const sub = new Subscription(options, subscription);
  yield* sub.open();
  try {
    if (kind === 'subscribe') yield* sub.subscribe(...names);
    else yield* sub.psubscribe(...names);
  } catch (error) {
    sub.close();
    throw error;
  }
  return sub;
}

