import { type Clock, type Connection, type Routine, SentinelNotFound, type UntilToken, bytes, first, receive, sleep, until } from '@diesel/core';
import type { BodyWait } from './body-wait.js';
import { HttpError } from './errors.js';
import type { HttpHeaders } from './headers.js';
import { type H1Parser, type MessageHead, WANT_LINE } from './h1/parser.js';
import type { HttpBodyReader, HttpRequest } from './types.js';

/** @internal The request object the server hands its handler. */
export class ServerRequest implements HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly version: string;
  readonly headers: HttpHeaders;
  readonly remote: { host: string; port: number };
  body: Buffer | null = null;
  params?: Readonly<Record<string, string>>;
  bodyReader?: BodyReader;
  /** @internal */
  readonly head: MessageHead;
  // Made on first use: most handlers never look at the signal, and a controller per
  // request would cost every keep-alive request an allocation.
  #controller: AbortController | null = null;
  #abortReason: unknown = undefined;

  constructor(head: MessageHead, remote: { host: string; port: number }) {
    this.head = head;
    this.method = head.method;
    this.url = head.url;
    this.version = head.version;
    this.headers = head.headers;
    this.remote = remote;
  }

  /** Aborted when the client leaves before the response is written. */
  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** @internal The server calls this when the client has gone. */
  abort(reason: unknown): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /** The body parsed as JSON; see `HttpRequest.json`. */
  json<T = unknown>(): T {
    if (this.body === null && this.bodyReader !== undefined) {
      // A streamBody handler reads its body itself; nothing was buffered to parse.
      throw new TypeError('request.json() needs the buffered body; a streamBody handler reads request.bodyReader instead');
    }
    if (this.body === null || this.body.length === 0) throw new HttpError('DIESEL_ERR_HTTP_BAD_JSON', 400, 'the request has no body; JSON was expected');
    try {
      return JSON.parse(this.body.toString('utf8')) as T;
    } catch (error) {
      throw new HttpError('DIESEL_ERR_HTTP_BAD_JSON', 400, `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/** @internal How a body reader reads: the parser, the deadline, the limits. */
export interface BodyReadContext {
  parser: H1Parser;
  /** The connection the body arrives on (to see whether bytes are already buffered). */
  connection: Connection;
  clock: Clock;
  /** Clock time (ms) by which the whole request must have arrived. */
  deadline: number;
  /** The connection's deadline-bounded read, begun for this request (one timer for all its reads). */
  wait: BodyWait;
  maxChunkLineSize: number;
  /** Send `100 Continue` before the first read (the client sent `Expect: 100-continue`). */
  sendContinue: boolean;
}

/**
 * @internal Reads a request body through the parser: exactly the bytes the parser says
 * belong to this message, so a pipelined request (or a WebSocket's first frames) stays
 * in the connection's buffer.
 */
export class BodyReader implements HttpBodyReader {
  readonly #context: BodyReadContext;
  #done: boolean;
  #received = 0;

  #lineToken: UntilToken | null = null;

  constructor(context: BodyReadContext, done: boolean) {
    this.#context = context;
    this.#done = done;
  }

  #finish(): void {
    this.#done = true;
    this.#context.wait.end();
  }

  get done(): boolean {
    return this.#done;
  }

  get received(): number {
    return this.#received;
  }

  *read(max = 64 * 1024): Routine<Buffer | null> {
    if (this.#done) return null;
    const context = this.#context;
    if (context.sendContinue) {
      context.sendContinue = false;
      yield CONTINUE;
    }
    const parser = context.parser;
    for (;;) {
      for (let event = parser.next(); event !== undefined; event = parser.next()) {
        if (event.type === 'data') {
          if (event.data.length === 0) continue;
          this.#received += event.data.length;
          return event.data;
        }
        if (event.type === 'end') {
          this.#finish();
          return null;
        }
      }
      const want = parser.want();
      if (context.deadline - context.clock.now() <= 0) throw timeout();
      // Each read is bounded by the request's deadline through the connection's BodyWait:
      // one timer for the request, armed only if a read has to wait, where a
      // `first(read, sleep)` group per read put a timer into Node's lists every time
      // (the largest per-chunk cost of a streamed upload in the profile).
      if (want > 0) {
        const data = (yield* context.wait.read(receive(Math.min(want, max)))) as Buffer | undefined;
        if (data === undefined) throw timeout();
        parser.feed(data);
      } else if (want === WANT_LINE) {
        let line: string | undefined;
        try {
          line = (yield* context.wait.read((this.#lineToken ??= until('\r\n', { limit: context.maxChunkLineSize, encoding: 'latin1' })))) as string | undefined;
        } catch (error) {
          if (error instanceof SentinelNotFound) throw new HttpError('DIESEL_ERR_HTTP_BAD_CHUNK', 400, `chunk line or trailer longer than ${context.maxChunkLineSize} bytes`);
          throw error;
        }
        if (line === undefined) throw timeout();
        parser.feed(Buffer.from(line, 'latin1'), line);
      } else {
        this.#finish();
        return null;
      }
    }
  }

  /**
   * Reads the rest of the body into one buffer, refusing more than `limit` bytes with 413.
   * With `length`, the body's size is known and read in one piece.
   */
  *readAll(limit: number, length = -1): Routine<Buffer> {
    if (length > 0 && !this.#done) {
      // A Content-Length body: one socket wait for all of it.
      if (length > limit) throw tooLarge(limit);
      const context = this.#context;
      if (context.sendContinue) {
        context.sendContinue = false;
        yield CONTINUE;
      }
      const left = (context.deadline - context.clock.now()) / 1000;
      if (left <= 0) throw timeout();
      const [data] = yield* first(bytes(length), sleep(left));
      if (data === undefined) throw timeout();
      context.parser.feed(data);
    }
    const parts: Buffer[] = [];
    let total = 0;
    for (let chunk = yield* this.read(); chunk !== null; chunk = yield* this.read()) {
      total += chunk.length;
      if (total > limit) throw tooLarge(limit);
      parts.push(chunk);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  /** Reads and drops up to `limit` more bytes; true if the body ended within them. */
  *discard(limit: number): Routine<boolean> {
    let total = 0;
    for (let chunk = yield* this.read(); chunk !== null; chunk = yield* this.read()) {
      total += chunk.length;
      if (total > limit) return false;
    }
    return true;
  }
}

function timeout(): HttpError {
  return new HttpError('DIESEL_ERR_HTTP_REQUEST_TIMEOUT', 408, 'the request did not arrive in time');
}

/** @internal */
export function tooLarge(limit: number): HttpError {
  return new HttpError('DIESEL_ERR_HTTP_BODY_TOO_LARGE', 413, `request body larger than ${limit} bytes`);
}
