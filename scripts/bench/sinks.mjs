// The sink routines the bulk-read benchmarks share (core's TCP sink, tls's TLS sink): each
// reads one connection until the peer's FIN and reports how many bytes it counted, so
// the parent can check nothing was lost. One copy here, so the TCP and TLS rows measure
// exactly the same diesel code and the same peer code.
//
// The routine factories take core's tokens as an argument: a bench child imports them
// from its own package's resolution of @diesel/core (one core per process).
//
// The parents' side is here too: one measured round (`sendRound`) and the result rows
// (`sinkRows`), so both benches time and judge their sinks the same way.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { row } from './lib.mjs';

const SINK_CLIENT = fileURLToPath(new URL('./sink-client.mjs', import.meta.url));

/** The block size the `bytes` sinks read and the `join` peers frame. */
export const BLOCK = 65536;

/**
 * diesel sinks: `bytes` reads `bytes(BLOCK)` to EOF (the tail comes with ConnectionClosed),
 * `receive` reads `receive()` to EOF. `report(total)` is called once per connection.
 */
export function dieselSinks({ ConnectionClosed, bytes, receive }, report) {
  function* sinkBytes() {
    let total = 0;
    try {
      for (;;) total += (yield* bytes(BLOCK)).length;
    } catch (error) {
      if (!(error instanceof ConnectionClosed)) throw error;
      total += error.buffered.length;
    }
    report(total);
  }
  function* sinkReceive() {
    let total = 0;
    try {
      for (;;) total += (yield* receive()).length;
    } catch (error) {
      if (!(error instanceof ConnectionClosed)) throw error;
    }
    report(total);
  }
  return { bytes: sinkBytes, receive: sinkReceive };
}

/**
 * The Node peer's connection listener: counts 'data' chunks as they come (`join`
 * false), or (`join` true) frames them into BLOCK-byte buffers as a Node server must to
 * hand out fixed-size blocks — what `bytes(BLOCK)` does — with one copy per block that
 * spans chunks, none for a chunk that lines up. `report(total)` once per connection.
 */
export function nodeSink(report, { join = false } = {}) {
  return (socket) => {
    let total = 0;
    let parts = [];
    let held = 0;
    socket.on('data', (chunk) => {
      if (!join) {
        total += chunk.length;
        return;
      }
      parts.push(chunk);
      held += chunk.length;
      while (held >= BLOCK) {
        let block;
        const head = parts[0];
        if (head.length >= BLOCK) {
          block = head.subarray(0, BLOCK);
          if (head.length === BLOCK) parts.shift();
          else parts[0] = head.subarray(BLOCK);
        } else {
          block = Buffer.allocUnsafe(BLOCK);
          for (let filled = 0; filled < BLOCK; ) {
            const part = parts[0];
            const n = Math.min(part.length, BLOCK - filled);
            part.copy(block, filled, 0, n);
            filled += n;
            if (n === part.length) parts.shift();
            else parts[0] = part.subarray(n);
          }
        }
        held -= BLOCK;
        total += block.length;
      }
    });
    socket.on('end', () => {
      report(total + held);
      socket.end();
    });
    socket.on('error', () => {});
  };
}

/**
 * One round for `alternate`: a sink-client process streams `bytes` into `server` (a
 * `nodeChild` sink that reports `{ done }` per connection), over TLS when `ca` (a CA file)
 * is given. Returns `{ rate, cpu }`: MiB/s from the client's start to the sink seeing
 * EOF, and the sink's CPU ms per GiB. Throws when the sink counted another total.
 */
export function sendRound(server, { bytes, ca, label = 'sink' }) {
  const args = [String(server.port), String(bytes), ...(ca === undefined ? [] : [ca])];
  return async () => {
    const cpu0 = await server.cpu();
    const started = performance.now();
    const client = fork(SINK_CLIENT, args, { stdio: 'inherit' });
    const done = await server.next();
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => client.once('exit', resolve));
    const cpu1 = await server.cpu();
    if (done.done !== bytes) throw new Error(`${label} ${server.port}: counted ${done.done} of ${bytes}`);
    return { rate: bytes / 1024 ** 2 / seconds, cpu: (cpu1 - cpu0) / 1000 / (bytes / 1024 ** 3) };
  };
}

/**
 * The bulk benches' rows, judged on CPU against a 0.95 goal: `bytes` and `receive`
 * against the peer counting chunks (side `plain`), and `bytes` against the peer framing
 * 64 KiB blocks (side `join`), which shows what diesel costs beyond the copy any server
 * that wants 64 KiB blocks makes. Rows whose sides did not run are left out.
 * `what` names the sink (`TCP sink`), `id` prefixes the row ids, `peer` names the peer.
 */
export function sinkRows(samples, { id, what, peer, mib, plain, join }) {
  const shared = { unit: 'MiB/s', cpuUnit: 'ms/GiB', goal: 0.95, judge: 'cpu' };
  const rows = [];
  if (samples.bytes && samples[plain]) rows.push(row({ ...shared, id: `${id}-sink-bytes`, name: `${what}, bytes(65536), ${mib} MiB`, peer, diesel: samples.bytes, other: samples[plain] }));
  if (samples.bytes && samples[join]) rows.push(row({ ...shared, id: `${id}-sink-bytes-join`, name: `${what}, bytes(65536), ${mib} MiB`, peer: `${peer} framing 64 KiB`, diesel: samples.bytes, other: samples[join] }));
  if (samples.receive && samples[plain]) rows.push(row({ ...shared, id: `${id}-sink-receive`, name: `${what}, receive(), ${mib} MiB`, peer, diesel: samples.receive, other: samples[plain] }));
  return rows;
}
