// The bench helper every package's `pnpm bench` shares: run diesel and its peer
// alternately for N rounds in one run, then report the median and the spread (min–max)
// of wall-clock rates and of CPU time per unit of work. On a machine whose cores are
// shared (several engineers, the load generator on the same cores) CPU per unit is the
// figure to judge; rates are reported beside it.
//
// Results go to <repo>/bench-results/<name>.json in one shape (see `row`), which
// scripts/bench/render.mjs turns into docs/bench.svg and the README tables.
import { fork, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const RESULTS_DIR = `${REPO}bench-results/`;

/** Median, min and max of a list of numbers. */
export function stats(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

// Kernel clock ticks per second for /proc/<pid>/stat; 100 on every Linux we run on.
const CLK_TCK = 100;

/** CPU microseconds (user + system) a process has used so far, from /proc; NaN if gone. */
export function procCpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    return (ticks * 1e6) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * CPU microseconds of a process and of its children that have exited and been reaped
 * (cutime/cstime): socat forks a child per connection, whose work shows only there.
 */
export function procTreeCpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1e6) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * Runs each side's `round()` alternately: `warmup` unmeasured rounds each, then `rounds`
 * measured ones in turn, the order rotated every round (A B C, B C A, C A B, ...), so drift
 * in the machine's load and the edge of going first hit every side alike. `round()` resolves with a sample object of numbers; returns `{ side: [samples] }`.
 */
export async function alternate(sides, { rounds = 5, warmup = 1, log = true } = {}) {
  const samples = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  for (let i = 0; i < warmup; i++) for (const side of Object.values(sides)) await side();
  const order = Object.entries(sides);
  for (let r = 1; r <= rounds; r++) {
    // Each round starts with the next side: in the HTTP bulk bench, with three servers in a
    // fixed order, whichever ran first in a round used 10–35 % less CPU whichever server it
    // was, so a fixed order hands that edge to the same side every round.
    for (let turn = 0; turn < order.length; turn++) {
      const [name, side] = order[(r - 1 + turn) % order.length];
      const sample = await side();
      samples[name].push(sample);
      if (log) console.error(`  round ${r}/${rounds} ${name.padEnd(16)} ${Object.entries(sample).map(([k, v]) => `${k}=${fmtNum(v)}`).join(' ')}`);
    }
  }
  return samples;
}

/** Per-round ratios of one metric between two sides (rounds were alternated, so pair them). */
export function pairedRatios(a, b, key, invert = false) {
  const n = Math.min(a.length, b.length);
  const out = [];
  for (let i = 0; i < n; i++) out.push(invert ? b[i][key] / a[i][key] : a[i][key] / b[i][key]);
  return out;
}

/**
 * One benchmark row in the shared result shape.
 * - `rate`: higher-is-better wall-clock metric (`unit` e.g. "MiB/s"), diesel vs peer;
 * - `cpu`: CPU per unit of work (`cpuUnit` e.g. "ms/GiB"), lower is better;
 * - `ratio`: diesel / peer on the judged metric (rates: diesel/peer; cpu: peer/diesel, so
 *   above 1 is always better), with the spread of the per-round ratios;
 * - `goal`: the ratio to reach (`>=`), drawn as the line in the chart.
 */
export function row({ id, name, peer, unit, cpuUnit, diesel, other, goal = null, judge = 'rate', note = '' }) {
  const rate = { diesel: stats(diesel.map((s) => s.rate)), peer: stats(other.map((s) => s.rate)), ratio: stats(pairedRatios(diesel, other, 'rate')) };
  const hasCpu = diesel.every((s) => Number.isFinite(s.cpu)) && other.every((s) => Number.isFinite(s.cpu));
  const cpu = hasCpu ? { diesel: stats(diesel.map((s) => s.cpu)), peer: stats(other.map((s) => s.cpu)), ratio: stats(pairedRatios(diesel, other, 'cpu', true)) } : null;
  const judged = judge === 'cpu' && cpu !== null ? cpu.ratio : rate.ratio;
  return { id, name, peer, unit, cpuUnit, rate, cpu, judge, ratio: judged, goal, met: goal === null ? null : judged.median >= goal, everyRound: goal === null ? null : judged.min >= 1, note };
}

/** Facts about the run that make a figure interpretable later. */
export function machine() {
  return { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))), at: new Date().toISOString() };
}

/** Writes bench-results/<name>.json: { machine, rows, ...extra }. */
export function writeResults(name, rows, extra = {}) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}${name}.json`;
  writeFileSync(file, `${JSON.stringify({ name, machine: machine(), rows, ...extra }, null, 2)}\n`);
  console.error(`wrote ${file}`);
  return file;
}

/** A markdown table of rows (the same one render.mjs writes into READMEs). */
export function markdownTable(rows) {
  const lines = ['| benchmark | diesel | peer | diesel / peer (median, min–max) | CPU per unit: diesel · peer | CPU ratio peer/diesel | goal |', '| --- | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const r of rows) {
    const rate = `${fmtNum(r.rate.diesel.median)} ${r.unit}`;
    const peer = `${fmtNum(r.rate.peer.median)} ${r.unit} (${r.peer})`;
    const ratio = `${r.rate.ratio.median.toFixed(2)}× (${r.rate.ratio.min.toFixed(2)}–${r.rate.ratio.max.toFixed(2)})`;
    const cpu = r.cpu === null ? '—' : `${fmtNum(r.cpu.diesel.median)} · ${fmtNum(r.cpu.peer.median)} ${r.cpuUnit}`;
    const cpuRatio = r.cpu === null ? '—' : `${r.cpu.ratio.median.toFixed(2)}× (${r.cpu.ratio.min.toFixed(2)}–${r.cpu.ratio.max.toFixed(2)})`;
    const goal = r.goal === null ? '—' : `≥ ${Number(r.goal.toFixed(2))}× on ${r.judge === 'cpu' ? 'CPU' : 'rate'}: ${r.met ? 'met' : 'missed'}`;
    lines.push(`| ${r.name} | ${rate} | ${peer} | ${ratio} | ${cpu} | ${cpuRatio} | ${goal} |`);
  }
  // Facts a row's columns have no room for (a peak RSS, say), said under the table.
  const notes = rows.filter((r) => r.note).map((r) => `${r.name}: ${r.note}.`);
  return notes.length === 0 ? lines.join('\n') : `${lines.join('\n')}\n\n${notes.join(' ')}`;
}

export function fmtNum(n) {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/**
 * Starts a Node bench child with an IPC channel. `ready` is its first message (usually
 * `{ port }`); `cpu()` asks it for process.cpuUsage() in microseconds (it must answer
 * `{ cpu: true }` messages, see `serveCpu`); `stop()` kills it.
 */
export function nodeChild(script, args = [], { execArgv = [] } = {}) {
  const proc = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = [];
  const inbox = [];
  proc.on('message', (m) => {
    const w = waiting.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const next = () =>
    inbox.length > 0
      ? Promise.resolve(inbox.shift())
      : new Promise((resolve, reject) => {
          waiting.push(resolve);
          exited.then(({ code, signal }) => reject(new Error(`${script} ${args.join(' ')} exited (${code ?? signal})`)));
        });
  return {
    proc,
    next,
    ready: next(),
    async cpu() {
      proc.send({ cpu: true });
      for (;;) {
        const m = await next();
        if (m && typeof m.cpu === 'number') return m.cpu;
        inbox.push(m);
      }
    },
    exited,
    // Asked first, so a child under --cpu-prof exits normally and writes its profile.
    stop() {
      if (proc.connected) proc.send({ stop: true });
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      return exited.finally(() => clearTimeout(timer));
    },
  };
}

/** In a bench child: answers `{ cpu: true }` with its CPU microseconds; exits when told or orphaned. */
export function serveCpu() {
  process.on('message', (m) => {
    if (m?.cpu === true) {
      const u = process.cpuUsage();
      process.send?.({ cpu: u.user + u.system });
    }
    if (m?.stop === true) process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
}

/** Runs a command to completion; resolves with { code, stdout, stderr, ms }. */
export function runCommand(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.once('error', reject);
    proc.once('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** True if `cmd` is on PATH. */
export async function have(cmd) {
  try {
    const r = await runCommand('sh', ['-c', `command -v ${cmd}`]);
    return r.code === 0;
  } catch {
    return false;
  }
}
