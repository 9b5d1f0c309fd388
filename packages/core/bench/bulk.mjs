// Bulk reads: a node:net client streams BENCH_MIB (default 512) MiB into a sink server
// that reads with `bytes(65536)` or `receive()` until EOF, against a raw node:net server
// counting its 'data' chunks (and one framing 64 KiB blocks as `bytes(65536)` does, `raw-join`). Each server runs in its own process, the client in another;
// sides alternate for BENCH_ROUNDS (default 5) rounds after one warm-up round each.
// Reported: MiB/s (wall clock, client start to the server seeing EOF) and the server's
// CPU ms per GiB (process.cpuUsage), which is what is judged on a shared machine.
//
//   node bench/bulk.mjs            (BENCH_MIB=1024 for the 1 GiB of the issue)
//   BENCH_CPU_PROF=dir node bench/bulk.mjs   profiles the servers (node --cpu-prof)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { alternate, markdownTable, nodeChild, row, writeResults } from '../../../scripts/bench/lib.mjs';

const MIB = Number(process.env.BENCH_MIB ?? 512);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BYTES = MIB * 1024 * 1024;
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const prof = process.env.BENCH_CPU_PROF;

const kinds = (process.env.BENCH_SIDES ?? 'raw,raw-join,bytes,receive').split(',');
const servers = {};
for (const kind of kinds) {
  servers[kind] = nodeChild(here('sink-server.mjs'), [kind], { execArgv: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=sink-${kind}.cpuprofile`] : [] });
  servers[kind].port = (await servers[kind].ready).port;
}

function sendWith(server) {
  return async () => {
    const cpu0 = await server.cpu();
    const started = performance.now();
    const client = fork(here('../../../scripts/bench/sink-client.mjs'), [String(server.port), String(BYTES)], { stdio: 'inherit' });
    const done = await server.next();
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => client.once('exit', resolve));
    const cpu1 = await server.cpu();
    if (done.done !== BYTES) throw new Error(`sink ${server.port}: counted ${done.done} of ${BYTES}`);
    return { rate: MIB / seconds, cpu: (cpu1 - cpu0) / 1000 / (BYTES / 1024 ** 3) };
  };
}

console.error(`core bulk: ${MIB} MiB per round, ${ROUNDS} rounds, sides ${kinds.join(' ')}`);
const samples = await alternate(Object.fromEntries(kinds.map((k) => [k, sendWith(servers[k])])), { rounds: ROUNDS });
for (const s of Object.values(servers)) await s.stop();

const rows = [];
if (samples.bytes && samples.raw)
  rows.push(row({ id: 'core-sink-bytes', name: `TCP sink, bytes(65536), ${MIB} MiB`, peer: 'node:net', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: samples.bytes, other: samples.raw, goal: 0.95, judge: 'cpu' }));
if (samples.bytes && samples['raw-join'])
  rows.push(row({ id: 'core-sink-bytes-join', name: `TCP sink, bytes(65536), ${MIB} MiB`, peer: 'node:net framing 64 KiB', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: samples.bytes, other: samples['raw-join'], goal: 0.95, judge: 'cpu' }));
if (samples.receive && samples.raw)
  rows.push(row({ id: 'core-sink-receive', name: `TCP sink, receive(), ${MIB} MiB`, peer: 'node:net', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: samples.receive, other: samples.raw, goal: 0.95, judge: 'cpu' }));
console.log(markdownTable(rows));
writeResults('core-bulk', rows, { samples });
