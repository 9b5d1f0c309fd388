// node:http doing the same work as servers/diesel.mjs.
import http from 'node:http';

const CHUNK = Buffer.alloc(64 * 1024, 120);

const server = http.createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 13 });
    res.end('Hello, World!');
  } else if (req.url === '/upload') {
    let total = 0;
    req.on('data', (c) => (total += c.length));
    req.on('end', () => res.end(`${total}`));
  } else {
    const size = Number(new URL(req.url, 'http://x').searchParams.get('size'));
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
    let sent = 0;
    const more = () => {
      while (sent < size) {
        const n = Math.min(CHUNK.length, size - sent);
        sent += n;
        if (!res.write(CHUNK.subarray(0, n))) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  }
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'rss') {
    const u = process.resourceUsage();
    process.send({ maxRSS: u.maxRSS, cpu: u.userCPUTime + u.systemCPUTime });
  }
});
// Exits (writing a --cpu-prof profile, if asked for) when the parent goes away.
process.on('disconnect', () => process.exit(0));
