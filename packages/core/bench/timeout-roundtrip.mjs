// Benchmark 6: what `timeout()` adds to the seed's echo round trip. The same 5000
// @call round trips on one connection, bare (`yield* client.echo(m)`) and wrapped
// (`yield* timeout(5, client.echo(m))`), alternating rounds on the same connection; then
// the overhead alone, in CPU ns per op, around a token that completes at once.
import { Application, Client, CustomToken, Hub, Service, call, run, timeout, until } from '../dist/index.js';
import { median, tell } from './shared.mjs';

const CALLS = 5000;
const ROUNDS = Number(process.argv[2] ?? 7);

function* handleEcho() {
  while (true) {
    const message = yield* until('\r\n');
    yield `you said: ${message}`;
  }
}

class EchoClient extends Client {}
EchoClient.prototype.echo = call(
  function* echo(message) {
    yield `${message}\r\n`;
    return yield* until('\r\n');
  },
  { name: 'echo', kind: 'method' },
);

function* calls(client, count, wrap) {
  for (let i = 0; i < count; i++) {
    const message = `hello, world #${i}!`;
    const reply = wrap ? yield* timeout(5, client.echo(message)) : yield* client.echo(message);
    if (reply !== `you said: ${message}\r\n`) throw new Error(`bad reply ${JSON.stringify(reply)}`);
  }
}

const app = new Application();
const service = new Service(handleEcho, { port: 0, host: '127.0.0.1' });
app.addService(service);
await app.start();
const client = new EchoClient();
await run(client.connect('127.0.0.1', service.port));

async function timed(wrap) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(calls(client, CALLS, wrap));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { rate: CALLS / seconds, cpuMicros: (used.user + used.system) / CALLS };
}

for (let i = 0; i < 2; i++) for (const wrap of [false, true]) await timed(wrap);
const samples = { bare: [], timeout: [] };
// The order flips every round, so neither side always runs right after the other's garbage.
for (let r = 0; r < ROUNDS; r++) {
  for (const wrap of r % 2 === 0 ? [false, true] : [true, false]) (wrap ? samples.timeout : samples.bare).push(await timed(wrap));
}
client.close();
app.halt();

// What timeout() itself costs, without the network's noise: the same loop around a token
// that completes at once, bare and wrapped, alternating; CPU ns per operation.
class Now extends CustomToken {
  start(context) {
    context.resolve(1);
  }
}
const OPS = 200_000;
function* bareOps() {
  let sum = 0;
  for (let i = 0; i < OPS; i++) sum += yield* new Now();
  return sum;
}
function* wrappedOps() {
  let sum = 0;
  for (let i = 0; i < OPS; i++) sum += yield* timeout(5, new Now());
  return sum;
}
const hub = new Hub();
async function cpuPerOp(routine) {
  const cpu = process.cpuUsage();
  await run(routine(), { hub });
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) * 1000) / OPS;
}
const opSamples = { bare: [], timeout: [] };
for (let r = -1; r < ROUNDS; r++) {
  const bare = await cpuPerOp(bareOps);
  const wrapped = await cpuPerOp(wrappedOps);
  if (r >= 0) {
    opSamples.bare.push(bare);
    opSamples.timeout.push(wrapped);
  }
}
const overheads = opSamples.timeout.map((t, i) => t - opSamples.bare[i]);
const summary = (list) => ({
  rate: median(list.map((s) => s.rate)),
  rateMin: Math.min(...list.map((s) => s.rate)),
  rateMax: Math.max(...list.map((s) => s.rate)),
  cpuMicros: median(list.map((s) => s.cpuMicros)),
});
// `samples` (one { rate, cpu } per round) let run.mjs report the spread.
const perRound = (list) => list.map((s) => ({ rate: s.rate, cpu: s.cpuMicros }));
const result = {
  bare: summary(samples.bare),
  timeout: summary(samples.timeout),
  rounds: ROUNDS,
  calls: CALLS,
  // CPU ns per op added by timeout(), median and spread over rounds.
  overheadNs: { median: median(overheads), min: Math.min(...overheads), max: Math.max(...overheads), bareNs: median(opSamples.bare) },
  samples: { bare: perRound(samples.bare), timeout: perRound(samples.timeout) },
};
tell(result);
if (process.send === undefined) console.log(result);
