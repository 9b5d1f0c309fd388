/**
 * Pure functions that build HTTP/1.1 wire bytes: start lines, header sections, chunk
 * framing. No I/O, so tests and benchmarks make messages without a network.
 */

/**
 * Reason phrases for the status codes in RFC 9110 (and a few in common use).
 * @example
 * STATUS_TEXT[431]; // 'Request Header Fields Too Large'
 */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Content Too Large',
  414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed',
  418: "I'm a Teapot", 421: 'Misdirected Request', 422: 'Unprocessable Content', 425: 'Too Early',
  426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests',
  431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
};

/**
 * The status line, CRLF included.
 * @example
 * statusLine(404); // 'HTTP/1.1 404 Not Found\r\n'
 */
export function statusLine(status: number, reason: string = STATUS_TEXT[status] ?? ''): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`invalid HTTP status ${status}`);
  return `HTTP/1.1 ${status} ${reason}\r\n`;
}

/**
 * A whole header section: `Name: value\r\n` per field and the empty line.
 * @example
 * headerSection([['Content-Length', '2']]); // 'Content-Length: 2\r\n\r\n'
 */
export function headerSection(fields: Iterable<readonly [string, string]>): string {
  let text = '';
  for (const [name, value] of fields) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

/**
 * A response head (status line and header section) as a string of latin1 characters.
 * @example
 * responseHead(200, [['Content-Length', '5']]); // 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'
 */
export function responseHead(status: number, fields: Iterable<readonly [string, string]>, reason?: string): string {
  return statusLine(status, reason) + headerSection(fields);
}

/**
 * A request head.
 * @example
 * requestHead('GET', '/', [['Host', 'example.com']]); // 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'
 */
export function requestHead(method: string, target: string, fields: Iterable<readonly [string, string]>): string {
  if (/[\s\0]/.test(target) || target.length === 0) throw new TypeError(`invalid request target ${JSON.stringify(target)}`);
  return `${method} ${target} HTTP/1.1\r\n${headerSection(fields)}`;
}

/**
 * The size line that starts a chunk of `size` bytes (`size` must be > 0: 0 ends the body).
 * @example
 * chunkHeader(255); // 'ff\r\n'
 */
export function chunkHeader(size: number): string {
  return `${size.toString(16)}\r\n`;
}

/**
 * The CRLF that ends a chunk's data.
 * @example
 * const wire = chunkHeader(5) + 'hello' + CHUNK_END;
 */
export const CHUNK_END = '\r\n';

/**
 * The last chunk and the (optional) trailer section that end a chunked body.
 * @example
 * lastChunk(); // '0\r\n\r\n'
 */
export function lastChunk(trailers?: Iterable<readonly [string, string]>): string {
  return trailers === undefined ? '0\r\n\r\n' : `0\r\n${headerSection(trailers)}`;
}

/**
 * One chunk, framed, as a single buffer.
 * @example
 * encodeChunk('hello').toString(); // '5\r\nhello\r\n'
 */
export function encodeChunk(data: string | Uint8Array): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const head = chunkHeader(body.length);
  const out = Buffer.allocUnsafe(head.length + body.length + 2);
  out.write(head, 0, 'latin1');
  out.set(body, head.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

let cachedSecond = -1;
let cachedDate = '';

/**
 * The IMF-fixdate for `Date` headers (`Sun, 06 Nov 1994 08:49:37 GMT`); the current
 * time's value is cached for the second.
 * @example
 * httpDate(new Date(0)); // 'Thu, 01 Jan 1970 00:00:00 GMT'
 */
export function httpDate(date?: Date): string {
  if (date !== undefined) return date.toUTCString();
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = new Date(now).toUTCString();
  }
  return cachedDate;
}
