import { ConnectToken, type ConnectOptions } from './connect.js';
import type { Connection } from './connection.js';
import { ConnectionClosed } from './errors.js';
import { CallToken, type CallTarget, CustomToken, type Routine, type Runner, type TokenContext } from './hub.js';

/**
 * The base for protocol clients. Methods decorated with `@call` run on the client's
 * connection; one call runs at a time (others queue), so two routines sharing a client
 * never interleave requests.
 * @example
 * ```ts
 * class EchoClient extends Client {
 *   @call *echo(message: string) {
 *     yield `${message}\r\n`;
 *     return yield* until('\r\n');
 *   }
 * }
 * const client = new EchoClient();
 * yield* client.connect('localhost', 8000);
 * const back = yield* client.echo('hi');
 * ```
 */
export class Client implements CallTarget {
  #connection: Connection | null = null;
  #busy: Runner | null = null;
  readonly #queue: Runner[] = [];

  /** The open connection, or null before `connect` / after `close`. */
  get connection(): Connection | null {
    return this.#connection;
  }

  get connected(): boolean {
    return this.#connection !== null && !this.#connection.closed;
  }

  /**
   * Suspends: until connected; resumes with the client itself. Throws `ConnectError`.
   * @example
   * yield* client.connect('localhost', 8000);
   */
  connect(host: string, port: number, options?: ConnectOptions): CustomToken<this> {
    return new ClientConnectToken(this, new ConnectToken(host, port, options), (connection) => {
      this.#connection?.destroy();
      this.#connection = connection;
    });
  }

  /** Attaches an already open connection (e.g. one accepted by a Service). */
  attach(connection: Connection): this {
    this.#connection = connection;
    return this;
  }

  /** Closes the connection gracefully (after pending writes). */
  close(): void {
    this.#connection?.end();
    this.#connection = null;
  }

  /** @internal CallTarget */
  acquire(runner: Runner): boolean {
    if (this.#connection === null) throw new ConnectionClosed('client is not connected: call connect() first');
    if (this.#busy === null) {
      this.#busy = runner;
      return true;
    }
    this.#queue.push(runner);
    return false;
  }

  /** @internal CallTarget */
  release(runner: Runner): void {
    if (this.#busy !== runner) {
      const at = this.#queue.indexOf(runner);
      if (at !== -1) this.#queue.splice(at, 1);
      return;
    }
    const next = this.#queue.shift();
    this.#busy = next ?? null;
    // Hand over on a fresh tick: release runs inside the finishing routine's step.
    if (next !== undefined) queueMicrotask(() => next.callAdmitted());
  }
}

class ClientConnectToken<C> extends CustomToken<C> {
  constructor(
    readonly client: C,
    readonly inner: ConnectToken,
    readonly adopt: (connection: Connection) => void,
  ) {
    super();
  }
  start(context: TokenContext<C>): () => void {
    return this.inner.start({
      hub: context.hub,
      connection: context.connection,
      resolve: (connection) => {
        this.adopt(connection);
        context.resolve(this.client);
      },
      reject: (error) => context.reject(error),
    });
  }
}

type CallMethod<This, A extends unknown[], R, Y = unknown> = (this: This, ...args: A) => Generator<Y, R, unknown>;

/**
 * Decorator (standard TS decorators) for `Client` methods: calling the method returns a
 * token that runs the generator on the client's connection, after earlier calls finish.
 * `return value` or `yield response(value)` resumes the caller with `value`.
 */
export function call<This extends Client, A extends unknown[], R, Y>(
  method: CallMethod<This, A, R, Y>,
  context: ClassMethodDecoratorContext<This, CallMethod<This, A, R, Y>>,
): CallMethod<This, A, R, Y> {
  const name = String(context.name);
  return function (this: This, ...args: A) {
    // Keeps the method's declared type (Y included) so an unannotated `@call *m()` compiles; `yield*` on it gives R.
    return new CallToken<R>(this, method.apply(this, args) as Routine<R>, name) as unknown as Generator<Y, R, unknown>;
  };
}
