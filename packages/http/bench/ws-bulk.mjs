// WebSocket big messages: 1 MiB binary messages echoed one at a time over one connection
// (send, wait for the whole echo, check its length, next), BENCH_WS_MESSAGES (default 100)
// per round, diesel's websocket() vs a `ws` WebSocketServer (bench/ws-server.mjs, each in
// its own process) driven by the same `ws` client here. Rounds alternate, BENCH_ROUNDS
// (default 5) after a warm-up each. Reported: messages/s and the server's CPU ms per
// message (judged; the client shares the cores).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { alternate, markdownTable, row, writeResults } from '../../../scripts/bench/lib.mjs';

const COUNT = Number(process.env.BENCH_WS_MESSAGES ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SIZE = 1024 * 1024;
const MESSAGE = Buffer.alloc(SIZE, 0x62);
const prof = process.env.BENCH_CPU_PROF;

async function startServer(kind) {
  const execArgv = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=ws-${kind}.cpuprofile`] : [];
  const child = fork(fileURLToPath(new URL('./ws-server.mjs', import.meta.url)), [kind], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve) => child.once('message', (m) => resolve(m.port)));
  const socket = await new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, maxPayload: 80 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
  return {
    child,
    socket,
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m.cpuMicros));
        child.send('memory');
      }),
  };
}

function echoes(socket, count) {
  return new Promise((resolve, reject) => {
    let left = count;
    const onMessage = (data) => {
      if (data.length !== SIZE) return reject(new Error(`echo of ${data.length} bytes, expected ${SIZE}`));
      if (--left === 0) {
        socket.off('message', onMessage);
        resolve();
      } else socket.send(MESSAGE);
    };
    socket.on('message', onMessage);
    socket.send(MESSAGE);
  });
}

function side(server) {
  return async () => {
    const c0 = await server.cpu();
    const started = performance.now();
    await echoes(server.socket, COUNT);
    const seconds = (performance.now() - started) / 1000;
    const c1 = await server.cpu();
    return { rate: COUNT / seconds, cpu: (c1 - c0) / 1000 / COUNT };
  };
}

const diesel = await startServer('diesel');
const ws = await startServer('ws');
console.error(`ws bulk: ${COUNT} × 1 MiB echoes per round, ${ROUNDS} rounds`);
const samples = await alternate({ diesel: side(diesel), ws: side(ws) }, { rounds: ROUNDS });
for (const s of [diesel, ws]) {
  s.socket.terminate();
  s.child.disconnect();
  await new Promise((resolve) => s.child.once('exit', resolve));
}
const rows = [row({ id: 'ws-1mib-echo', name: '1 MiB WebSocket message echo', peer: 'ws', unit: 'msg/s', cpuUnit: 'ms/msg', diesel: samples.diesel, other: samples.ws, goal: 1.0, judge: 'cpu' })];
console.log(markdownTable(rows));
writeResults('ws-bulk', rows, { samples });
