// The diesel HTTP server for the benchmark: hello world, streaming upload and download.
import { Application, Service } from '@diesel/core';
import { HttpServer, httpResponse, router, streamBody } from '../../dist/index.js';

const CHUNK = Buffer.alloc(64 * 1024, 120);

function* hello(req) {
  return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, 'Hello, World!');
}

const upload = streamBody(function* (req) {
  let total = 0;
  for (let c = yield* req.bodyReader.read(); c !== null; c = yield* req.bodyReader.read()) total += c.length;
  return httpResponse(req, 200, { 'Content-Type': 'text/plain' }, `${total}`);
});

function* download(req) {
  const size = Number(new URL(req.url, 'http://x').searchParams.get('size'));
  function* chunks() {
    for (let sent = 0; sent < size; sent += CHUNK.length) yield CHUNK.subarray(0, Math.min(CHUNK.length, size - sent));
  }
  return httpResponse(req, 200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) }, chunks());
}

const app = new Application();
const service = new Service(new HttpServer(router({ '/': hello, '/upload': upload, '/download': download }), { maxBodySize: 1024 }), { port: 0, host: '127.0.0.1' });
app.addService(service);
await app.start();
process.send({ port: service.port });
process.on('message', (m) => {
  if (m === 'rss') {
    const u = process.resourceUsage();
    process.send({ maxRSS: u.maxRSS, cpu: u.userCPUTime + u.systemCPUTime });
  }
});
// Exits (writing a --cpu-prof profile, if asked for) when the parent goes away.
process.on('disconnect', () => process.exit(0));
