// Bulk reads: a node:net client streams BENCH_MIB (default 512) MiB into a sink server
// that reads with `bytes(65536)` or `receive()` until EOF, against a raw node:net server
// counting its 'data' chunks (and one framing 64 KiB blocks as `bytes(65536)` does, `raw-join`). Each server runs in its own process, the client in another;
// sides alternate for BENCH_ROUNDS (default 5) rounds after one warm-up round each.
// Reported: MiB/s (wall clock, client start to the server seeing EOF) and the server's
// CPU ms per GiB (process.cpuUsage), which is what is judged on a shared machine.
//
//   node bench/bulk.mjs            (BENCH_MIB=1024 for the 1 GiB of the issue)
//   BENCH_CPU_PROF=dir node bench/bulk.mjs   profiles the servers (node --cpu-prof)
import { fileURLToPath } from 'node:url';
import { alternate, markdownTable, nodeChild, writeResults } from '../../../scripts/bench/lib.mjs';
import { sendRound, sinkRows } from '../../../scripts/bench/sinks.mjs';

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

console.error(`core bulk: ${MIB} MiB per round, ${ROUNDS} rounds, sides ${kinds.join(' ')}`);
const samples = await alternate(Object.fromEntries(kinds.map((k) => [k, sendRound(servers[k], { bytes: BYTES })])), { rounds: ROUNDS });
for (const s of Object.values(servers)) await s.stop();

const rows = sinkRows(samples, { id: 'core', what: 'TCP sink', peer: 'node:net', mib: MIB, plain: 'raw', join: 'raw-join' });
console.log(markdownTable(rows));
writeResults('core-bulk', rows, { samples });
