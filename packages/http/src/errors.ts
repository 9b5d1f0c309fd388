import { DieselError } from '@diesel/core';

/**
 * Every error @diesel/http throws: a stable `code` to branch on, and the HTTP `status`
 * the server answers with when the error is the client's fault (400, 413, 431, 501, ...).
 * @example
 * try { parser.feed(bytes); } catch (error) {
 *   if (error instanceof HttpError) console.log(error.code, error.status);
 * }
 */
export class HttpError extends DieselError {
  /** The status code a server answers with (500 when it is not the peer's fault). */
  readonly status: number;
  constructor(code: HttpErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

/**
 * The codes HttpError carries; stable across releases.
 * @example
 * try {
 *   yield* client.request('GET', '/');
 * } catch (error) {
 *   if (error instanceof HttpError && error.code === 'DIESEL_ERR_HTTP_BODY_TOO_LARGE') console.error('response too big');
 * }
 */
export type HttpErrorCode =
  | 'DIESEL_ERR_HTTP_BAD_REQUEST_LINE'
  | 'DIESEL_ERR_HTTP_BAD_STATUS_LINE'
  | 'DIESEL_ERR_HTTP_BAD_METHOD'
  | 'DIESEL_ERR_HTTP_UNKNOWN_METHOD'
  | 'DIESEL_ERR_HTTP_BAD_URL'
  | 'DIESEL_ERR_HTTP_BAD_VERSION'
  | 'DIESEL_ERR_HTTP_VERSION_NOT_SUPPORTED'
  | 'DIESEL_ERR_HTTP_BAD_HEADER'
  | 'DIESEL_ERR_HTTP_OBS_FOLD'
  | 'DIESEL_ERR_HTTP_BARE_CR'
  | 'DIESEL_ERR_HTTP_BARE_LF'
  | 'DIESEL_ERR_HTTP_BAD_CONTENT_LENGTH'
  | 'DIESEL_ERR_HTTP_DUPLICATE_CONTENT_LENGTH'
  | 'DIESEL_ERR_HTTP_CONTENT_LENGTH_WITH_TRANSFER_ENCODING'
  | 'DIESEL_ERR_HTTP_BAD_TRANSFER_ENCODING'
  | 'DIESEL_ERR_HTTP_UNSUPPORTED_TRANSFER_CODING'
  | 'DIESEL_ERR_HTTP_BAD_CHUNK'
  | 'DIESEL_ERR_HTTP_DATA_AFTER_CLOSE'
  | 'DIESEL_ERR_HTTP_HEADERS_TOO_LARGE'
  | 'DIESEL_ERR_HTTP_TOO_MANY_HEADERS'
  | 'DIESEL_ERR_HTTP_URL_TOO_LONG'
  | 'DIESEL_ERR_HTTP_BODY_TOO_LARGE'
  | 'DIESEL_ERR_HTTP_EXPECTATION_FAILED'
  | 'DIESEL_ERR_HTTP_HEADERS_TIMEOUT'
  | 'DIESEL_ERR_HTTP_REQUEST_TIMEOUT'
  | 'DIESEL_ERR_HTTP_INCOMPLETE_MESSAGE'
  | 'DIESEL_ERR_HTTP_CLIENT_GONE'
  | 'DIESEL_ERR_HTTP_PROTOCOL'
  /** `staticFiles(root)` was given a root that is not a directory (thrown at construction). */
  | 'DIESEL_ERR_HTTP_STATIC_ROOT'
  /** `request.json()` found no body, or a body that is not JSON (answered 400). */
  | 'DIESEL_ERR_HTTP_BAD_JSON';
