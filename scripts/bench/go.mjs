// Go as the ceiling (Debian golang-go, standard library only): builds scripts/bench/go/ceiling
// (one program, `echo` or `hello`) into a temp dir, then races, each server in its own
// process and rounds alternating:
//   1. echo round trips (5000 per round, one connection, a node:net client in its own
//      process): diesel Service vs raw node:net vs a Go echo server;
//   2. HTTP hello world (wrk -t1 -c100, BENCH_SECONDS s per round): diesel vs node:http vs
//      Go net/http.
// Server CPU per unit comes from /proc. Skips with a note when `go` (or wrk) is missing.
import { spawn, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO, alternate, have, markdownTable, procCpuMicros, row, runCommand, writeResults } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const here = (f) => fileURLToPath(new URL(f, import.meta.url));

if (!(await have('go'))) {
  console.error('go bench skipped: `go` is not installed (apt-get install golang-go); the "diesel / Go" rows are left out');
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'diesel-go-bench-'));
const procs = [];
try {
  const env = { ...process.env, GOCACHE: join(dir, 'cache'), GOPATH: join(dir, 'gopath'), GO111MODULE: 'off' };
  const built = await runCommand('go', ['build', '-o', join(dir, 'ceiling'), here('go/ceiling/main.go')], { env });
  if (built.code !== 0) throw new Error(`go build failed: ${built.stderr}`);

  /** Starts a server process that prints "PORT n" (Go) and returns { pid, port }. */
  const startPrinted = (cmd, args) =>
    new Promise((resolve, reject) => {
      const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      procs.push(proc);
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve({ pid: proc.pid, port: Number(m[1]) });
      });
      proc.once('exit', (code) => reject(new Error(`${cmd} exited (${code})`)));
    });
  /** Starts a node bench server that tells its port over IPC ({ port }). */
  const startForked = (script, args = []) =>
    new Promise((resolve, reject) => {
      const proc = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      procs.push(proc);
      proc.once('message', (m) => resolve({ pid: proc.pid, port: m.port }));
      proc.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
    });

  const echoServers = {
    diesel: await startForked(join(REPO, 'packages/core/bench/echo-pipeline-server.mjs'), ['diesel']),
    'node:net': await startForked(join(REPO, 'packages/core/bench/echo-pipeline-server.mjs'), ['raw']),
    Go: await startPrinted(join(dir, 'ceiling'), ['echo']),
  };
  const echoRound = (server) => async () => {
    const c0 = procCpuMicros(server.pid);
    const r = await runCommand(process.execPath, [here('echo-client.mjs'), String(server.port), String(ROUND_TRIPS)]);
    if (r.code !== 0) throw new Error(`echo client failed: ${r.stderr}`);
    const c1 = procCpuMicros(server.pid);
    const { seconds } = JSON.parse(r.stdout);
    return { rate: ROUND_TRIPS / seconds, cpu: (c1 - c0) / ROUND_TRIPS };
  };
  console.error(`go bench: echo, ${ROUND_TRIPS} round trips per round, ${ROUNDS} rounds`);
  const echo = await alternate(Object.fromEntries(Object.entries(echoServers).map(([k, s]) => [k, echoRound(s)])), { rounds: ROUNDS, warmup: 2 });

  const rows = [
    row({ id: 'echo-rt-node', name: `echo round trips (${ROUND_TRIPS}, one connection), server CPU`, peer: 'node:net', unit: 'rt/s', cpuUnit: 'µs/rt', diesel: echo.diesel, other: echo['node:net'], goal: 1.0, judge: 'cpu' }),
    row({ id: 'echo-rt-go', name: `echo round trips (${ROUND_TRIPS}, one connection)`, peer: 'Go', unit: 'rt/s', cpuUnit: 'µs/rt', diesel: echo.diesel, other: echo.Go, goal: null, judge: 'rate' }),
  ];
  const extra = { echo };

  if (await have('wrk')) {
    const helloServers = {
      diesel: await startForked(join(REPO, 'packages/http/bench/servers/diesel.mjs')),
      'node:http': await startForked(join(REPO, 'packages/http/bench/servers/node.mjs')),
      Go: await startPrinted(join(dir, 'ceiling'), ['hello']),
    };
    const helloRound = (server) => async () => {
      const c0 = procCpuMicros(server.pid);
      const r = await runCommand('wrk', ['-t1', '-c100', `-d${SECONDS}s`, `http://127.0.0.1:${server.port}/`]);
      const c1 = procCpuMicros(server.pid);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
      const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? NaN);
      if (/Non-2xx/.test(r.stdout)) throw new Error(`hello: errors from ${server.port}: ${r.stdout}`);
      return { rate: rps, cpu: (c1 - c0) / requests };
    };
    console.error(`go bench: hello world, wrk -c100 ${SECONDS}s per round, ${ROUNDS} rounds`);
    const hello = await alternate(Object.fromEntries(Object.entries(helloServers).map(([k, s]) => [k, helloRound(s)])), { rounds: ROUNDS, warmup: 2 });
    rows.push(row({ id: 'hello-node', name: 'HTTP hello world, keep-alive, 100 connections', peer: 'node:http', unit: 'req/s', cpuUnit: 'µs/req', diesel: hello.diesel, other: hello['node:http'], goal: null, judge: 'rate' }));
    rows.push(row({ id: 'hello-go', name: 'HTTP hello world, keep-alive, 100 connections', peer: 'Go', unit: 'req/s', cpuUnit: 'µs/req', diesel: hello.diesel, other: hello.Go, goal: null, judge: 'rate' }));
    extra.hello = hello;
  } else console.error('go bench: wrk missing, hello world rows left out');
  console.log(markdownTable(rows));
  writeResults('go-ceiling', rows, extra);
} finally {
  for (const p of procs) p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
