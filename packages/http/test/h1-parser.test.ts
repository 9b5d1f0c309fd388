import { describe, expect, it } from 'vitest';
import { H1Parser, HttpError, WANT_EOF, WANT_HEAD, WANT_LINE, WANT_NOTHING, type ParserEvent } from '../src/index.js';

interface Outcome {
  events: string[];
  error: HttpError | null;
}

/** Feeds `pieces` and describes the events compactly (data merged). */
function parse(mode: 'request' | 'response', pieces: Buffer[], options: ConstructorParameters<typeof H1Parser>[1] = {}, finish = false): Outcome {
  const parser = new H1Parser(mode, options);
  const events: string[] = [];
  let data = '';
  const take = (e: ParserEvent): void => {
    if (e.type === 'data') {
      data += e.data.toString('latin1');
      return;
    }
    if (data !== '') events.push(`data:${data}`);
    data = '';
    if (e.type === 'head') events.push(`head:${e.head.method || e.head.status} ${e.head.url} ${e.head.version} ${[...e.head.headers].map(([n, v]) => `${n}=${v}`).join('|')} ${e.head.framing}`);
    else if (e.type === 'end') events.push(`end${e.trailers ? `:${[...e.trailers].map(([n, v]) => `${n}=${v}`).join('|')}` : ''}`);
    else events.push('upgrade');
  };
  let error: HttpError | null = null;
  try {
    for (const piece of pieces) {
      parser.feed(piece);
      for (let e = parser.next(); e; e = parser.next()) take(e);
    }
    if (finish) parser.finish();
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    error = e;
  }
  for (let e = parser.next(); e; e = parser.next()) take(e);
  if (data !== '') events.push(`data:${data}`);
  return { events, error };
}

/** The three ways every parser test runs: whole, split at every offset, one byte at a time. */
function threeWays(mode: 'request' | 'response', text: string, options: ConstructorParameters<typeof H1Parser>[1] = {}, finish = false): Outcome {
  const input = Buffer.from(text, 'latin1');
  const whole = parse(mode, [input], options, finish);
  for (let at = 1; at < input.length; at++) {
    const split = parse(mode, [input.subarray(0, at), input.subarray(at)], options, finish);
    expect(split.events, `split at ${at}`).toEqual(whole.events);
    expect(split.error?.code, `split at ${at}`).toBe(whole.error?.code);
  }
  const bytes = [...input].map((b) => Buffer.from([b]));
  const oneByOne = parse(mode, bytes, options, finish);
  expect(oneByOne.events).toEqual(whole.events);
  expect(oneByOne.error?.code).toBe(whole.error?.code);
  return whole;
}

describe('H1Parser: requests', () => {
  it('parses a request with a Content-Length body and a pipelined one', () => {
    const out = threeWays('request', 'POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: y\r\n\r\n');
    expect(out.error).toBeNull();
    expect(out.events).toEqual(['head:POST /a?b=1 1.1 Host=x|Content-Length=5 length', 'data:hello', 'end', 'head:GET / 1.1 Host=y none', 'end']);
  });

  it('parses chunked bodies with extensions and trailers', () => {
    const out = threeWays('request', 'PUT /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c="d e"\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n');
    expect(out.error).toBeNull();
    expect(out.events).toEqual(['head:PUT /u 1.1 Host=x|Transfer-Encoding=chunked chunked', 'data:hello world', 'end:X-Sum=42']);
  });

  it('keeps header order and repeats, trims optional whitespace, keeps obs-text', () => {
    const out = threeWays('request', 'GET / HTTP/1.1\r\nA:  1 \t\r\nB:\r\na: 2\r\nC: \xe9t\xe9\r\n\r\n');
    expect(out.events[0]).toBe('head:GET / 1.1 A=1|B=|a=2|C=\xe9t\xe9 none');
  });

  it('says what to read next without crossing the message end', () => {
    const p = new H1Parser('request');
    expect(p.want()).toBe(WANT_HEAD);
    p.feed(Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'));
    expect(p.want()).toBe(WANT_LINE);
    p.feed(Buffer.from('a\r\n'));
    expect(p.want()).toBe(10);
    p.feed(Buffer.from('0123'));
    expect(p.want()).toBe(6);
    p.feed(Buffer.from('456789'));
    expect(p.want()).toBe(2);
    p.feed(Buffer.from('\r\n0\r\n'));
    expect(p.want()).toBe(WANT_LINE);
    p.feed(Buffer.from('\r\n'));
    expect(p.want()).toBe(WANT_HEAD);
    const q = new H1Parser('request');
    q.feed(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
    expect(q.want()).toBe(WANT_NOTHING);
  });

  it('stops at an upgrade, leaving the following bytes unconsumed', () => {
    const p = new H1Parser('request');
    const input = Buffer.from('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello', 'latin1');
    const used = p.feed(input);
    expect(input.subarray(used).toString('latin1')).toBe('\x81\x05hello');
    const types: string[] = [];
    for (let e = p.next(); e; e = p.next()) types.push(e.type);
    expect(types).toEqual(['head', 'end', 'upgrade']);
  });

  const refusals: [string, string, string, number][] = [
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 'DIESEL_ERR_HTTP_CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 400],
    ['Transfer-Encoding then Content-Length', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', 'DIESEL_ERR_HTTP_CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 400],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 'DIESEL_ERR_HTTP_DUPLICATE_CONTENT_LENGTH', 400],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_CONTENT_LENGTH', 400],
    ['a negative Content-Length', 'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_CONTENT_LENGTH', 400],
    ['a bad chunk size', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'DIESEL_ERR_HTTP_BAD_CHUNK', 400],
    ['a chunk size with a space', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_CHUNK', 400],
    ['a chunk size overflow', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n', 'DIESEL_ERR_HTTP_BAD_CHUNK', 400],
    ['chunk data longer than its size', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', 'DIESEL_ERR_HTTP_BAD_CHUNK', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nA: 1\r\n 2\r\n\r\n', 'DIESEL_ERR_HTTP_OBS_FOLD', 400],
    ['a bare CR in a value', 'GET / HTTP/1.1\r\nA: 1\r2\r\n\r\n', 'DIESEL_ERR_HTTP_BARE_CR', 400],
    ['a bare LF line end', 'GET / HTTP/1.1\r\nA: 1\nB: 2\r\n\r\n', 'DIESEL_ERR_HTTP_BARE_LF', 400],
    ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_HEADER', 400],
    ['a bad request line', 'GET /a b HTTP/1.1\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_REQUEST_LINE', 400],
    ['a NUL in the target', 'GET /\0 HTTP/1.1\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_URL', 400],
    ['an unknown method', 'BREW /pot HTTP/1.1\r\n\r\n', 'DIESEL_ERR_HTTP_UNKNOWN_METHOD', 501],
    ['a transfer coding after chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 400],
    ['a final coding other than chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 400],
    ['chunked with a parameter', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 400],
    ['chunked with an empty parameter', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;\r\n\r\n0\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 400],
    ['chunked, a space and a parameter', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked ;x\r\n\r\n0\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 400],
    ['a parameter on an earlier chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked;a=b\r\n\r\n0\r\n\r\n', 'DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING', 400],
    ['data after Connection: close', 'GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n', 'DIESEL_ERR_HTTP_DATA_AFTER_CLOSE', 400],
  ];
  for (const [name, text, code, status] of refusals) {
    it(`refuses ${name} (${status})`, () => {
      const out = threeWays('request', text);
      expect(out.error?.code).toBe(code);
      expect(out.error?.status).toBe(status);
    });
  }

  it('refuses a header section over the limit with 431', () => {
    const out = threeWays('request', `GET / HTTP/1.1\r\nA: ${'x'.repeat(300)}\r\n\r\n`, { maxHeaderSize: 256 });
    expect(out.error?.code).toBe('DIESEL_ERR_HTTP_HEADERS_TOO_LARGE');
    expect(out.error?.status).toBe(431);
  });

  it('refuses too many header fields with 431', () => {
    const out = threeWays('request', `GET / HTTP/1.1\r\n${'A: 1\r\n'.repeat(11)}\r\n`, { maxHeaders: 10 });
    expect(out.error?.code).toBe('DIESEL_ERR_HTTP_TOO_MANY_HEADERS');
    expect(out.error?.status).toBe(431);
  });

  it('refuses a long request target with 414', () => {
    const out = threeWays('request', `GET /${'a'.repeat(100)} HTTP/1.1\r\n\r\n`, { maxUrlLength: 50 });
    expect(out.error?.status).toBe(414);
  });

  it('refuses every later feed once failed', () => {
    const p = new H1Parser('request');
    expect(() => p.feed(Buffer.from('GET  / HTTP/1.1\r\n'))).toThrow(HttpError);
    expect(() => p.feed(Buffer.from('\r\n'))).toThrow(HttpError);
  });
});

describe('H1Parser: responses', () => {
  it('reads a close-delimited body until finish()', () => {
    const out = threeWays('response', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it', {}, true);
    expect(out.events).toEqual(['head:200  1.1 Content-Type=text/plain eof', 'data:all of it', 'end']);
    const p = new H1Parser('response');
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
    expect(p.want()).toBe(WANT_EOF);
  });

  it('skips interim responses and knows HEAD responses have no body', () => {
    const out = threeWays('response', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    expect(out.events).toEqual(['head:100  1.1  none', 'end', 'head:200  1.1 Content-Length=2 length', 'data:ok', 'end']);
    const p = new H1Parser('response');
    p.expectResponseTo('HEAD');
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'));
    const types: string[] = [];
    for (let e = p.next(); e; e = p.next()) types.push(e.type);
    expect(types).toEqual(['head', 'end']);
  });

  it('throws on a response cut short', () => {
    const p = new H1Parser('response');
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    expect(() => p.finish()).toThrow(/closed in the middle/);
  });
});
