// A diesel echo service on a free port, driven by a real TCP client. Fails, never
// hangs: the whole exchange is bounded, so a dropped request is an error here.
import net from 'node:net';
import { Application, Service, untilEol } from '@diesel/core';

function* echo() {
  while (true) {
    const line = yield* untilEol();
    yield `you said: ${line}`;
  }
}
const app = new Application();
const service = new Service(echo, { port: 0, host: '127.0.0.1' });
app.addService(service);
await app.start();
const reply = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no reply from the echo service within 20 s')), 20_000);
  const socket = net.connect({ port: service.port, host: '127.0.0.1' }, () => socket.write('hello\n'));
  let got = '';
  socket.on('data', (chunk) => {
    got += chunk;
    if (got.endsWith('\n')) {
      clearTimeout(timer);
      socket.destroy();
      resolve(got);
    }
  });
  socket.on('error', reject);
});
app.halt();
if (reply !== 'you said: hello\n') throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
console.log('core: echo service answered a real client');
