#!/usr/bin/env node
// One chat room, 300 TCP members: one diesel-chat process against three diesel-chat
// --redis processes sharing one redis-server (100 members on each), in the same run,
// alternating rounds. One speaker (on the first process) says LINES lines; the rate is
// lines delivered to members per second. The speaker keeps at most WINDOW lines ahead
// of the slowest member (as a real room's readers would pace it), so no member falls
// past the room's backlog and is dropped. CPU: the server processes plus redis-server
// (Linux /proc), per line delivered. Run after `pnpm build`; needs redis-server.
//
//   node bench/across.mjs                 # 5 rounds
//   BENCH_QUICK=1 node bench/across.mjs   # short smoke run
//   BENCH_WORKERS=1 node bench/across.mjs # the three processes as `diesel-chat --workers 3 --redis …`
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startRedis } from '@diesel/redis/testing';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(CLI)) {
  console.error('dist/cli.js is missing: run `pnpm build` first');
  process.exit(1);
}
const QUICK = process.env.BENCH_QUICK === '1';
const MEMBERS = 300;
const PROCESSES = 3;
const LINES = QUICK ? 300 : 2000;
const ROUNDS = QUICK ? 2 : 5;
const WINDOW = 400;
const WORKERS = process.env.BENCH_WORKERS === '1';
const children = [];

function chat(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, '--no-web', '--port', '0', '--host', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(proc);
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /line protocol on 127\.0\.0\.1:(\d+)/.exec(out);
      // With --workers every worker prints its own lines: wait for all of them.
      const workers = args.includes('--workers') ? Number(args[args.indexOf('--workers') + 1]) : 1;
      const ready = (pattern) => (out.match(pattern) ?? []).length >= workers;
      if (match && ready(/line protocol on /g) && (!args.includes('--redis') || ready(/shared through/g))) resolve({ port: Number(match[1]), pid: proc.pid });
    });
    proc.once('exit', (code) => reject(new Error(`diesel-chat exited (${code}): ${out}`)));
  });
}

/** A member that counts the speaker's lines. */
function member(port, nick, speaker) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let buffer = '';
    let joined = false;
    const api = { socket, count: 0, send: (text) => socket.write(text) };
    const prefix = `${speaker}: `;
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
        if (line.startsWith(prefix)) api.count++;
        else if (!joined && line.startsWith(`* ${nick} joined`)) {
          joined = true;
          resolve(api);
        }
      }
    });
    socket.once('connect', () => socket.write(`${nick}\n`));
  });
}

/** utime + stime of a process in µs (Linux /proc; 0 elsewhere). */
function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return 0;
  }
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

async function setup(name, servers, pids) {
  const speakerNick = `${name}-speaker`;
  const members = [];
  for (let i = 0; i < MEMBERS; i++) members.push(await member(servers[i % servers.length].port, `${name}-m${i}`, speakerNick));
  const speaker = await member(servers[0].port, speakerNick, 'nobody');
  // Every member must be known everywhere before the speaker talks.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    name,
    async run(label) {
      for (const m of members) m.count = 0;
      const cpu0 = pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
      const start = process.hrtime.bigint();
      for (let sent = 0; sent < LINES; ) {
        while (members.reduce((min, m) => Math.min(min, m.count), Infinity) < sent - WINDOW) await tick();
        let batch = '';
        for (let j = 0; j < 100 && sent < LINES; j++, sent++) batch += `${label} ${sent}\n`;
        speaker.send(batch);
      }
      while (members.some((m) => m.count < LINES)) await tick();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpu = pids.reduce((sum, pid) => sum + cpuMicros(pid), 0) - cpu0;
      const delivered = LINES * MEMBERS;
      return { rate: delivered / seconds, cpuPerLine: cpu / delivered };
    },
    close: () => [...members, speaker].forEach((m) => m.socket.destroy()),
  };
}

/** The pids of a process's children (the cluster workers of a primary), from /proc. */
function childrenOf(pid) {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const redis = await startRedis();
try {
  const single = await chat([]);
  const spread = WORKERS
    ? [await chat(['--workers', String(PROCESSES), '--redis', redis.url, '--room', 'bench'])]
    : await Promise.all(Array.from({ length: PROCESSES }, () => chat(['--redis', redis.url, '--room', 'bench'])));
  const redisPid = Number((await redis.cli('INFO', 'server')).match(/process_id:(\d+)/)[1]);
  const setups = [
    await setup('one', [single], [single.pid]),
    // With --workers the CPU is the primary's and its workers' (children), not the primary's alone.
    await setup('three', spread, [...spread.flatMap((s) => (WORKERS ? [s.pid, ...childrenOf(s.pid)] : [s.pid])), redisPid]),
  ];
  const labels = { one: 'one process', three: WORKERS ? `--workers ${PROCESSES} --redis` : `${PROCESSES} processes --redis` };
  for (const s of setups) await s.run('warm');
  const results = new Map(setups.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? setups : [...setups].reverse();
    for (const s of order) results.get(s.name).push(await s.run(`r${round}`));
  }
  console.log(`\nchat: ${LINES} lines to ${MEMBERS} TCP members per round, ${ROUNDS} rounds; Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| room | lines delivered/s (median) | spread (min–max) | CPU µs per line delivered (servers + redis) | ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const base = median(results.get('one').map((r) => r.rate));
  for (const [name, rounds] of results) {
    const rates = rounds.map((r) => r.rate);
    const fmt = (n) => Math.round(n).toLocaleString('en-US');
    console.log(`| ${labels[name]} | ${fmt(median(rates))} | ${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))} | ${median(rounds.map((r) => r.cpuPerLine)).toFixed(2)} | ${(median(rates) / base).toFixed(2)}× |`);
  }
  for (const s of setups) s.close();
} finally {
  // The chat processes first: with Redis gone first they would log its loss.
  await Promise.all(children.map((proc) => (proc.exitCode !== null ? null : new Promise((resolve) => proc.once('exit', resolve).kill()))));
  await redis.stop();
}
