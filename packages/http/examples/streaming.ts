/**
 * Streaming both ways: a response written chunk by chunk by a generator that sleeps
 * between chunks (backpressure included), and an upload counted as it arrives, in
 * constant memory whatever its size.
 *
 *   npx tsc -p tsconfig.examples.json && node examples-dist/streaming.js 8001
 *   curl -N http://localhost:8001/ticks?count=5
 *   curl -T big.iso http://localhost:8001/upload
 */
import { pathToFileURL } from 'node:url';
import { Application, Service, sleep } from '@diesel/core';
import { HttpServer, httpResponse, router, streamBody, type HttpRequest } from '@diesel/http';

/** `count` lines, one every `interval` seconds, sent chunked. Suspends: between chunks. */
export function* ticks(req: HttpRequest) {
  const query = new URL(req.url, 'http://x').searchParams;
  const count = Math.min(Number(query.get('count') ?? 5), 1000);
  const interval = Number(query.get('interval') ?? 1);
  function* lines() {
    for (let i = 1; i <= count; i++) {
      yield `tick ${i}\n`;
      if (i < count) yield* sleep(interval);
    }
  }
  return httpResponse(req, 200, { 'Content-Type': 'text/plain; charset=utf-8' }, lines());
}

/** Counts the bytes of an upload of any size as they arrive. Suspends: while reading. */
export const upload = streamBody(function* (req: HttpRequest) {
  let size = 0;
  for (let chunk = yield* req.bodyReader!.read(); chunk !== null; chunk = yield* req.bodyReader!.read()) size += chunk.length;
  return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, `received ${size} bytes\n`);
});

export const routes = router({ '/ticks': ticks, 'PUT /upload': upload, 'POST /upload': upload });

export async function main(port = Number(process.argv[2] ?? 8001)): Promise<void> {
  const app = new Application();
  app.addService(new Service(new HttpServer(routes), port));
  await app.run();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
