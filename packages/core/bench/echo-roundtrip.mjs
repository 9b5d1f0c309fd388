// Benchmark 1: the seed's 5000 echo round trips on one connection, one at a time.
// diesel: Service(handleEcho) + EchoClient with @call; raw: a node:net server and client
// doing the same (a line out, wait for the whole reply line, check it, next).
// Client and server share this process, so the figure is the CPU cost of a round trip
// (both ends) rather than cross-process scheduling latency on a shared machine.
import net from 'node:net';
import { Application, Client, Service, call, run, until } from '../dist/index.js';
import { median, tell, rawEcho } from './shared.mjs';

const CALLS = 5000;
const ROUNDS = Number(process.argv[2] ?? 7);

function* handleEcho() {
  while (true) {
    const message = yield* until('\r\n');
    yield `you said: ${message}`;
  }
}

// What `@call *echo(message) { ... }` compiles to; this file is plain JS without decorators.
class EchoClient extends Client {}
EchoClient.prototype.echo = call(
  function* echo(message) {
    yield `${message}\r\n`;
    return yield* until('\r\n');
  },
  { name: 'echo', kind: 'method' },
);

function* dieselCalls(client, count) {
  for (let i = 0; i < count; i++) {
    const message = `hello, world #${i}!`;
    const reply = yield* client.echo(message);
    if (reply !== `you said: ${message}\r\n`) throw new Error(`bad reply ${JSON.stringify(reply)}`);
  }
}

async function startDiesel() {
  const app = new Application();
  const service = new Service(handleEcho, { port: 0, host: '127.0.0.1' });
  app.addService(service);
  await app.start();
  const client = new EchoClient();
  await run(client.connect('127.0.0.1', service.port));
  return {
    round: () => run(dieselCalls(client, CALLS)),
    stop: () => {
      client.close();
      app.halt();
    },
  };
}

function rawServer() {
  return net.createServer({ noDelay: true }, rawEcho);
}

async function startRaw() {
  const server = rawServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = net.connect({ port: server.address().port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.setEncoding('utf8');
  let pending = '';
  let onLine = null;
  socket.on('data', (chunk) => {
    pending += chunk;
    const at = pending.indexOf('\r\n');
    if (at === -1) return;
    const line = pending.slice(0, at + 2);
    pending = pending.slice(at + 2);
    onLine(line);
  });
  return {
    round: () =>
      new Promise((resolve, reject) => {
        let i = 0;
        let message = `hello, world #${i}!`;
        onLine = (line) => {
          if (line !== `you said: ${message}\r\n`) return reject(new Error(`bad reply ${JSON.stringify(line)}`));
          if (++i === CALLS) return resolve();
          message = `hello, world #${i}!`;
          socket.write(`${message}\r\n`);
        };
        socket.write(`${message}\r\n`);
      }),
    stop: () => {
      socket.destroy();
      server.close();
    },
  };
}

/** Round trips per second (wall clock) and CPU microseconds per round trip (both ends). */
async function timed(round) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await round();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { rate: CALLS / seconds, cpu: (used.user + used.system) / CALLS };
}

const only = process.env.BENCH_ONLY; // for profiling one side: BENCH_ONLY=diesel node --cpu-prof ...
const peers = {};
if (only !== 'diesel') peers.raw = await startRaw();
if (only !== 'raw') peers.diesel = await startDiesel();
// Warm-up: two rounds each, so both paths are optimised before timing.
for (let i = 0; i < 2; i++) for (const peer of Object.values(peers)) await peer.round();
const samples = { raw: [], diesel: [] };
// Alternate, so drift in the machine's load hits both alike.
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, peer] of Object.entries(peers)) samples[name].push(await timed(peer.round));
}
for (const peer of Object.values(peers)) peer.stop();
const summary = (list) => (list.length === 0 ? null : { rate: median(list.map((s) => s.rate)), cpuMicros: median(list.map((s) => s.cpu)) });
// `samples` (one { rate, cpu } per round, alternated) let run.mjs report the spread.
const result = { raw: summary(samples.raw), diesel: summary(samples.diesel), rounds: ROUNDS, calls: CALLS, samples };
tell(result);
if (process.send === undefined) console.log(result);
