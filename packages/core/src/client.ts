import { ConnectToken, type ConnectOptions } from './connect.js';
import type { Connection } from './connection.js';
import { ConnectionClosed } from './errors.js';
import { CallToken, type CallTarget, CustomToken, type Routine, type Runner, type TokenContext } from './hub.js';
import { BytesToken } from './tokens.js';

// A socket wait for nothing: it passes the pipeline's read gate like any read, then
// returns at once with an empty buffer, so it costs no new kind of token in the hub.
const TURN = new BytesToken(0);

/**
 * Suspends: inside a pipelined `@call`, until the calls written before this one have
 * read their replies; elsewhere, no (it returns at once). A protocol that keeps parsed
 * bytes of its own (a parser holding the next replies) yields this before taking from
 * that buffer, since only socket waits pass the read gate by themselves.
 * @example
 * ```ts
 * @call *get(key: string) {
 *   yield encode(key);
 *   yield* readTurn();
 *   return yield* this.nextReply();
 * }
 * ```
 */
export function readTurn(): BytesToken {
  return TURN;
}

/**
 * How a `Client` shares its connection between routines.
 * @example
 * class KvClient extends Client {
 *   constructor() {
 *     super({ pipelined: true });
 *   }
 * }
 */
export interface ClientOptions {
  /**
   * `false` (the default): one call runs at a time, the others queue behind it.
   * `true`: calls are pipelined (Medusa's boxcars) — each call writes its request at
   * once, without waiting for earlier replies, and reads its reply in turn, in the order
   * the requests were written. Requests written by many routines in one turn of the
   * event loop leave in one system call.
   */
  pipelined?: boolean;
}

/**
 * The base for protocol clients. Methods decorated with `@call` run on the client's
 * connection. By default one call runs at a time (others queue), so two routines
 * sharing a client never interleave requests.
 *
 * With `{ pipelined: true }` a call has two phases: it writes its request (calls take
 * turns writing, so requests never interleave), then, at its first socket wait, waits
 * for the replies of the calls written before it to be read, and reads its own. So 100
 * routines sharing one client cost one connection and a few system calls per round of
 * replies. The rules for a pipelined `@call` method: write the whole request before the
 * first socket wait, and read the whole reply; validate arguments before writing. A call
 * that wrote and then ends before its read turn (it threw, or was halted) leaves a reply
 * nobody will read, so the connection is closed and the calls in flight fail with
 * `ConnectionClosed` rather than receive each other's replies. A method that stops
 * reading in the middle of a reply (a protocol error) must close the connection itself.
 * A protocol that parses replies into a buffer of its own must `yield* readTurn()`
 * before taking from it (the gate sits on socket waits).
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
  readonly #pipeline: Pipeline | null;
  /** @internal CallTarget: set only on a pipelined client, which is how the hub tells them apart. */
  readonly admitRead?: (runner: Runner) => boolean;
  /** @internal CallTarget: set only on a pipelined client. */
  readonly wrote?: (runner: Runner) => void;

  constructor(options: ClientOptions = {}) {
    const pipeline = options.pipelined === true ? new Pipeline(() => this.#connection) : null;
    this.#pipeline = pipeline;
    if (pipeline !== null) {
      this.admitRead = (runner) => pipeline.admitRead(runner);
      this.wrote = (runner) => pipeline.wrote(runner);
    }
  }

  /** Whether calls are pipelined (see {@link ClientOptions}). */
  get pipelined(): boolean {
    return this.#pipeline !== null;
  }

  /** Pipelined clients: calls that have written their request and not yet read their reply. */
  get inFlight(): number {
    return this.#pipeline?.inFlight ?? 0;
  }

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
    if (this.#pipeline !== null) return this.#pipeline.acquire(runner);
    if (this.#busy === null) {
      this.#busy = runner;
      return true;
    }
    this.#queue.push(runner);
    return false;
  }

  /** @internal CallTarget */
  release(runner: Runner): void {
    if (this.#pipeline !== null) return this.#pipeline.release(runner);
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

/**
 * The turn-taking of a pipelined client: one writer at a time (from the call's start to
 * its first socket wait), and readers in the order they wrote.
 */
class Pipeline {
  #writer: Runner | null = null;
  /** Whether the writer has taken its place among the readers. */
  #writerInLine = false;
  readonly #writers: Runner[] = [];
  /** Calls that wrote, oldest first: the head owns the next reply. */
  readonly #readers: Runner[] = [];
  /** Whether the head has started reading (and so owns what it consumed). */
  #headReading = false;
  #flushing: Connection | null = null;

  constructor(readonly connection: () => Connection | null) {}

  get inFlight(): number {
    return this.#readers.length;
  }

  acquire(runner: Runner): boolean {
    this.#cork();
    if (this.#writer === null) {
      this.#writer = runner;
      this.#writerInLine = false;
      return true;
    }
    this.#writers.push(runner);
    return false;
  }

  wrote(runner: Runner): void {
    // A call writes once or several times; it owes one place in line either way.
    if (runner !== this.#writer || this.#writerInLine) return;
    this.#writerInLine = true;
    this.#readers.push(runner);
  }

  admitRead(runner: Runner): boolean {
    if (this.#writer === runner) this.#nextWriter();
    if (this.#readers[0] !== runner) return false;
    this.#headReading = true;
    return true;
  }

  release(runner: Runner): void {
    if (this.#writer === runner) this.#nextWriter();
    else {
      const queued = this.#writers.indexOf(runner);
      if (queued !== -1) this.#writers.splice(queued, 1);
    }
    const at = this.#readers.indexOf(runner);
    if (at === -1) return;
    const wasReading = at === 0 && this.#headReading;
    this.#readers.splice(at, 1);
    if (at === 0) this.#headReading = false;
    if (!wasReading) {
      // Its reply will still come, and the next call would take it for its own.
      const connection = this.connection();
      if (connection !== null && !connection.closed) connection.destroy(new Error('a pipelined call ended before reading its reply'));
    }
    const head = this.#readers[0];
    // On a fresh tick: release runs inside the finishing routine's step.
    if (at === 0 && head !== undefined) queueMicrotask(() => head.readAdmitted());
  }

  #nextWriter(): void {
    const next = this.#writers.shift();
    this.#writer = next ?? null;
    this.#writerInLine = false;
    if (next !== undefined) queueMicrotask(() => next.callAdmitted());
  }

  /**
   * Holds this turn's requests back and sends them together. The flush runs on a
   * process.nextTick queued from a microtask: Node runs nextTicks queued during the
   * microtask phase only after it has drained, so every routine resumed in this turn
   * (replies hand over turns by microtasks) has written by then.
   */
  #cork(): void {
    if (this.#flushing !== null) return;
    const connection = this.connection();
    if (connection === null || connection.closed) return;
    this.#flushing = connection;
    connection.cork();
    queueMicrotask(() => process.nextTick(() => this.#flush()));
  }

  #flush(): void {
    const connection = this.#flushing;
    this.#flushing = null;
    connection?.uncork();
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
      runner: context.runner,
      connection: context.connection,
      get settled() {
        return context.settled;
      },
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
 * const reply = yield* client.echo('hi'); // 'hi\r\n'
 * ```
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
