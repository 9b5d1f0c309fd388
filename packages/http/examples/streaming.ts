/**
 * Streaming both ways: a response written chunk by chunk by a generator that sleeps
 * between chunks (backpressure included), and an upload counted as it arrives, in
 * constant memory whatever its size.
 *
 *   npx pnpm@12.4.2 examples && node examples-dist/streaming.js 8001
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

/** Serves `routes` on the port in `argv[0]` (default 8001) until SIGINT or SIGTERM; prints where it listens. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const app = new Application();
  const service = new Service(new HttpServer(routes), Number(argv[0] ?? 8001));
  app.addService(service);
  await app.haltOnSignals().start();
  console.log(`streaming listening on http://localhost:${service.port}/ticks`);
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
