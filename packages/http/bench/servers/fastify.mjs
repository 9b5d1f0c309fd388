// fastify doing the same work as servers/diesel.mjs.
import { Readable } from 'node:stream';
import Fastify from 'fastify';

const CHUNK = Buffer.alloc(64 * 1024, 120);
const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (req, payload, done) => done(null, payload));
app.get('/', (req, reply) => {
  reply.type('text/plain').send('Hello, World!');
});
app.post('/upload', async (req) => {
  let total = 0;
  for await (const c of req.body) total += c.length;
  return `${total}`;
});
app.get('/download', (req, reply) => {
  const size = Number(req.query.size);
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(CHUNK.length, size - sent);
      sent += n;
      this.push(CHUNK.subarray(0, n));
    },
  });
  reply.header('Content-Length', size).type('application/octet-stream').send(stream);
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.send({ port: app.server.address().port });
process.on('message', (m) => {
  if (m === 'rss') {
    const u = process.resourceUsage();
    process.send({ maxRSS: u.maxRSS, cpu: u.userCPUTime + u.systemCPUTime });
  }
});
