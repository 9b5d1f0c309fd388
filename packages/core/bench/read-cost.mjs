// What diesel's read path itself costs per byte, with no kernel and no second process in
// the figure: one process feeds a stream chunk by chunk (a fresh buffer per chunk, as a
// socket's reads are) into either a diesel Connection read by `receive()` / `bytes(65536)`
// or a plain Node 'data' listener (counting, or framing 64 KiB blocks as `bytes(65536)`
// does). Both sides pay the same feeding and the same Node stream machinery, so the
// difference in CPU per GiB is the framework's own.
//
// Why it exists: the socket benches (bench/bulk.mjs, tls's bench/bulk.mjs) swing by a
// quarter from round to round on a shared machine, more than the gaps left to explain
// there. This one has no kernel copy, no TLS and no client in the figure, so it says how
// much of a bulk read's CPU is diesel's own, and so how much diesel could still save.
//
// Scenarios: 16 KiB chunks (a TLS record each), 64 KiB chunks (a socket's full reads),
// and 64 KiB chunks after a 1 KiB one, so every 64 KiB block spans two chunks.
// Over a generic stream diesel cannot reuse the chunks it was given (a writer may still
// hold them), so a spanning block is copied into a fresh buffer; over a socket it is
// moved into memory the socket already filled, a little cheaper: these figures are an
// upper bound on what a socket read costs in diesel.
//
//   node bench/read-cost.mjs        (BENCH_MIB per round, default 1024, four times that for
//                                    the cheap 64 KiB scenario; BENCH_ROUNDS, default 7)
import { Duplex } from 'node:stream';
import { ConnectionClosed, Connection, Hub, bytes, receive } from '../dist/index.js';
import { dieselSinks, nodeSink } from '../../../scripts/bench/sinks.mjs';
import { alternate, markdownTable, row, writeResults } from '../../../scripts/bench/lib.mjs';

const MIB = Number(process.env.BENCH_MIB ?? 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

/** A readable fed by hand; `wanted` resolves when the reader asks for more after a full push. */
function feedStream() {
  let wake = null;
  const stream = new Duplex({
    read() {
      const w = wake;
      wake = null;
      w?.();
    },
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  stream.wanted = () => new Promise((resolve) => (wake = resolve));
  return stream;
}

/** Pushes `total` bytes in chunks of `size` (after one chunk of `first`, if given), honouring backpressure. */
async function feed(stream, total, size, first) {
  let sent = 0;
  if (first > 0) {
    stream.push(Buffer.allocUnsafeSlow(first));
    sent = first;
  }
  while (sent < total) {
    const n = Math.min(size, total - sent);
    sent += n;
    if (!stream.push(Buffer.allocUnsafeSlow(n))) await stream.wanted();
  }
  stream.push(null);
}

function dieselSide(kind) {
  const hub = new Hub();
  return (stream, report) => {
    const connection = new Connection(stream, { host: 'memory', port: 0, family: 'memory' });
    hub.spawn(dieselSinks({ ConnectionClosed, bytes, receive }, report)[kind](), { connection });
  };
}

function nodeSide(join) {
  return (stream, report) => nodeSink(report, { join })(stream);
}

/** One measured round: CPU ms per GiB and MiB/s for the whole feed, checked for loss. */
function round(attach, { mib, size, first }) {
  const total = mib * 1024 * 1024;
  return async () => {
    const stream = feedStream();
    let counted = -1;
    const done = new Promise((resolve) => attach(stream, (total) => resolve((counted = total))));
    const cpu = process.cpuUsage();
    const started = performance.now();
    await feed(stream, total, size, first);
    await done;
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (counted !== total) throw new Error(`read-cost: counted ${counted} of ${total}`);
    return { rate: mib / seconds, cpu: (used.user + used.system) / 1000 / (total / 1024 ** 3) };
  };
}

const scenarios = [
  // A round of a few hundred milliseconds each: the aligned 64 KiB one is cheap.
  { id: '16k', what: '16 KiB chunks', mib: MIB, size: 16 * 1024, first: 0 },
  { id: '64k', what: '64 KiB chunks', mib: 4 * MIB, size: 64 * 1024, first: 0 },
  { id: '64k-spanning', what: '64 KiB chunks after a 1 KiB one', mib: MIB, size: 64 * 1024, first: 1024 },
];
const rows = [];
const allSamples = {};
for (const s of scenarios) {
  console.error(`read cost: ${s.what}, ${s.mib} MiB per round, ${ROUNDS} rounds`);
  const samples = await alternate(
    {
      node: round(nodeSide(false), s),
      'node-join': round(nodeSide(true), s),
      receive: round(dieselSide('receive'), s),
      bytes: round(dieselSide('bytes'), s),
    },
    { rounds: ROUNDS },
  );
  allSamples[s.id] = samples;
  const shared = { unit: 'MiB/s', cpuUnit: 'ms/GiB', judge: 'cpu' };
  rows.push(row({ ...shared, id: `core-read-cost-receive-${s.id}`, name: `in-process read, ${s.what}: receive()`, peer: "a 'data' listener", diesel: samples.receive, other: samples.node }));
  rows.push(row({ ...shared, id: `core-read-cost-bytes-${s.id}`, name: `in-process read, ${s.what}: bytes(65536)`, peer: 'a listener framing 64 KiB', diesel: samples.bytes, other: samples['node-join'] }));
}
console.log(markdownTable(rows));
writeResults('core-read-cost', rows, { samples: allSamples });
