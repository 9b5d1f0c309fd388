export { HttpHeaders } from './headers.js';
export {
  TakenOver,
  takenOver,
  type HttpBody,
  type HttpBodyReader,
  type HttpHandler,
  type HttpRequest,
  type HttpResponse,
} from './types.js';
export { HttpError, type HttpErrorCode } from './errors.js';
export {
  H1Parser,
  WANT_EOF,
  WANT_HEAD,
  WANT_LINE,
  WANT_NOTHING,
  DEFAULT_MAX_CHUNK_LINE_SIZE,
  DEFAULT_MAX_HEADERS,
  DEFAULT_MAX_HEADER_SIZE,
  DEFAULT_MAX_URL_LENGTH,
  type BodyFraming,
  type MessageHead,
  type ParserEvent,
  type ParserLimits,
} from './h1/parser.js';
export { STATUS_TEXT, chunkHeader, encodeChunk, headerSection, httpDate, lastChunk, requestHead, responseHead, statusLine } from './h1/serializer.js';
export { httpResponse, isHttpResponse, jsonResponse, textResponse, toHeaders, type HeadersInit } from './response.js';
export { streamBody, streamsBody } from './stream-body.js';
export {
  HttpServer,
  DEFAULT_HEADERS_TIMEOUT,
  DEFAULT_KEEP_ALIVE_TIMEOUT,
  DEFAULT_MAX_BODY_SIZE,
  DEFAULT_MAX_DRAIN_SIZE,
  DEFAULT_REQUEST_TIMEOUT,
  type HttpServerOptions,
} from './server.js';
export { currentHub } from './current-hub.js';
export * from './ws/index.js';
export { router, type RouterOptions, type Routes } from './router.js';
export { fetchApp, type FetchApp, type FetchAppOptions } from './fetch-app.js';
export { staticFiles, type StaticFilesOptions } from './static-files.js';
export { MIME_TYPES, contentType } from './mime-types.js';
export { HttpClient, type HttpClientOptions, type HttpClientResponse } from './client.js';
