import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { ConnectionClosed, type DieselLogger, type EventBus, type EventBusContext, type Hub, type Routine, run, sleep, wait } from '@diesel/core';
import { DEFAULT_RECONNECT_MAX_DELAY, DEFAULT_RECONNECT_MIN_DELAY, type ReconnectOptions, RedisClient, type RedisClientOptions } from './client.js';
import type { Subscription } from './pubsub.js';
import { encodeCommands } from './resp/serializer.js';

/**
 * Options of {@link redisEvents}: where Redis is (as for `RedisClient`: `url`, `host`,
 * `port`, `password`, `db`, `tls`, …), which channel carries the events, and the bounds.
 * @example
 * redisEvents({ url: 'redis://127.0.0.1:6379', channel: 'shop:events', maxPending: 50_000 });
 */
export interface RedisEventsOptions extends Omit<RedisClientOptions, 'subscription' | 'onPush' | 'reconnect'> {
  /**
   * The Redis pub/sub channel every process of the application shares (default
   * `diesel:events`). Applications that share one Redis but not their events use
   * channels of their own.
   */
  channel?: string;
  /**
   * Events held for Redis while it is slow or unreachable (default 10,000). Past that a
   * `fire` still wakes this process's waiters but its event is not sent to the others:
   * it is counted in `dropped` and logged (once per episode, at error).
   */
  maxPending?: number;
  /**
   * Reconnecting after Redis was lost (default: on, with `RedisClient`'s defaults).
   * The publisher retries on the next batch; the subscriber resubscribes with the same
   * backoff and keeps trying while the application runs. `false`: a lost subscriber
   * stays lost (logged) and fires keep failing (logged).
   */
  reconnect?: boolean | ReconnectOptions;
  /** Where the bus logs (default: the application's logger). */
  logger?: DieselLogger;
}

/**
 * Default channel of {@link redisEvents}.
 * @example
 * redisEvents({ url, channel: `${DEFAULT_EVENTS_CHANNEL}:staging` });
 */
export const DEFAULT_EVENTS_CHANNEL = 'diesel:events';
/**
 * Default `maxPending` of {@link redisEvents}.
 * @example
 * redisEvents({ url, maxPending: DEFAULT_MAX_PENDING_EVENTS * 5 });
 */
export const DEFAULT_MAX_PENDING_EVENTS = 10_000;
/** PUBLISH commands written at once, at most: one write and one turn for a burst of fires. */
const MAX_BATCH = 1000;

let buses = 0;

/**
 * An event bus on Redis pub/sub, for `new Application({ events: redisEvents({ url }) })`:
 * `fire` and `wait` then span every process on that Redis and channel. See
 * {@link RedisEvents} for what travels and what can be lost.
 * @example
 * const app = new Application({ events: redisEvents({ url: 'redis://127.0.0.1:6379' }) });
 * app.addLoop(new Loop(function* () {
 *   for (;;) console.log('someone said', yield* wait('chat'));
 * }));
 * await app.run();
 */
export function redisEvents(options: RedisEventsOptions | string = {}): RedisEvents {
  return new RedisEvents(typeof options === 'string' ? { url: options } : options);
}

/**
 * The event bus {@link redisEvents} makes. Two connections per process: one client that
 * PUBLISHes, pipelined (a burst of fires leaves in one write), and one subscription.
 *
 * On the wire each event is one message on `channel`, JSON:
 * `{"o":"<process id>","e":"<event>","v":<value>}` (`v` absent for `fire(event)` with
 * no value). A process skips messages carrying its own id, since its own waiters were
 * woken at `fire` already; other JSON on the channel is logged and skipped.
 *
 * Guarantees: one process's events reach every other subscribed process in the order
 * it fired them (one publishing connection, sent in turn; Redis keeps the order per
 * connection). Not guaranteed — Redis pub/sub is at most once: an event fired while
 * the publisher cannot reach Redis, beyond `maxPending`, or while a subscriber is
 * reconnecting, is lost for the processes concerned; each such loss is logged.
 * @example
 * const events = redisEvents({ url: 'redis://127.0.0.1:6379', channel: 'game:events' });
 * const app = new Application({ events });
 * // later: events.dropped, events.pending for monitoring
 */
export class RedisEvents implements EventBus {
  /** This process's tag on its messages (`host:pid:random`); unique per bus. */
  readonly id: string;
  readonly channel: string;
  readonly maxPending: number;
  readonly #options: RedisClientOptions;
  readonly #reconnect: { minDelay: number; maxDelay: number; attempts: number } | null;
  readonly #idJson: string;
  readonly #wake: string;
  #queue: string[] = [];
  #client: RedisClient | null = null;
  #subscription: Subscription | null = null;
  #hub: Hub | null = null;
  #deliver: ((event: string, value: unknown) => number) | null = null;
  #logger: DieselLogger | null = null;
  #publisherWaiting = false;
  #dropping = 0;
  #dropped = 0;
  #failing = false;
  #received = 0;

  constructor(options: RedisEventsOptions = {}) {
    const { channel, maxPending, reconnect, logger, ...client } = options;
    this.channel = channel ?? DEFAULT_EVENTS_CHANNEL;
    if (this.channel === '') throw new RangeError('redisEvents: channel must not be empty');
    this.maxPending = maxPending ?? DEFAULT_MAX_PENDING_EVENTS;
    if (!Number.isInteger(this.maxPending) || this.maxPending < 1) throw new RangeError(`redisEvents: maxPending must be a positive integer, got ${String(maxPending)}`);
    const policy = reconnect === undefined || reconnect === true ? {} : reconnect === false ? null : reconnect;
    this.#reconnect =
      policy === null
        ? null
        : { minDelay: policy.minDelay ?? DEFAULT_RECONNECT_MIN_DELAY, maxDelay: policy.maxDelay ?? DEFAULT_RECONNECT_MAX_DELAY, attempts: policy.attempts ?? 10 };
    this.#options = { ...client, reconnect: policy === null ? false : policy };
    if (logger !== undefined) this.#logger = logger;
    this.id = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#idJson = JSON.stringify(this.id);
    this.#wake = `diesel.redis.events.${++buses}.wake`;
  }

  /** Events fired here and not yet handed to Redis. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Events fired here that never reached Redis (it was unreachable, or `maxPending` was full), since the bus was made. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Events from other processes delivered here, since the bus was made. */
  get received(): number {
    return this.#received;
  }

  /** @internal EventBus: connects the publisher, subscribes, and starts their routines. */
  async open(context: EventBusContext): Promise<void> {
    const hub = context.hub;
    this.#hub = hub;
    this.#deliver = context.deliver;
    this.#logger ??= hub.logger;
    this.#queue = [];
    const client = new RedisClient({ ...this.#options, logger: this.#logger });
    this.#client = client;
    try {
      await run(client.connect(), { hub });
      this.#subscription = await run(client.subscribe(this.channel), { hub });
    } catch (error) {
      this.#teardown();
      throw error;
    }
    hub.spawn(this.#publisher(client), { name: 'redis events publisher' });
    hub.spawn(this.#subscriber(this.#subscription), { name: 'redis events subscriber' });
  }

  /** @internal EventBus: queues the event for the publisher (never blocks, never throws). */
  publish(event: string, json: string | undefined): void {
    if (this.#client === null) return;
    if (this.#queue.length >= this.maxPending) {
      this.#dropped++;
      if (this.#dropping++ === 0) {
        this.#logger?.error(`redis events: ${this.#queue.length} events wait for Redis on ${this.#where()}; not sending more to other processes until it catches up (local waiters are still woken)`);
      }
      return;
    }
    const body = json === undefined ? '' : `,"v":${json}`;
    this.#queue.push(`{"o":${this.#idJson},"e":${JSON.stringify(event)}${body}}`);
    if (this.#publisherWaiting) {
      this.#publisherWaiting = false;
      this.#hub?.fire(this.#wake, null);
    }
  }

  /**
   * @internal EventBus: the hub has stopped every routine; what is still queued is
   * written straight to the publisher's socket (best effort: it is not waited for, so
   * halting never hangs on a Redis that is gone), then both connections close.
   */
  close(): void {
    const client = this.#client;
    const queued = this.#queue;
    this.#queue = [];
    if (client !== null && queued.length > 0) {
      const connection = client.connection;
      if (client.connected && connection !== null) {
        try {
          connection.write(encodeCommands(queued.map((message) => ['PUBLISH', this.channel, message])));
        } catch {
          this.#dropped += queued.length;
        }
      } else {
        this.#dropped += queued.length;
        this.#logger?.warn(`redis events: ${queued.length} events not sent to other processes (halting without Redis)`);
      }
    }
    this.#teardown();
  }

  #teardown(): void {
    this.#subscription?.close();
    this.#subscription = null;
    this.#client?.close();
    this.#client = null;
    this.#hub = null;
    this.#deliver = null;
    this.#publisherWaiting = false;
  }

  #where(): string {
    const target = this.#client?.target;
    return target === undefined ? this.channel : `${target.host}:${target.port} (channel ${this.channel})`;
  }

  /** Sends what is queued, in order, a batch per write; one routine, so one order. */
  *#publisher(client: RedisClient): Routine<void> {
    let delay = this.#reconnect?.minDelay ?? DEFAULT_RECONNECT_MIN_DELAY;
    for (;;) {
      if (this.#queue.length === 0) {
        this.#publisherWaiting = true;
        yield wait(this.#wake);
        continue;
      }
      const batch = this.#queue.length <= MAX_BATCH ? this.#queue.splice(0) : this.#queue.splice(0, MAX_BATCH);
      try {
        if (batch.length === 1) yield* client.publish(this.channel, batch[0]!);
        else yield* client.pipeline(batch.map((message) => ['PUBLISH', this.channel, message]));
        delay = this.#reconnect?.minDelay ?? DEFAULT_RECONNECT_MIN_DELAY;
        if (this.#failing || this.#dropping > 0) {
          this.#logger?.info(`redis events: publishing to ${this.#where()} again${this.#dropping > 0 ? ` (${this.#dropping} events were not sent meanwhile)` : ''}`);
          this.#failing = false;
          this.#dropping = 0;
        }
      } catch (error) {
        // The replies are lost with the connection: these may or may not have reached
        // Redis. They are not sent again (a duplicate is worse than a logged loss).
        this.#dropped += batch.length;
        this.#logger?.error(`redis events: ${batch.length} events not sent to other processes: ${error instanceof Error ? error.message : String(error)}`);
        this.#failing = true;
        // The client's reconnect waits between its own tries; without it, do not spin.
        if (this.#reconnect === null) {
          yield* sleep(delay);
          delay = Math.min(delay * 2, DEFAULT_RECONNECT_MAX_DELAY);
        }
      }
    }
  }

  /** Delivers every message of the subscription; resubscribes when it is lost. */
  *#subscriber(first: Subscription): Routine<void> {
    let subscription: Subscription | null = first;
    for (;;) {
      if (subscription === null) {
        subscription = yield* this.#resubscribe();
        if (subscription === null) return;
      }
      try {
        for (;;) {
          const { message } = yield* subscription.message();
          this.#receive(message);
        }
      } catch (error) {
        if (!(error instanceof ConnectionClosed)) throw error;
        subscription.close();
        subscription = null;
        this.#subscription = null;
        if (this.#reconnect === null) {
          this.#logger?.error(`redis events: subscription to ${this.#where()} lost (${error.message}); reconnect is off, so events from other processes no longer arrive`);
          return;
        }
        this.#logger?.warn(`redis events: subscription to ${this.#where()} lost (${error.message}); resubscribing (events fired elsewhere meanwhile are missed)`);
      }
    }
  }

  *#resubscribe(): Routine<Subscription | null> {
    const policy = this.#reconnect!;
    let delay = policy.minDelay;
    for (let attempt = 1; ; attempt++) {
      const client = this.#client;
      if (client === null) return null;
      try {
        const subscription = yield* client.subscribe(this.channel);
        this.#subscription = subscription;
        this.#logger?.info(`redis events: resubscribed to ${this.#where()} (attempt ${attempt})`);
        return subscription;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // Every try at warn would flood a long outage: the first, then every `attempts`-th at error.
        if (attempt === 1) this.#logger?.warn(`redis events: resubscribing to ${this.#where()} failed (${message}); retrying every ${policy.minDelay}–${policy.maxDelay} s`);
        else if (attempt % policy.attempts === 0) this.#logger?.error(`redis events: still cannot resubscribe to ${this.#where()} after ${attempt} attempts (${message}); retrying`);
        yield* sleep(delay);
        delay = Math.min(delay * 2, policy.maxDelay);
      }
    }
  }

  #receive(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const message = parsed as { o?: unknown; e?: unknown; v?: unknown } | null;
    if (typeof message !== 'object' || message === null || typeof message.o !== 'string' || typeof message.e !== 'string') {
      this.#logger?.warn(`redis events: skipped a message on ${this.channel} that is not a diesel event: ${text.slice(0, 80)}`);
      return;
    }
    if (message.o === this.id) return;
    this.#received++;
    this.#deliver?.(message.e, message.v);
  }
}
