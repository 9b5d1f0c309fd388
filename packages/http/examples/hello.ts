/**
 * The smallest diesel web server: one handler, keep-alive and pipelining for free.
 *
 *   npx pnpm@12.4.2 examples && node examples-dist/hello.js 8088
 *   curl http://localhost:8088/
 */
import { pathToFileURL } from 'node:url';
import { Application, Service } from '@diesel/core';
import { HttpServer, httpResponse, type HttpRequest } from '@diesel/http';

/** Answers every request with a line of text. Suspends: no. */
export function* hello(req: HttpRequest) {
  return httpResponse(req, 200, { 'Content-Type': 'text/plain; charset=utf-8' }, `Hello from diesel: ${req.method} ${req.url}\n`);
}

/** Serves `hello` on the port in `argv[0]` (default 8088) until SIGINT or SIGTERM; prints where it listens. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const app = new Application();
  const service = new Service(new HttpServer(hello), Number(argv[0] ?? 8088));
  app.addService(service);
  await app.haltOnSignals().start();
  console.log(`hello listening on http://localhost:${service.port}/`);
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
