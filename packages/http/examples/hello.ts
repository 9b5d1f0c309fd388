/**
 * The smallest diesel web server: one handler, keep-alive and pipelining for free.
 *
 *   npx tsc -p tsconfig.examples.json && node examples-dist/hello.js 8088
 *   curl http://localhost:8088/
 */
import { pathToFileURL } from 'node:url';
import { Application, Service } from '@diesel/core';
import { HttpServer, httpResponse, type HttpRequest } from '@diesel/http';

/** Answers every request with a line of text. Suspends: no. */
export function* hello(req: HttpRequest) {
  return httpResponse(req, 200, { 'Content-Type': 'text/plain; charset=utf-8' }, `Hello from diesel: ${req.method} ${req.url}\n`);
}

/** Serves `hello` on `port` until the process is stopped. */
export async function main(port = Number(process.argv[2] ?? 8088)): Promise<void> {
  const app = new Application();
  app.addService(new Service(new HttpServer(hello), port));
  await app.run();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
