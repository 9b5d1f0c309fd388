// WebSocket benchmark: diesel's websocket() vs a `ws` WebSocketServer, each in its own
// process, driven by the same `ws` clients from this process.
//   1. echo of 1 KiB messages over 100 connections (each connection: send, wait for the
//      echo, send again), messages/s, and the server process's CPU time per message (less
//      sensitive to a busy machine than the rate); the two servers alternate, rounds repeated;
//   2. one 64 MiB message echoed, with the server's peak RSS.
// Run after `build`: node bench/ws.mjs [--seconds 4] [--rounds 2]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const SECONDS = option('seconds', 4);
const ROUNDS = option('rounds', 2);
const CONNECTIONS = 100;
const MESSAGE = Buffer.alloc(1024, 0x61);
const BIG = 64 * 1024 * 1024;
const serverScript = fileURLToPath(new URL('./ws-server.mjs', import.meta.url));

async function startServer(kind) {
  const child = fork(serverScript, [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return {
    port,
    memory: () => new Promise((resolve) => {
      child.once('message', resolve);
      child.send('memory');
    }),
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.disconnect();
    }),
  };
}

function openClients(port, n) {
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, maxPayload: 80 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  })));
}

/** Closed-loop echo on every client for `seconds`; returns messages echoed per second and the server's CPU µs per message. */
async function echoRate(clients, seconds, server) {
  const cpuBefore = (await server.memory()).cpuMicros;
  let count = 0;
  let running = true;
  const loops = clients.map((ws) => new Promise((resolve) => {
    ws.on('message', (data) => {
      if (data.length !== MESSAGE.length) throw new Error(`echo of ${data.length} bytes, expected ${MESSAGE.length}`);
      count++;
      if (running) ws.send(MESSAGE);
      else resolve();
    });
    ws.send(MESSAGE);
  }));
  const start = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  const elapsed = (performance.now() - start) / 1000;
  const measured = count;
  const cpuAfter = (await server.memory()).cpuMicros;
  await Promise.all(loops);
  for (const ws of clients) ws.removeAllListeners('message');
  return { rate: measured / elapsed, cpuPerMessage: (cpuAfter - cpuBefore) / measured };
}

async function bigEcho(port) {
  const [ws] = await openClients(port, 1);
  const payload = Buffer.alloc(BIG, 0x5a);
  const start = performance.now();
  const back = await new Promise((resolve, reject) => {
    ws.once('message', resolve);
    ws.once('close', (code) => reject(new Error(`closed with ${code}`)));
    ws.send(payload);
  });
  const seconds = (performance.now() - start) / 1000;
  if (back.length !== BIG || back[BIG - 1] !== 0x5a) throw new Error('the 64 MiB echo came back wrong');
  ws.close();
  return seconds;
}

const kinds = ['diesel', 'ws'];
const rates = { diesel: [], ws: [] };
const cpu = { diesel: [], ws: [] };
const big = {};
for (const kind of kinds) {
  const server = await startServer(kind);
  const clients = await openClients(server.port, CONNECTIONS);
  await echoRate(clients, 1, server); // warm-up
  for (const ws of clients) ws.terminate();
  await server.stop();
}
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
    const server = await startServer(kind);
    const clients = await openClients(server.port, CONNECTIONS);
    await echoRate(clients, 0.5, server); // warm this process's JIT for the server
    const result = await echoRate(clients, SECONDS, server);
    rates[kind].push(result.rate);
    cpu[kind].push(result.cpuPerMessage);
    for (const ws of clients) ws.terminate();
    await server.stop();
  }
}
for (const kind of kinds) {
  const server = await startServer(kind);
  const before = await server.memory();
  const seconds = await bigEcho(server.port);
  const after = await server.memory();
  big[kind] = { seconds, baseRss: before.rss, peakRss: after.maxRss };
  await server.stop();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (n) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
const d = median(rates.diesel);
const w = median(rates.ws);
console.log(`\nWebSocket echo, 1 KiB messages, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s (median)`);
const dc = median(cpu.diesel);
const wc = median(cpu.ws);
console.log('| server | messages/s | ratio vs ws | server CPU per message | ws CPU / diesel CPU |');
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(`| diesel websocket() | ${Math.round(d)} | ${(d / w).toFixed(2)}x | ${dc.toFixed(1)} µs | ${(wc / dc).toFixed(2)}x |`);
console.log(`| ws WebSocketServer | ${Math.round(w)} | 1.00x | ${wc.toFixed(1)} µs | 1.00x |`);
console.log(`\nOne 64 MiB message echoed`);
console.log('| server | seconds | RSS before | peak RSS |');
console.log('| --- | ---: | ---: | ---: |');
for (const kind of kinds) console.log(`| ${kind} | ${big[kind].seconds.toFixed(2)} | ${mib(big[kind].baseRss)} | ${mib(big[kind].peakRss)} |`);
console.log(`\nraw rates: ${JSON.stringify(rates)}`);
console.log(`raw server CPU µs/message: ${JSON.stringify(cpu)}`);
