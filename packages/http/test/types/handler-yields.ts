/**
 * Type tests, checked by `tsc` in `pnpm typecheck` (never run): an HTTP handler or a
 * WebSocket handler that yields something the hub cannot run is a compile error.
 */
import { sleep } from '@diesel/core';
import { HttpServer, type HttpRequest, type WebSocket, textResponse, websocket } from '../../src/index.js';

function* slowHello(_request: HttpRequest) {
  yield* sleep(0.1);
  return textResponse(200, 'hello');
}
function* yields42(_request: HttpRequest) {
  yield 42;
  return textResponse(200, 'never');
}
function* yieldsBareSleep(_request: HttpRequest) {
  yield sleep;
  return textResponse(200, 'never');
}
function* echo(ws: WebSocket) {
  for (let message = yield* ws.wait(); message !== null; message = yield* ws.wait()) yield* ws.send(message);
}
function* wsYields42(ws: WebSocket) {
  yield 42;
  yield* ws.send('never');
}

new HttpServer(slowHello);
new HttpServer(() => textResponse(200, 'plain'));
// @ts-expect-error a handler generator that yields 42
new HttpServer(yields42);
// @ts-expect-error a handler that yields `sleep` without calling it
new HttpServer(yieldsBareSleep);
new HttpServer(websocket(echo));
// @ts-expect-error a WebSocket handler that yields 42
websocket(wsYields42);
