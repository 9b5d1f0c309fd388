// WebSocket small messages: diesel's websocket() vs a `ws` WebSocketServer, each in its
// own process (bench/ws-server.mjs), driven by the same `ws` clients from this process.
//   1. echo of 1 KiB messages over 100 connections (each connection: send, wait for the
//      echo, send again) for BENCH_SECONDS (default 4) s per round: messages/s, and the
//      server process's CPU time per message (judged: the client shares the cores);
//   2. one 64 MiB message echoed per round, with the servers' peak RSS.
// Rounds alternate the two servers, BENCH_ROUNDS (default 5) after a warm-up round each;
// results go to bench-results/ws-echo.json (scripts/bench/lib.mjs), median and min–max.
//   node bench/ws.mjs             (after `build`; `pnpm bench` runs it)
//   BENCH_CPU_PROF=dir node bench/ws.mjs   profiles the servers
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { alternate, markdownTable, row, writeResults } from '../../../scripts/bench/lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 100;
const MESSAGE = Buffer.alloc(1024, 0x61);
const BIG = 64 * 1024 * 1024;
const MIB = 1024 * 1024;
const prof = process.env.BENCH_CPU_PROF;
const serverScript = fileURLToPath(new URL('./ws-server.mjs', import.meta.url));

async function startServer(kind) {
  const execArgv = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=ws-echo-${kind}.cpuprofile`] : [];
  const child = fork(serverScript, [kind], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return {
    port,
    memory: () =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send('memory');
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.disconnect();
      }),
  };
}

function openClients(port, n) {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, maxPayload: 80 * MIB });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
}

/** Closed-loop echo on every client for `seconds`: messages/s and the server's CPU µs per message. */
async function echoRound(server, clients) {
  const cpuBefore = (await server.memory()).cpuMicros;
  let count = 0;
  let running = true;
  const loops = clients.map(
    (ws) =>
      new Promise((resolve, reject) => {
        const onMessage = (data) => {
          if (data.length !== MESSAGE.length) return reject(new Error(`echo of ${data.length} bytes, expected ${MESSAGE.length}`));
          if (!running) {
            ws.off('message', onMessage);
            return resolve();
          }
          count++;
          ws.send(MESSAGE);
        };
        ws.on('message', onMessage);
        ws.send(MESSAGE);
      }),
  );
  const start = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const measured = count;
  const elapsed = (performance.now() - start) / 1000;
  const cpuAfter = (await server.memory()).cpuMicros;
  running = false;
  await Promise.all(loops);
  return { rate: measured / elapsed, cpu: (cpuAfter - cpuBefore) / measured };
}

/** One 64 MiB message there and back on its own connection: MiB/s and the server's CPU ms. */
async function bigRound(server) {
  const [ws] = await openClients(server.port, 1);
  const payload = Buffer.alloc(BIG, 0x5a);
  const cpuBefore = (await server.memory()).cpuMicros;
  const start = performance.now();
  const back = await new Promise((resolve, reject) => {
    ws.once('message', resolve);
    ws.once('close', (code) => reject(new Error(`closed with ${code}`)));
    ws.send(payload);
  });
  const seconds = (performance.now() - start) / 1000;
  const after = await server.memory();
  if (back.length !== BIG || back[BIG - 1] !== 0x5a) throw new Error('the 64 MiB echo came back wrong');
  ws.close();
  return { rate: BIG / MIB / seconds, cpu: (after.cpuMicros - cpuBefore) / 1000, peakRss: after.maxRss };
}

const servers = { diesel: await startServer('diesel'), ws: await startServer('ws') };
const clients = { diesel: await openClients(servers.diesel.port, CONNECTIONS), ws: await openClients(servers.ws.port, CONNECTIONS) };
console.error(`ws echo: 1 KiB × ${CONNECTIONS} connections, ${SECONDS} s per round, ${ROUNDS} rounds`);
const small = await alternate({ diesel: () => echoRound(servers.diesel, clients.diesel), ws: () => echoRound(servers.ws, clients.ws) }, { rounds: ROUNDS });
for (const list of Object.values(clients)) for (const ws of list) ws.terminate();
console.error('ws echo: one 64 MiB message per round');
const big = await alternate({ diesel: () => bigRound(servers.diesel), ws: () => bigRound(servers.ws) }, { rounds: Math.min(ROUNDS, 3) });
for (const s of Object.values(servers)) await s.stop();

const peak = (list) => `${(Math.max(...list.map((s) => s.peakRss)) / MIB).toFixed(0)} MiB`;
const rows = [
  row({ id: 'ws-1k-echo', name: `WebSocket 1 KiB echo, ${CONNECTIONS} connections`, peer: 'ws', unit: 'msg/s', cpuUnit: 'µs/msg', diesel: small.diesel, other: small.ws, goal: 1.1, judge: 'rate' }),
  row({ id: 'ws-1k-echo-cpu', name: `WebSocket 1 KiB echo, server CPU per message`, peer: 'ws', unit: 'msg/s', cpuUnit: 'µs/msg', diesel: small.diesel, other: small.ws, goal: 1 / 0.9, judge: 'cpu' }),
  row({ id: 'ws-64mib-echo', name: 'one 64 MiB WebSocket message echoed', peer: 'ws', unit: 'MiB/s', cpuUnit: 'ms/msg', diesel: big.diesel, other: big.ws, judge: 'cpu', note: `server peak RSS: diesel ${peak(big.diesel)}, ws ${peak(big.ws)}` }),
];
console.log(markdownTable(rows));
writeResults('ws-echo', rows, { samples: { small, big } });
