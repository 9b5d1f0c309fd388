#!/usr/bin/env node
// The attack suite (`pnpm attack`, `pnpm attack --short`): starts each diesel server in a
// child process of its own, keeps a well-behaved neighbour client making a request every
// 100 ms, runs the attacks against it, and fails when the server dies, its RSS passes
// the bound, a documented limit is not enforced in time, or the neighbour's p99 latency
// passes the bound. All traffic goes to 127.0.0.1, bounded in count and time.
//   --short        the CI setting (a few minutes); the default is the full run
//   --only=KIND    one server: http, ws, tls, chat, forwarder
//   --testssl      also run testssl.sh against the TLS server (slow: minutes)
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { HOST, Raw, drained, httpOnce, percentile, rssMiB, sleep } from './lib.mjs';

const args = process.argv.slice(2);
const SHORT = args.includes('--short');
const ONLY = args.find((a) => a.startsWith('--only='))?.slice(7);
const TESTSSL = args.includes('--testssl');
const S = (short, full) => (SHORT ? short : full);
const require = createRequire(new URL('../../packages/http/package.json', import.meta.url));
const WebSocket = require('ws');

/** Bounds, generous for a shared 2-core CI machine. */
const BOUNDS = { rssMiB: 512, neighbourP99Ms: 2500, neighbourFailures: 0.02 };
/**
 * The chat neighbour is a member of the flooded room: its own line waits behind the flood
 * in its socket, so its bound is the time to read that backlog, not a hub stall.
 */
const P99_BOUND = { chat: 5000 };
/** File descriptors this process may open (its own soft limit, less a margin). */
const OUR_FDS = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || 1024;
const FD_BUDGET = Math.max(256, (Number.isFinite(OUR_FDS) ? OUR_FDS : 100_000) - 300);
const SERVER_FD_LIMIT = 1024;
const HAVE_PRLIMIT = commandExists('prlimit');

function commandExists(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts `servers.mjs KIND`; resolves once it printed its ready line. */
function startServer(kind, env = {}) {
  const script = fileURLToPath(new URL('./servers.mjs', import.meta.url));
  const command = kind === 'http' && HAVE_PRLIMIT ? ['prlimit', [`--nofile=${SERVER_FD_LIMIT}:${SERVER_FD_LIMIT}`, process.execPath, script, kind]] : [process.execPath, [script, kind]];
  const child = spawn(command[0], command[1], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const server = { kind, child, pid: child.pid, exited: null, stderr: '', info: null, members: 0, maxRss: 0 };
  child.on('exit', (code, signal) => (server.exited = { code, signal }));
  child.stderr.on('data', (d) => {
    if (server.stderr.length < 20_000) server.stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d.toString();
      for (let at = buffer.indexOf('\n'); at !== -1; at = buffer.indexOf('\n')) {
        const line = JSON.parse(buffer.slice(0, at));
        buffer = buffer.slice(at + 1);
        if (line.ready) {
          server.info = line;
          resolve(server);
        }
        if (line.members !== undefined) server.members = line.members;
        if (line.connections !== undefined) server.connections = line.connections;
      }
    });
    child.on('exit', () => reject(new Error(`${kind} server exited before it was ready: ${server.stderr}`)));
  });
}

/** A neighbour: one request every 100 ms, each timed; `stop()` gives the figures. */
function neighbour(make) {
  const latencies = [];
  let failures = 0;
  let running = true;
  let paused = false;
  const loop = (async () => {
    const client = await make();
    while (running) {
      if (paused) {
        await sleep(50);
        continue;
      }
      const started = performance.now();
      try {
        await Promise.race([client.once(), sleep(10_000).then(() => Promise.reject(new Error('timed out')))]);
        latencies.push(performance.now() - started);
      } catch {
        failures++;
        latencies.push(10_000);
      }
      const spent = performance.now() - started;
      if (spent < 100) await sleep(100 - spent);
    }
    await client.close?.();
  })();
  return {
    /** While every fd is taken nobody can be served; those samples say nothing. */
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    async stop() {
      running = false;
      await loop;
      return { count: latencies.length, failures, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(0, ...latencies) };
    },
  };
}

const httpNeighbour = (port, path = '/') => async () => ({
  async once() {
    const text = await httpOnce(port, `GET ${path} HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n`);
    if (!text.startsWith('HTTP/1.1 200')) throw new Error(`neighbour got ${JSON.stringify(text.slice(0, 40))}`);
  },
});

const tlsNeighbour = (port, ca) => async () => ({
  once: () =>
    new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host: HOST, servername: 'localhost', ca }, () => socket.write('ping'));
      socket.on('data', (d) => {
        if (d.toString().includes('ping')) {
          socket.destroy();
          resolve();
        }
      });
      socket.on('error', reject);
    }),
});

const echoNeighbour = (port) => async () => ({
  once: () =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: HOST }, () => socket.write('hello'));
      socket.on('data', (d) => {
        if (d.toString().includes('hello')) {
          socket.destroy();
          resolve();
        }
      });
      socket.on('error', reject);
    }),
});

const chatNeighbour = (port) => async () => {
  const raw = await Raw.connect(port);
  raw.socket.setEncoding('latin1');
  // Only its own line matters; the room's flood is scanned as it comes and dropped.
  let tail = '';
  let expected = null;
  let seen = null;
  raw.socket.on('data', (d) => {
    const text = tail + d;
    if (expected !== null && text.includes(expected)) {
      expected = null;
      seen?.();
    }
    tail = text.slice(-64);
  });
  await raw.write('neighbour\r\n');
  let n = 0;
  return {
    async once() {
      const said = new Promise((resolve, reject) => {
        seen = resolve;
        raw.closedPromise.then(() => reject(new Error('the chat closed the neighbour')));
      });
      expected = `neighbour: n${++n}\r\n`;
      await raw.write(`n${n}\r\n`);
      await said;
    },
    close: () => raw.destroy(),
  };
};

// ---------------------------------------------------------------- attacks

/** Sends `request`; passes when the answer starts with one of `statuses` and the connection closes within `ms`. */
async function refusedAndClosed(port, request, statuses, ms = 5000) {
  const raw = await Raw.connect(port);
  await raw.write(request);
  const closed = await raw.closedWithin(ms);
  raw.destroy();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw.text)?.[1] ?? 0);
  return { ok: closed && statuses.includes(status), detail: `status ${status}, ${closed ? 'closed' : 'still open'}` };
}

const SMUGGLING = {
  'CL then TE': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'TE then CL': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
  'obs-fold': 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n',
  'two Content-Lengths': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
  'a Content-Length list': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello',
  'chunked, identity': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  'a bad chunk size': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  'chunked;q=1': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n',
  'chunked;': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;\r\n\r\n0\r\n\r\n',
  'chunked ;x': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked ;x\r\n\r\n0\r\n\r\n',
  'space before the colon': 'GET / HTTP/1.1\r\nHost : x\r\n\r\n',
  'bare LF line endings (400 at once)': 'GET / HTTP/1.1\nHost: x\n\n',
  'a NUL in a header': 'GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n',
};

/** Opens `count` connections, `parallel` at a time, keeping the ones that opened. */
async function openMany(port, count, parallel = 200) {
  const out = [];
  let failed = 0;
  for (let i = 0; i < count; i += parallel) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(parallel, count - i) }, () => Raw.connect(port)));
    for (const r of batch) r.status === 'fulfilled' ? out.push(r.value) : failed++;
  }
  return { conns: out, failed };
}

async function timed(fn, near) {
  const started = performance.now();
  const result = await fn(near);
  return { ...result, ms: Math.round(performance.now() - started) };
}

function httpAttacks(info) {
  const { port, linePort } = info;
  const attacks = [];
  for (const [name, request] of Object.entries(SMUGGLING)) attacks.push([`smuggling: ${name} → 400 and close`, () => refusedAndClosed(port, request, [400])]);
  attacks.push(['a refused CONNECT → answered and closed, nothing after it read', async () => {
    const raw = await Raw.connect(port);
    await raw.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nPOST /smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    const closed = await raw.closedWithin(5000);
    raw.destroy();
    const responses = raw.text.split('HTTP/1.1 ').length - 1;
    return { ok: closed && responses === 1, detail: `${responses} response(s), ${closed ? 'closed' : 'open'}` };
  }]);
  attacks.push([`Range: bytes= + 60 KB of spaces (static files) answered within 2 s`, async () => {
    const raw = await Raw.connect(port);
    const started = performance.now();
    await raw.write(`GET /static/file.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\nRange: bytes=${' '.repeat(60_000)}x\r\n\r\n`);
    const saw = await raw.sawWithin('static file body', 2000);
    raw.destroy();
    return { ok: saw, detail: `${Math.round(performance.now() - started)} ms` };
  }]);
  const slowloris = S(200, 1000);
  attacks.push([`slowloris: ${slowloris} connections trickling a head get 408 by headersTimeout (3 s) + 5 s`, async () => {
    const { conns, failed } = await openMany(port, slowloris);
    for (const c of conns) void c.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => {
      for (const c of conns) if (!c.closed) void c.write('X-Slow: 1\r\n');
    }, 500);
    const results = await Promise.all(conns.map((c) => c.closedWithin(8000)));
    clearInterval(trickle);
    const got408 = conns.filter((c) => c.text.startsWith('HTTP/1.1 408')).length;
    for (const c of conns) c.destroy();
    const closed = results.filter(Boolean).length;
    return { ok: closed === conns.length && got408 === conns.length && failed === 0, detail: `${closed}/${conns.length} closed, ${got408} got 408, ${failed} failed to connect` };
  }]);
  const polls = S(200, 1000);
  attacks.push([`${polls} abandoned long-polls (request, then FIN) released within 5 s`, async () => {
    const { conns } = await openMany(port, polls);
    await Promise.all(conns.map((c) => c.write('GET /poll HTTP/1.1\r\nHost: x\r\n\r\n')));
    await sleep(300);
    for (const c of conns) c.socket.end();
    const results = await Promise.all(conns.map((c) => c.closedWithin(5000)));
    for (const c of conns) c.destroy();
    const closed = results.filter(Boolean).length;
    return { ok: closed === conns.length, detail: `${closed}/${conns.length} closed by the server (no CLOSE_WAIT left)` };
  }]);
  const many = Math.min(S(1500, 4000), FD_BUDGET);
  attacks.push([`${many} connections against a ${HAVE_PRLIMIT ? SERVER_FD_LIMIT : 'default'}-fd server, then it serves again (neighbour paused meanwhile)`, async (near) => {
    near.pause();
    const { conns, failed } = await openMany(port, many, 250);
    await sleep(1000);
    for (const c of conns) c.destroy();
    await sleep(500);
    const text = await httpOnce(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 10_000);
    near.resume();
    return { ok: text.startsWith('HTTP/1.1 200'), detail: `${conns.length} opened (${failed} refused); then ${JSON.stringify(text.slice(0, 15))}` };
  }]);
  const upload = S(64, 2048);
  attacks.push([`fetchApp: a ${upload} MiB chunked upload to arrayBuffer() → 413 by maxBodySize (1 MiB), stops reading`, async () => {
    const raw = await Raw.connect(port);
    await raw.write('POST /api/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.from(`10000\r\n${'u'.repeat(0x10000)}\r\n`);
    let sent = 0;
    const total = upload * 1024 * 1024;
    const started = performance.now();
    while (sent < total && !raw.closed && performance.now() - started < 30_000) {
      if (!raw.socket.write(chunk)) await drained(raw.socket, 1000);
      sent += 0x10000;
    }
    const closed = await raw.closedWithin(5000);
    raw.destroy();
    return { ok: raw.text.startsWith('HTTP/1.1 413') && closed && sent < total, detail: `${raw.text.slice(0, 12)}; sent ${(sent / 1048576).toFixed(1)} MiB before the close` };
  }]);
  const line = S(16, 100);
  attacks.push([`a ${line} MiB line to until('\\r\\n') (limit 64 KiB) → closed, not buffered`, async () => {
    const raw = await Raw.connect(linePort);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const started = performance.now();
    while (sent < line * 1048576 && !raw.closed && performance.now() - started < 30_000) {
      if (!raw.socket.write(chunk)) await drained(raw.socket, 1000);
      sent += chunk.length;
    }
    const closed = await raw.closedWithin(5000);
    raw.destroy();
    return { ok: closed && sent < line * 1048576, detail: `closed after ${(sent / 1048576).toFixed(1)} MiB sent` };
  }]);
  const resets = S(20, 100);
  attacks.push([`${resets} resets in the middle of an 8 MiB response`, async () => {
    for (let i = 0; i < resets; i++) {
      const raw = await Raw.connect(port);
      await raw.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
      while (raw.received === 0 && !raw.closed) await sleep(5);
      raw.socket.resetAndDestroy();
    }
    const text = await httpOnce(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    return { ok: text.startsWith('HTTP/1.1 200'), detail: 'server still answers' };
  }]);
  const readers = S(20, 100);
  attacks.push([`${readers} slow readers of an 8 MiB response held 3 s`, async () => {
    const { conns } = await openMany(port, readers);
    for (const c of conns) {
      void c.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
      c.socket.pause();
    }
    await sleep(3000);
    for (const c of conns) c.destroy();
    return { ok: true, detail: 'bounded by backpressure (see RSS)' };
  }]);
  return attacks;
}

/** A raw WebSocket handshake on a fresh connection. */
async function wsRaw(port) {
  const raw = await Raw.connect(port);
  await raw.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  await raw.sawWithin('\r\n\r\n', 5000);
  return raw;
}

function frame(opcode, payload, { mask = true, fin = true } = {}) {
  const key = Buffer.from([1, 2, 3, 4]);
  const head = [(fin ? 0x80 : 0) | opcode];
  if (payload.length < 126) head.push((mask ? 0x80 : 0) | payload.length);
  else head.push((mask ? 0x80 : 0) | 126, payload.length >> 8, payload.length & 0xff);
  const body = mask ? Buffer.from(payload.map((b, i) => b ^ key[i % 4])) : payload;
  return Buffer.concat([Buffer.from(head), mask ? key : Buffer.alloc(0), body]);
}

/** The close code the server sent on `raw`, or 0. */
function closeCodeOf(raw) {
  const text = Buffer.concat(raw.chunks);
  const at = text.indexOf('\r\n\r\n');
  const rest = at === -1 ? Buffer.alloc(0) : text.subarray(at + 4);
  for (let i = 0; i + 3 < rest.length; i++) if (rest[i] === 0x88) return rest.readUInt16BE(i + 2);
  return 0;
}

function wsAttacks(info) {
  const { port } = info;
  const attacks = [];
  const bad = {
    'an unmasked client frame → 1002': [frame(1, Buffer.from('hi'), { mask: false }), 1002],
    'a reserved opcode → 1002': [frame(3, Buffer.from('x')), 1002],
    'a fragmented ping → 1002': [frame(9, Buffer.from('x'), { fin: false }), 1002],
    'invalid UTF-8 text → 1007': [frame(1, Buffer.from([0xc3, 0x28])), 1007],
    'close code 999 → 1002': [frame(8, Buffer.from([0x03, 0xe7])), 1002],
    'close with a bad UTF-8 reason → 1007': [frame(8, Buffer.from([0x03, 0xe8, 0xff])), 1007],
  };
  for (const [name, [bytes, code]] of Object.entries(bad)) {
    attacks.push([`WebSocket: ${name}`, async () => {
      const raw = await wsRaw(port);
      await raw.write(bytes);
      const closed = await raw.closedWithin(5000);
      raw.destroy();
      const got = closeCodeOf(raw);
      return { ok: closed && got === code, detail: `close ${got}, ${closed ? 'closed' : 'open'}` };
    }]);
  }
  attacks.push(['WebSocket: a deflate bomb (32 MiB of zeros, a few KB on the wire) → 1009 within 5 s', async () => {
    const ws = new WebSocket(`ws://${HOST}:${port}/ws`, { perMessageDeflate: { threshold: 0 } });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const code = new Promise((resolve) => ws.once('close', (c) => resolve(c)));
    ws.send(Buffer.alloc(32 * 1024 * 1024));
    const got = await Promise.race([code, sleep(5000).then(() => 0)]);
    ws.terminate();
    return { ok: got === 1009, detail: `close ${got}` };
  }]);
  const bombs = S(10, 50);
  attacks.push([`WebSocket: ${bombs} compressed messages inflating to 15 MiB each, echoed (inflated off the hub)`, async () => {
    const ws = new WebSocket(`ws://${HOST}:${port}/ws`, { perMessageDeflate: { threshold: 0 } });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    let echoed = 0;
    ws.on('message', () => echoed++);
    const payload = Buffer.alloc(15 * 1024 * 1024, 7);
    for (let i = 0; i < bombs; i++) ws.send(payload);
    const until = performance.now() + 60_000;
    while (echoed < bombs && performance.now() < until) await sleep(50);
    ws.terminate();
    return { ok: echoed === bombs, detail: `${echoed}/${bombs} echoed` };
  }]);
  return attacks;
}

function tlsAttacks(info) {
  const { port, ca } = info;
  const attacks = [];
  const garbage = S(20, 100);
  attacks.push([`TLS: ${garbage} connections sending garbage → closed within 5 s`, async () => {
    const { conns } = await openMany(port, garbage);
    for (const c of conns) void c.write(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)));
    const results = await Promise.all(conns.map((c) => c.closedWithin(5000)));
    for (const c of conns) c.destroy();
    const closed = results.filter(Boolean).length;
    return { ok: closed === conns.length, detail: `${closed}/${conns.length} closed` };
  }]);
  const halves = S(50, 200);
  attacks.push([`TLS: ${halves} half handshakes (a record header, then silence) → closed by handshakeTimeout (3 s) + 4 s`, async () => {
    const { conns } = await openMany(port, halves);
    for (const c of conns) void c.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
    const results = await Promise.all(conns.map((c) => c.closedWithin(7000)));
    for (const c of conns) c.destroy();
    const closed = results.filter(Boolean).length;
    return { ok: closed === conns.length, detail: `${closed}/${conns.length} closed` };
  }]);
  for (const version of ['tls1', 'tls1_1']) {
    attacks.push([`TLS: an old protocol (${version}) is refused`, async () => {
      const accepted = await new Promise((resolve) => {
        const socket = tls.connect({ port, host: HOST, servername: 'localhost', ca, minVersion: version === 'tls1' ? 'TLSv1' : 'TLSv1.1', maxVersion: version === 'tls1' ? 'TLSv1' : 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      return { ok: !accepted, detail: accepted ? 'accepted' : 'refused' };
    }]);
  }
  return attacks;
}

function chatAttacks(info, server) {
  const { port } = info;
  const attacks = [];
  const members = Number(process.env.ATTACK_CHAT_MEMBERS) || Math.min(S(1000, 10_000), FD_BUDGET - 100);
  const state = { stalled: [] };
  attacks.push([`chat: a join storm of ${members} members fills the room within 60 s`, async () => {
    const started = performance.now();
    const { conns, failed } = await openMany(port, members, 200);
    state.stalled = conns;
    for (let i = 0; i < conns.length; i++) void conns[i].write(`s${i}\r\n`);
    const target = conns.length + 1;
    while (server.members < target && performance.now() - started < 60_000) await sleep(200);
    return { ok: server.members >= target, detail: `${server.members} members after ${((performance.now() - started) / 1000).toFixed(1)} s (${failed} refused)` };
  }]);
  attacks.push([`chat: those ${members} members stall; a talker's lines drop them all (closed), the neighbour stays`, async (near) => {
    for (const c of state.stalled) c.socket.pause();
    const talker = await Raw.connect(port);
    await talker.write('talker\r\n');
    talker.socket.resume();
    const line = `${'x'.repeat(1990)}\r\n`.repeat(50);
    const started = performance.now();
    while (server.members > 2 && performance.now() - started < S(90_000, 900_000)) {
      if (!talker.socket.write(line)) await drained(talker.socket, 500);
      await sleep(20);
    }
    const dropped = server.members <= 2;
    // Reading again, each finds its notice and then the server's FIN: the room closed it
    // (a connection the room had forgotten but left open would stay open here). The
    // neighbour is paused meanwhile: this process then reads what a thousand full socket
    // buffers hold, and a neighbour request timed across that measured this process's own
    // event loop (6.0–6.5 s, starting right after the resume, once the room was down to
    // two), not the server.
    near.pause();
    for (const c of state.stalled) c.socket.resume();
    const results = await Promise.all(state.stalled.map((c) => c.closedWithin(30_000)));
    near.resume();
    const closed = results.filter(Boolean).length;
    for (const c of state.stalled) c.destroy();
    talker.destroy();
    return { ok: dropped && closed === state.stalled.length, detail: `room back to ${server.members} after ${((performance.now() - started) / 1000).toFixed(1)} s; ${closed}/${state.stalled.length} stalled connections closed (server holds ${server.connections})` };
  }]);
  attacks.push(['chat: a client that sends no nick is closed by nickTimeout (5 s) + 3 s', async () => {
    const raw = await Raw.connect(port);
    const closed = await raw.closedWithin(8000);
    raw.destroy();
    return { ok: closed && raw.text.includes('no nick'), detail: JSON.stringify(raw.text.trim()) };
  }]);
  return attacks;
}

function forwarderAttacks(info) {
  const { port } = info;
  return [
    [`forwarder: a target that never reads; the client pushes for 5 s (backpressure bounds memory)`, async () => {
      const raw = await Raw.connect(port);
      await raw.write('STALL');
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      let sent = 0;
      const started = performance.now();
      while (performance.now() - started < 5000 && !raw.closed) {
        if (!raw.socket.write(chunk)) await drained(raw.socket, 250);
        else sent += chunk.length;
      }
      raw.destroy();
      return { ok: true, detail: `${(sent / 1048576).toFixed(1)} MiB accepted before backpressure held (see RSS)` };
    }],
    [`forwarder: ${S(20, 100)} resets mid-transfer`, async () => {
      for (let i = 0; i < S(20, 100); i++) {
        const raw = await Raw.connect(port);
        await raw.write(Buffer.alloc(256 * 1024, 0x63));
        raw.socket.resetAndDestroy();
      }
      return { ok: true, detail: 'the forwarder goes on (see the neighbour)' };
    }],
  ];
}

function testssl(info) {
  return new Promise((resolve) => {
    const child = spawn('testssl', ['--quiet', '--color', '0', '--warnings', 'off', '-p', '-s', '-f', '-U', `${HOST}:${info.port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', () => resolve(null));
    child.on('exit', () => resolve(out));
  });
}

// ---------------------------------------------------------------- the run

const TARGETS = [
  { kind: 'http', neighbour: (i) => httpNeighbour(i.port), attacks: httpAttacks },
  { kind: 'ws', neighbour: (i) => httpNeighbour(i.port), attacks: wsAttacks },
  { kind: 'tls', neighbour: (i) => tlsNeighbour(i.port, readCa(i.ca)), attacks: tlsAttacks },
  { kind: 'chat', neighbour: (i) => chatNeighbour(i.port), attacks: chatAttacks },
  { kind: 'forwarder', neighbour: (i) => echoNeighbour(i.port), attacks: forwarderAttacks },
];

function readCa(file) {
  return require('node:fs').readFileSync(file, 'utf8');
}

const report = [];
let failed = false;
console.log(`diesel attack suite (${SHORT ? 'short' : 'full'}): bounds RSS ${BOUNDS.rssMiB} MiB, neighbour p99 ${BOUNDS.neighbourP99Ms} ms (chat ${P99_BOUND.chat} ms), neighbour failures ${BOUNDS.neighbourFailures * 100}%; our fd limit ${OUR_FDS}${HAVE_PRLIMIT ? `, http server at ${SERVER_FD_LIMIT} fds (prlimit)` : ''}`);
for (const target of TARGETS) {
  if (ONLY !== undefined && ONLY !== target.kind) continue;
  const server = await startServer(target.kind);
  const sampler = setInterval(() => (server.maxRss = Math.max(server.maxRss, rssMiB(server.pid))), 200);
  const near = neighbour(target.neighbour(server.info));
  await sleep(500);
  console.log(`\n== ${target.kind} (pid ${server.pid}, port ${server.info.port})`);
  for (const [name, attack] of target.attacks(server.info, server)) {
    let result;
    try {
      result = await timed(attack, near);
    } catch (error) {
      result = { ok: false, detail: `threw: ${error.message}`, ms: 0 };
    }
    if (server.exited !== null) result = { ...result, ok: false, detail: `${result.detail}; THE SERVER DIED (${JSON.stringify(server.exited)})` };
    console.log(`  ${result.ok ? 'ok  ' : 'FAIL'} ${name}: ${result.detail} [${result.ms} ms]`);
    report.push({ target: target.kind, attack: name, ...result });
    if (!result.ok) failed = true;
  }
  if (target.kind === 'tls' && TESTSSL) {
    const out = await testssl(server.info);
    console.log(out === null ? '  testssl: not installed' : out.split('\n').filter((l) => /VULNERABLE|not vulnerable|offered|Forward Secrecy|TLS 1|SSLv/i.test(l)).map((l) => `  | ${l.trim()}`).join('\n'));
  }
  const figures = await near.stop();
  clearInterval(sampler);
  server.maxRss = Math.max(server.maxRss, rssMiB(server.pid));
  const alive = server.exited === null;
  server.child.kill('SIGTERM');
  const problems = [];
  if (!alive) problems.push('server died');
  if (server.maxRss > BOUNDS.rssMiB) problems.push(`RSS ${server.maxRss.toFixed(0)} MiB > ${BOUNDS.rssMiB}`);
  const p99Bound = P99_BOUND[target.kind] ?? BOUNDS.neighbourP99Ms;
  if (figures.p99 > p99Bound) problems.push(`neighbour p99 ${figures.p99.toFixed(0)} ms > ${p99Bound}`);
  if (figures.failures > figures.count * BOUNDS.neighbourFailures) problems.push(`${figures.failures} neighbour failures`);
  const summary = `${target.kind}: max RSS ${server.maxRss.toFixed(0)} MiB; neighbour ${figures.count} requests, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms, max ${figures.max.toFixed(0)} ms, ${figures.failures} failed`;
  console.log(`  ${problems.length === 0 ? 'ok  ' : 'FAIL'} ${summary}${problems.length ? ` — ${problems.join('; ')}` : ''}`);
  if (problems.length > 0) failed = true;
  report.push({ target: target.kind, summary, maxRssMiB: Math.round(server.maxRss), neighbour: figures, ok: problems.length === 0 });
  if (server.stderr.trim() !== '') console.log(`  server stderr (first lines):\n    ${server.stderr.trim().split('\n').slice(0, 5).join('\n    ')}`);
  await sleep(300);
}
console.log(`\n${failed ? 'ATTACK SUITE FAILED' : 'attack suite passed'}`);
process.exit(failed ? 1 : 0);
