// The seed's forwarder benchmark: `scp` of a big file (BENCH_SCP_MIB, default 256 MiB; the
// seed used 1 GiB, which takes several seconds a round here) to a throwaway sshd, direct,
// through diesel-forward and through socat. The bench starts Debian's openssh-server on a
// free loopback port with a throwaway host key and user key in a temp dir (ListenAddress
// 127.0.0.1 only) and removes it all afterwards. Paths alternate for BENCH_ROUNDS
// (default 5) rounds after a warm-up each. Reported: wall time per copy (as MiB/s), and the
// forwarder's CPU ms per GiB (/proc), diesel-forward against socat.
// Needs sshd, scp, ssh-keygen (openssh-server, openssh-client); socat optional. Skips with
// a note when they are missing.
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate, have, markdownTable, procCpuMicros, procTreeCpuMicros, row, runCommand, writeResults } from '../../../scripts/bench/lib.mjs';

const MIB = Number(process.env.BENCH_SCP_MIB ?? 256);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));

const missing = [];
if (SSHD === undefined) missing.push('sshd (apt-get install openssh-server)');
for (const cmd of ['scp', 'ssh-keygen']) if (!(await have(cmd))) missing.push(`${cmd} (apt-get install openssh-client)`);
if (missing.length > 0) {
  console.error(`scp bench skipped: missing ${missing.join(', ')}`);
  process.exit(0);
}
const withSocat = await have('socat');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port, proc, what) {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode})`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} never listened on ${port}`);
}

const dir = mkdtempSync(join(tmpdir(), 'diesel-scp-bench-'));
chmodSync(dir, 0o700);
const procs = [];
try {
  await runCommand('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  await runCommand('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'user_key')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')));
  const sshPort = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${sshPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  // sshd wants its privilege-separation directory.
  if (!existsSync('/run/sshd')) await runCommand('mkdir', ['-p', '/run/sshd']);
  const sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let sshdLog = '';
  sshd.stderr.on('data', (d) => (sshdLog += d));
  procs.push(sshd);
  await waitListening(sshPort, sshd, 'sshd').catch((error) => {
    throw new Error(`${error.message}\n${sshdLog}`);
  });

  // The file to copy: written once, random-ish so no layer can compress it away.
  const file = join(dir, 'payload.bin');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < MIB; i++) writeSync(fd, randomFillSync(block));
  closeSync(fd);

  const forwardPort = await freePort();
  const prof = process.env.BENCH_CPU_PROF;
  const profArgs = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, '--cpu-prof-name=diesel-forward.cpuprofile'] : [];
  const forward = spawn(process.execPath, [...profArgs, CLI, `127.0.0.1:${forwardPort}`, `127.0.0.1:${sshPort}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  procs.push(forward);
  await waitListening(forwardPort, forward, 'diesel-forward');
  let socatPort = null;
  let socat = null;
  if (withSocat) {
    socatPort = await freePort();
    socat = spawn('socat', [`TCP-LISTEN:${socatPort},bind=127.0.0.1,reuseaddr,fork`, `TCP:127.0.0.1:${sshPort}`], { stdio: 'ignore' });
    procs.push(socat);
    await waitListening(socatPort, socat, 'socat');
  }

  const user = userInfo().username;
  const scpTo = (port, forwarder) => async () => {
    const cpu0 = forwarder === null ? NaN : forwarder();
    const r = await runCommand('scp', ['-q', '-P', String(port), '-i', join(dir, 'user_key'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', file, `${user}@127.0.0.1:/dev/null`]);
    if (r.code !== 0) throw new Error(`scp via port ${port} failed (${r.code}): ${r.stderr}`);
    // socat's per-connection child must exit and be reaped before its CPU shows in the parent.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cpu1 = forwarder === null ? NaN : forwarder();
    return { rate: MIB / (r.ms / 1000), seconds: r.ms / 1000, cpu: (cpu1 - cpu0) / 1000 / (MIB / 1024) };
  };
  // socat forks a child per connection, which has exited (and been reaped) by the time a
  // copy ends: its CPU is in the parent's cutime/cstime, which procTreeCpuMicros counts.
  const sides = { direct: scpTo(sshPort, null), 'diesel-forward': scpTo(forwardPort, () => procCpuMicros(forward.pid)) };
  if (socat !== null) sides.socat = scpTo(socatPort, () => procTreeCpuMicros(socat.pid));
  console.error(`scp bench: ${MIB} MiB file, ${ROUNDS} rounds, paths ${Object.keys(sides).join(', ')}`);
  const samples = await alternate(sides, { rounds: ROUNDS });
  const rows = [row({ id: 'forward-scp', name: `scp ${MIB} MiB through diesel-forward`, peer: 'direct', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: samples['diesel-forward'].map((s) => ({ ...s, cpu: NaN })), other: samples.direct, goal: 1 / 1.1, judge: 'rate' })];
  if (socat !== null) {
    rows.push(row({ id: 'forward-scp-socat', name: `scp ${MIB} MiB through socat`, peer: 'direct', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: samples.socat.map((s) => ({ ...s, cpu: NaN })), other: samples.direct, goal: null, judge: 'rate', note: 'reference: socat is the peer forwarder, not diesel' }));
    rows.push(row({ id: 'forward-scp-vs-socat', name: `scp ${MIB} MiB, diesel-forward vs socat`, peer: 'socat', unit: 'MiB/s', cpuUnit: 'ms/GiB', diesel: samples['diesel-forward'], other: samples.socat, goal: null, judge: 'cpu' }));
  }
  console.log(markdownTable(rows));
  writeResults('forwarder-scp', rows, { samples, mib: MIB });
} finally {
  for (const p of procs) p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
