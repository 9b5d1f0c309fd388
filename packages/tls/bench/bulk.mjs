// TLS bulk reads: a node:tls client streams BENCH_MIB (default 256) MiB into a sink that
// reads with `bytes(65536)` or `receive()` over wrapTls until EOF, against a node:tls
// server counting its 'data' chunks (and one framing 64 KiB blocks, `node-join`).
// Servers and client each in their own process;
// sides alternate for BENCH_ROUNDS (default 5) rounds after a warm-up round each.
// Judged on the server's CPU ms per GiB (process.cpuUsage); MiB/s beside it.
//   BENCH_CPU_PROF=dir node bench/bulk.mjs   profiles the servers
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate, markdownTable, nodeChild, writeResults } from '../../../scripts/bench/lib.mjs';
import { sendRound, sinkRows } from '../../../scripts/bench/sinks.mjs';

const { devCertificate } = await import('../dist/index.js');
const MIB = Number(process.env.BENCH_MIB ?? 256);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BYTES = MIB * 1024 * 1024;
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const prof = process.env.BENCH_CPU_PROF;

const dir = mkdtempSync(join(tmpdir(), 'diesel-tls-bulk-'));
const dev = devCertificate({ hosts: ['localhost'] });
const files = { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem'), ca: join(dir, 'ca.pem') };
writeFileSync(files.key, dev.key);
writeFileSync(files.cert, dev.cert);
writeFileSync(files.ca, dev.ca);

const kinds = (process.env.BENCH_SIDES ?? 'node,node-join,bytes,receive').split(',');
const servers = {};
for (const kind of kinds) {
  const execArgv = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=tls-sink-${kind}.cpuprofile`] : [];
  servers[kind] = nodeChild(here('sink-server.mjs'), [kind, files.key, files.cert], { execArgv });
  servers[kind].port = (await servers[kind].ready).port;
}

console.error(`tls bulk: ${MIB} MiB per round, ${ROUNDS} rounds, sides ${kinds.join(' ')}`);
const samples = await alternate(Object.fromEntries(kinds.map((k) => [k, sendRound(servers[k], { bytes: BYTES, ca: files.ca, label: 'TLS sink' })])), { rounds: ROUNDS });
for (const s of Object.values(servers)) await s.stop();

// The framing row matters most here: TLS hands plaintext over in 16 KiB records, so any
// server that wants 64 KiB blocks copies each one together once.
const rows = sinkRows(samples, { id: 'tls', what: 'TLS sink', peer: 'node:tls', mib: MIB, plain: 'node', join: 'node-join' });
console.log(markdownTable(rows));
writeResults('tls-bulk', rows, { samples });
