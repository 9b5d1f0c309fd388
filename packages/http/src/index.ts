export { HttpHeaders } from './headers.js';
export { TakenOver, takenOver, type HttpBody, type HttpHandler, type HttpRequest, type HttpResponse } from './types.js';
export * from './ws/index.js';
