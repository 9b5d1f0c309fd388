/**
 * The Fetch-standard adapter — the WSGI of this world. Any `(Request) => Response` app
 * (Hono, itty-router, a hand-written function) runs inside the diesel server.
 *
 * Bodies stream both ways, driven by demand: the WHATWG `Request` body is a
 * ReadableStream whose `pull` asks the connection routine for the next piece of the HTTP
 * body (read with socket tokens, never past the request), and the `Response` body is
 * written chunk by chunk with backpressure. While the response streams, the routine
 * keeps answering the app's pulls, so an app may echo its request body as it arrives.
 */
import type { Routine } from '@diesel/core';
import { HttpError } from './errors.js';
import { HttpHeaders } from './headers.js';
import { DEFAULT_MAX_BODY_SIZE } from './server.js';
import { streamBody } from './stream-body.js';
import type { HttpBody, HttpHandler, HttpRequest, HttpResponse } from './types.js';

/**
 * A Fetch-standard app: a function, or an object with `fetch` (as a Hono app is).
 * @example
 * const api: FetchApp = (request) => Response.json({ path: new URL(request.url).pathname });
 * router({ '/api/*': fetchApp(api) });
 */
export type FetchApp =
  | ((request: Request) => Response | Promise<Response>)
  | {
      /** Answers one request, as a Fetch-standard server would call it. */
      fetch(request: Request): Response | Promise<Response>;
    };

/**
 * What `fetchApp(app, options)` takes; all optional.
 * @example
 * router({ '/api/*': fetchApp(hono, { scheme: 'https', maxBodySize: 8 * 1024 * 1024 }) });
 */
export interface FetchAppOptions {
  /** Origin used for `request.url` when the request has no Host (default `http://localhost`). */
  origin?: string;
  /** Scheme used with the Host header (default `http`; say `https` behind TLS). */
  scheme?: 'http' | 'https';
  /**
   * Largest request body the app may read, in bytes (default 1 MiB, the server's
   * `DEFAULT_MAX_BODY_SIZE`): a declared `Content-Length` past it is answered 413 before
   * the app runs; a chunked body that grows past it fails the app's read and is answered
   * 413. Ignored with `streamRequestBody`.
   */
  maxBodySize?: number;
  /**
   * The route streams request bodies of any size (default false): no `maxBodySize`. The
   * body is still pulled from the socket only as the app reads it (backpressure), so an
   * app that reads slowly slows the client rather than growing the server's memory.
   */
  streamRequestBody?: boolean;
}

type ChunkResult = { done: true; value?: undefined } | { done: false; value: Uint8Array };

/** One pending `pull` of the request body stream. */
interface Pull {
  controller: ReadableStreamDefaultController<Uint8Array>;
  done: () => void;
}

/**
 * Serves a Fetch-standard app. Streams the request body into `Request.body` and the
 * `Response.body` out, both with backpressure; an app that throws gives a 500 (logged).
 * Suspends: while the app works and while bodies stream.
 * @example
 * import { Hono } from 'hono';
 * const hono = new Hono().get('/api/hello', (c) => c.text('hi'));
 * app.addService(new Service(new HttpServer(router({ '/api/*': fetchApp(hono) })), 8000));
 */
export function fetchApp(app: FetchApp, options: FetchAppOptions = {}): HttpHandler {
  const call = typeof app === 'function' ? app : (request: Request) => app.fetch(request);
  const scheme = options.scheme ?? 'http';
  const fallbackOrigin = options.origin ?? 'http://localhost';
  const maxBodySize = options.streamRequestBody === true ? Number.POSITIVE_INFINITY : (options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE);

  return streamBody(function* serveFetch(request: HttpRequest): Routine<HttpResponse> {
    const url = absoluteUrl(request.url, request.headers.first('host'), scheme, fallbackOrigin);
    if (url === null) return plain(400, 'bad request target');
    const headers = new Headers();
    for (const [name, value] of request.headers) headers.append(name, value);

    const declared = request.headers.first('content-length');
    if (declared !== undefined && Number(declared) > maxBodySize) return tooLargeResponse(maxBodySize);
    // The request body, pulled on demand by the app.
    const reader = request.bodyReader;
    // Set once the body grew past maxBodySize: the answer is 413 whatever the app says.
    let tooLarge: HttpError | null = null;
    let bodyRead = 0;
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && ((reader !== undefined && !reader.done) || (request.body !== null && request.body.length > 0));
    let pull: Pull | null = null;
    // Wakes the routine when the app pulls, cancels, or answers. `signalled` keeps a
    // wake-up that comes before the routine waits (a pull can happen synchronously
    // inside `read()`), so none is lost.
    let wake: (() => void) | null = null;
    let signalled = false;
    const signal = (): void => {
      signalled = true;
      const w = wake;
      wake = null;
      w?.();
    };
    const nextSignal = (): Promise<void> => {
      if (signalled) {
        signalled = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        wake = () => {
          signalled = false;
          resolve();
        };
      });
    };
    let body: ReadableStream<Uint8Array> | null = null;
    if (hasBody && reader === undefined) {
      const bytes = request.body!;
      body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
    } else if (hasBody) {
      body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            return new Promise<void>((done) => {
              pull = { controller, done };
              signal();
            });
          },
          cancel() {
            signal();
          },
        },
        { highWaterMark: 0 },
      );
    }

    // Serves one pending pull from the connection; false once nothing more will be pulled.
    function* servePull(): Routine<boolean> {
      const pending = pull;
      if (pending === null || reader === undefined) return false;
      pull = null;
      try {
        const chunk = yield* reader.read();
        if (chunk === null) pending.controller.close();
        else if ((bodyRead += chunk.length) > maxBodySize) {
          tooLarge = new HttpError('DIESEL_ERR_HTTP_BODY_TOO_LARGE', 413, `the request body is larger than ${maxBodySize} bytes`);
          pending.controller.error(tooLarge);
          return false;
        } else pending.controller.enqueue(chunk);
      } catch (error) {
        pending.controller.error(error);
        throw error;
      } finally {
        pending.done();
      }
      return !reader.done;
    }

    let fetchRequest: Request;
    try {
      fetchRequest = new Request(url, {
        method: request.method,
        headers,
        body,
        // The app sees the client leave as `request.signal` aborting.
        ...(request.signal === undefined ? {} : { signal: request.signal }),
        ...(body === null ? {} : { duplex: 'half' }),
      } as RequestInit);
    } catch (error) {
      return plain(request.method === 'CONNECT' || request.method === 'TRACE' ? 405 : 400, `the request cannot be given to the app: ${String(error)}`);
    }

    // Wait for the app's Response, answering its body pulls meanwhile.
    let settled: { ok: true; response: Response } | { ok: false; error: unknown } | null = null;
    Promise.resolve()
      .then(() => call(fetchRequest))
      .then(
        (response) => {
          settled = { ok: true, response };
          signal();
        },
        (error: unknown) => {
          settled = { ok: false, error };
          signal();
        },
      );
    while (settled === null) {
      if (pull !== null && tooLarge === null) {
        yield* servePull();
        continue;
      }
      yield nextSignal();
    }
    // The body was cut at the limit: the app's answer (or its failure) is moot.
    if (tooLarge !== null) return tooLargeResponse(maxBodySize);
    const outcome = settled as { ok: true; response: Response } | { ok: false; error: unknown };
    if (!outcome.ok) throw outcome.error;
    const response = outcome.response;
    if (!(response instanceof Response)) throw new TypeError(`the fetch app returned ${String(response)}, not a Response`);

    const out = new HttpHeaders();
    for (const [name, value] of response.headers) out.add(name, value);
    const stream = response.body;
    if (stream === null) return { status: response.status, headers: out, body: null };

    // The response body: a generator the server writes chunk by chunk; between chunks it
    // yields promises to the hub and keeps serving the app's request-body pulls.
    function* streamOut(): Routine<void> {
      const chunks = stream!.getReader();
      let finished = false;
      let next: Promise<ChunkResult> | null = null;
      try {
        for (;;) {
          if (pull !== null && tooLarge === null) {
            yield* servePull();
            continue;
          }
          next ??= chunks.read() as Promise<ChunkResult>;
          let result: ChunkResult | null = null;
          const waiting = next.then((r) => {
            result = r;
          });
          yield Promise.race([waiting, nextSignal()]);
          wake = null;
          if (result === null) continue; // a pull came first
          next = null;
          const read = result as ChunkResult;
          if (read.done) {
            finished = true;
            return;
          }
          if (read.value.length > 0) yield read.value;
        }
      } finally {
        if (!finished) void chunks.cancel().catch(() => undefined);
      }
    }
    return { status: response.status, headers: out, body: streamOut() as unknown as HttpBody };
  });
}

function absoluteUrl(target: string, host: string | undefined, scheme: string, fallback: string): string | null {
  try {
    if (target.startsWith('/')) return new URL(target, host !== undefined && host !== '' ? `${scheme}://${host}` : fallback).href;
    if (/^https?:\/\//i.test(target)) return new URL(target).href;
    if (target === '*') return new URL('/', host !== undefined ? `${scheme}://${host}` : fallback).href;
  } catch {
    return null;
  }
  return null;
}

/** 413, and close: the rest of the body is not worth reading to keep the connection. */
function tooLargeResponse(limit: number): HttpResponse {
  const response = plain(413, `the request body is larger than ${limit} bytes`);
  response.headers.set('Connection', 'close');
  return response;
}

function plain(status: number, text: string): HttpResponse {
  return { status, headers: new HttpHeaders({ 'Content-Type': 'text/plain; charset=utf-8' }), body: `${status} ${text}\n` };
}
