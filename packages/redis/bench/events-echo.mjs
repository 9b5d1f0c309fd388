// The far end of bench/events.mjs: a process on the Redis event bus that answers every
// `ping` with a `pong` carrying the same value, as a user's routine would (wait, fire).
// Reports its CPU time on request over IPC.
import { Application, Loop, fire, wait } from '@diesel/core';
import { redisEvents } from '../dist/index.js';

const app = new Application({ events: redisEvents({ url: process.argv[2], channel: process.argv[3] }) });
app.addLoop(
  new Loop(function* echo() {
    for (;;) yield* fire('pong', yield* wait('ping'));
  }),
);
await app.start();
process.on('message', (message) => {
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
  if (message === 'stop') {
    app.halt();
    app.halted().then(() => process.disconnect());
  }
});
process.send({ ready: true });
