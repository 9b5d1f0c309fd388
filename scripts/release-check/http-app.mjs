// The http README's first example, reduced: a diesel HTTP server on a free port and a
// real fetch. Bounded: a request the hub drops (two cores, say) fails here in 20 s
// instead of hanging, and an error thrown at load (DIESEL_ERR_DUPLICATE_CORE) exits 1.
import { Application, Service, sleep } from '@diesel/core';
import { HttpServer, httpResponse } from '@diesel/http';

function* hello(req) {
  yield* sleep(0.01);
  return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, 'hello\n');
}
const app = new Application();
const service = new Service(new HttpServer(hello), { port: 0, host: '127.0.0.1' });
app.addService(service);
await app.start();
try {
  const response = await fetch(`http://127.0.0.1:${service.port}/`, { signal: AbortSignal.timeout(20_000) });
  const body = await response.text();
  if (response.status !== 200 || body !== 'hello\n') throw new Error(`unexpected response ${response.status} ${JSON.stringify(body)}`);
  console.log('http: a real fetch got 200 hello');
} finally {
  app.halt();
}
