// A reference forwarder with nothing but node:net and stream.pipe, run as a child
// process by run.mjs: shows how much of the cost is Node's and how much is diesel's.
import net from 'node:net';

const target = Number(process.argv[2]);
const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  const upstream = net.connect({ port: target, host: '127.0.0.1', noDelay: true, allowHalfOpen: true });
  client.pipe(upstream);
  upstream.pipe(client);
  const fail = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', fail);
  upstream.on('error', fail);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
