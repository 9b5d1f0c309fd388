// Benchmark 2: CONNECTIONS connections each pipelining echo lines; lines/s through a
// diesel Service vs a raw node:net server. Each server runs in its own process, driven
// by the same raw load generator in another, so the figure is the server's.
import { child, median, sleepMs, tell } from './shared.mjs';

const ROUNDS = Number(process.argv[2] ?? 2);
const SECONDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = 100;

async function measure(kind) {
  // BENCH_CPU_PROF=dir profiles the servers (node --cpu-prof), to see where the time goes.
  const profile = process.env.BENCH_CPU_PROF;
  const server = child('echo-pipeline-server.mjs', [kind], profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}/${kind}`] : []);
  const { port } = await server.next();
  const load = child('echo-pipeline-load.mjs', [String(port), String(CONNECTIONS), '64']);
  try {
    await load.next(); // all connected, lines flowing
    load.send({ measure: 1 }); // warm-up
    await load.next();
    server.send({ cpu: true });
    const before = (await server.next()).cpu;
    load.send({ measure: SECONDS });
    const { linesPerSecond, lines } = await load.next();
    server.send({ cpu: true });
    const after = (await server.next()).cpu;
    const cpuMicros = (after.user - before.user + after.system - before.system) / lines;
    return { rate: linesPerSecond, cpuMicros };
  } finally {
    load.kill();
    server.send({ stop: true });
    await Promise.all([load.exited, server.exited]);
    await sleepMs(200);
  }
}

const samples = { raw: [], diesel: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const kind of ['raw', 'diesel']) samples[kind].push(await measure(kind));
}
// Lines/s through the server, and the server's CPU microseconds per line.
const summary = (list) => ({ rate: median(list.map((s) => s.rate)), cpuMicros: median(list.map((s) => s.cpuMicros)) });
// `samples` (one { rate, cpu } per round, alternated) let run.mjs report the spread.
const perRound = (list) => list.map((x) => ({ rate: x.rate, cpu: x.cpuMicros }));
const result = { raw: summary(samples.raw), diesel: summary(samples.diesel), rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, samples: { raw: perRound(samples.raw), diesel: perRound(samples.diesel) } };
tell(result);
if (process.send === undefined) console.log(result);
