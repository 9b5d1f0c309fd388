/**
 * `run({ workers })` with real processes: test/fixtures/workers-echo.mjs is started with
 * child_process (it is the primary, and node:cluster forks it again as each worker), and
 * real TCP clients talk to it on 127.0.0.1. Nothing here asserts a duration: every wait is
 * for something the processes print or do, with generous bounds for a loaded machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Application, UsageError } from '@diesel/core';
import { closed, connectTcp, readLine } from './examples-helpers.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'workers-echo.mjs');
const WAIT_MS = 60_000;

interface Cluster {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | string>;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diesel-workers-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the fixture as the primary, in its own process group (so a test can Ctrl-C the group). */
function startCluster(env: Record<string, string>): Cluster {
  const child = spawn(process.execPath, [fixture], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  cleanups.push(() => {
    // Whatever a failed test left behind: the whole group, workers included.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  return { child, out: () => out, err: () => err, exited };
}

async function eventually<T>(probe: () => T | null | undefined | false, what: string, cluster?: Cluster): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${cluster ? `\nstdout:\n${cluster.out()}\nstderr:\n${cluster.err()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The workers that have printed `worker ID pid PID port PORT`, latest line per worker id. */
function workersOf(cluster: Cluster): Map<number, { pid: number; port: number }> {
  const seen = new Map<number, { pid: number; port: number }>();
  for (const m of cluster.out().matchAll(/^worker (\d+) pid (\d+) port (\d+)$/gm)) seen.set(Number(m[1]), { pid: Number(m[2]), port: Number(m[3]) });
  return seen;
}

/**
 * Resolves once the primary said every worker listens and each of the `count` workers has
 * printed its line (a worker prints after telling the primary, so either may come first).
 */
async function ready(cluster: Cluster, count = 2): Promise<void> {
  await eventually(() => cluster.out().includes('ready') && workersOf(cluster).size === count, `the primary and ${count} workers to say they listen`, cluster);
}

/** Connects and reads the greeting: which worker (and process) took this connection. */
async function greet(port: number): Promise<{ socket: net.Socket; worker: number; pid: number }> {
  const socket = await connectTcp(port);
  cleanups.push(() => socket.destroy());
  const line = await readLine(socket);
  const m = /^worker (\d+) pid (\d+)\r\n$/.exec(line);
  expect(m, `greeting ${JSON.stringify(line)}`).not.toBeNull();
  return { socket, worker: Number(m![1]), pid: Number(m![2]) };
}

/** Opens connections until one reaches each of `wanted` (worker id → pid); returns those, still open. */
async function reachEach(port: number, wanted: Map<number, number>): Promise<Map<number, net.Socket>> {
  const open = new Map<number, net.Socket>();
  for (let attempt = 0; attempt < 200 && open.size < wanted.size; attempt++) {
    const { socket, worker, pid } = await greet(port);
    if (wanted.get(worker) === pid && !open.has(worker)) open.set(worker, socket);
    else socket.destroy();
  }
  expect([...open.keys()].sort()).toEqual([...wanted.keys()].sort());
  return open;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), WAIT_MS))]);
}

describe('run({ workers }) checks its options', () => {
  it.each([
    [1, 'workers: 1 would fork one process'],
    [0, 'workers must be an integer of 2 or more'],
    [-2, 'workers must be an integer of 2 or more'],
    [2.5, 'workers must be an integer of 2 or more'],
    [Number.NaN, 'workers must be an integer of 2 or more'],
    ['2', 'workers must be an integer of 2 or more, or "auto" (one per core): got "2"'],
    ['all', 'got "all"'],
  ])('workers: %s is a UsageError, and nothing is forked', async (workers, message) => {
    const app = new Application();
    const attempt = app.run({ workers: workers as number });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toMatchObject({ code: 'DIESEL_ERR_INVALID_ARGUMENT', message: expect.stringContaining(message) });
    await expect(app.start({ workers: workers as number })).rejects.toMatchObject({ code: 'DIESEL_ERR_INVALID_ARGUMENT' });
    expect(app.running).toBe(false);
  });

  it('rejects worker settings without workers, and settings that are not seconds', async () => {
    const app = new Application();
    await expect(app.start({ restartDelay: 1 })).rejects.toMatchObject({ code: 'DIESEL_ERR_INVALID_ARGUMENT', message: expect.stringContaining('restartDelay only applies with workers') });
    await expect(app.start({ workers: 2, gracePeriod: -1 })).rejects.toMatchObject({ message: expect.stringContaining('gracePeriod is in seconds') });
    await expect(app.start({ workers: 2, restartDelay: Number.POSITIVE_INFINITY })).rejects.toMatchObject({ message: expect.stringContaining('restartDelay is in seconds') });
    await expect(app.start({ workers: 2, restartDelay: 5, maxRestartDelay: 1 })).rejects.toMatchObject({ message: expect.stringContaining('maxRestartDelay (1 s) is below restartDelay (5 s)') });
    expect(app.running).toBe(false);
    expect(app.worker).toBeNull(); // not a worker: this is a plain process
  });
});

describe('run({ workers }) in real processes', { timeout: 180_000 }, () => {
  it('two workers share one port, both take connections, and SIGTERM to the primary halts both gracefully', async () => {
    const markers = tempDir();
    const cluster = startCluster({ WORKERS: '2', MARKERS: markers });
    await ready(cluster);
    const workers = workersOf(cluster);
    expect([...workers.keys()].sort()).toEqual([1, 2]);
    const [one, two] = [workers.get(1)!, workers.get(2)!];
    expect(one.port).toBe(two.port); // node:cluster shares the handle, port 0 included
    expect(one.pid).not.toBe(two.pid);
    expect([one.pid, two.pid]).not.toContain(cluster.child.pid); // the primary serves nothing itself
    expect(cluster.out()).toContain('ready (running: true, a second start: DIESEL_ERR_ALREADY_RUNNING)');

    // The kernel spreads connections over the workers; keep one open on each.
    const open = await reachEach(one.port, new Map([[1, one.pid], [2, two.pid]]));
    for (const [id, socket] of open) {
      socket.write(`hello ${id}\r\n`);
      expect(await readLine(socket)).toBe(`worker ${id}: hello ${id}\r\n`);
    }

    process.kill(cluster.child.pid!, 'SIGTERM');
    expect(await withTimeout(cluster.exited, 'the primary to exit')).toBe(0);
    // Each worker's halt() ran: the loop's finally wrote its marker, and the open connections were closed.
    expect(fs.readdirSync(markers).sort()).toEqual([`worker-1-${one.pid}`, `worker-2-${two.pid}`].sort());
    await withTimeout(Promise.all([...open.values()].map(closed)), 'the workers to close their connections');
    expect(cluster.out()).toMatch(/worker 1 done[\s\S]*primary done|worker 2 done[\s\S]*primary done/);
    expect(cluster.err()).toContain('halting 2 workers (SIGTERM)');
    expect(cluster.err()).toContain('every worker halted');
    expect(cluster.err()).toMatch(/Starting diesel application: 2 workers \(primary pid \d+\)/);
    expect(cluster.err()).toMatch(/Starting diesel application \(worker 1, pid \d+\)/);
    expect(cluster.err()).not.toContain('restarting');
  });

  it('kill -9 of a worker: the primary logs it, restarts it after the delay, and the service answers throughout', async () => {
    const markers = tempDir();
    const cluster = startCluster({ WORKERS: '2', MARKERS: markers });
    await ready(cluster);
    const before = workersOf(cluster);
    const { port } = before.get(1)!;
    const victim = before.get(1)!.pid;

    process.kill(victim, 'SIGKILL');
    await eventually(() => cluster.err().includes(`worker 1 (pid ${victim}) was killed by SIGKILL; restarting it in 0.1 s`), 'the restart warning', cluster);
    // Worker 2 goes on serving whatever happens to worker 1 meanwhile.
    const meanwhile = await greet(port);
    expect(meanwhile.pid).not.toBe(victim);

    const successor = await eventually(() => {
      const now = workersOf(cluster).get(1);
      return now !== undefined && now.pid !== victim ? now : null;
    }, 'worker 1 to be started again', cluster);
    expect(successor.port).toBe(port);
    await reachEach(port, new Map([[1, successor.pid], [2, before.get(2)!.pid]]));

    process.kill(cluster.child.pid!, 'SIGTERM');
    expect(await withTimeout(cluster.exited, 'the primary to exit')).toBe(0);
    // The killed worker ran no finally (SIGKILL cannot be caught); its successor and worker 2 did.
    expect(fs.readdirSync(markers).sort()).toEqual([`worker-1-${successor.pid}`, `worker-2-${before.get(2)!.pid}`].sort());
  });

  it('SIGTERM to one worker halts just that one gracefully; the primary starts it again', async () => {
    const markers = tempDir();
    const cluster = startCluster({ WORKERS: '2', MARKERS: markers });
    await ready(cluster);
    const victim = workersOf(cluster).get(2)!.pid;
    process.kill(victim, 'SIGTERM');
    await eventually(() => cluster.err().includes(`worker 2 (pid ${victim}) exited with code 0; restarting it in 0.1 s`), 'the restart warning', cluster);
    expect(fs.readdirSync(markers)).toEqual([`worker-2-${victim}`]); // its finally ran
    await eventually(() => (workersOf(cluster).get(2)?.pid ?? victim) !== victim, 'a new worker 2', cluster);
    process.kill(cluster.child.pid!, 'SIGTERM');
    expect(await withTimeout(cluster.exited, 'the primary to exit')).toBe(0);
  });

  it('Ctrl-C (SIGINT to the whole process group) halts every worker once, and the primary exits 0', async () => {
    const markers = tempDir();
    const cluster = startCluster({ WORKERS: '2', MARKERS: markers, MODE: 'run' });
    // With run() the fixture prints nothing when listening; the primary's info lines say it.
    const expected = await eventually(() => {
      const lines = [...cluster.err().matchAll(/worker (\d) \(pid (\d+)\) listening on port (\d+)/g)];
      return lines.length === 2 ? lines.map((m) => `worker-${m[1]}-${m[2]}`) : null;
    }, 'both workers to listen', cluster);
    // Both workers and the primary get the SIGINT; then the primary's SIGTERM reaches the workers too.
    process.kill(-cluster.child.pid!, 'SIGINT');
    expect(await withTimeout(cluster.exited, 'the primary to exit')).toBe(0);
    expect(fs.readdirSync(markers).sort()).toEqual(expected.sort());
    expect(cluster.err()).not.toContain('killing it');
    expect(cluster.err()).not.toContain('restarting');
  });

  it('a worker that dies at once after every start is restarted with a doubling delay, bounded', async () => {
    const cluster = startCluster({ WORKERS: '2', CRASH_WORKER: '2' });
    const delays = (): string[] => [...cluster.err().matchAll(/worker 2 \(pid \d+\) exited with code 7; restarting it in ([\d.]+) s/g)].map((m) => m[1]!);
    await eventually(() => delays().length >= 5, 'five restarts of worker 2', cluster);
    expect(delays().slice(0, 5)).toEqual(['0.1', '0.2', '0.4', '0.8', '0.8']);
    // Worker 1 was never touched.
    expect(cluster.err()).not.toMatch(/worker 1 \(pid \d+\) (exited|was killed)/);
    process.kill(cluster.child.pid!, 'SIGTERM');
    expect(await withTimeout(cluster.exited, 'the primary to exit')).toBe(0);
    const after = delays().length;
    expect(cluster.err()).toContain('every worker halted');
    expect(delays().length).toBe(after);
  });

  it('a worker that cannot start the first time (port in use) fails run() in the primary with its error; nothing restarts', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const port = (blocker.address() as net.AddressInfo).port;
    const cluster = startCluster({ WORKERS: '2', PORT: String(port) });
    expect(await withTimeout(cluster.exited, 'the primary to exit')).toBe(2);
    expect(cluster.out()).toMatch(new RegExp(`primary failed: DIESEL_ERR_LISTEN worker [12] could not start: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    expect(cluster.err()).not.toContain('restarting');
  });

  it('a worker that does not end after halting is killed once the grace period is over, and the primary still exits 0', async () => {
    const markers = tempDir();
    const cluster = startCluster({ WORKERS: '2', MARKERS: markers, STUBBORN: '1', GRACE: '0.5' });
    await ready(cluster);
    const workers = workersOf(cluster);
    process.kill(cluster.child.pid!, 'SIGTERM');
    expect(await withTimeout(cluster.exited, 'the primary to exit')).toBe(0);
    for (const [id, { pid }] of workers) {
      expect(cluster.err()).toContain(`worker ${id} (pid ${pid}) did not halt within 0.5 s; killing it`);
      expect(cluster.err()).toContain(`worker ${id} (pid ${pid}) was killed by SIGKILL while halting`);
    }
    // halt() itself ran in each (the timer only kept the process alive afterwards).
    expect(fs.readdirSync(markers)).toHaveLength(2);
  });

  it('run({ workers }) in a cluster worker that diesel did not fork is a UsageError, not a fork', async () => {
    const child = spawn(process.execPath, [path.join(path.dirname(fixture), 'foreign-cluster.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await withTimeout(new Promise((resolve) => child.once('close', resolve)), 'the foreign cluster to exit');
    expect(code).toBe(0);
    expect(out).toContain('worker said: UsageError DIESEL_ERR_INVALID_ARGUMENT: run({ workers }) in a cluster worker that diesel did not fork');
    expect(out).toContain('worker exited with 0');
  });

  it("workers: 'auto' forks one worker per available core", async () => {
    const cluster = startCluster({ WORKERS: 'auto' });
    await ready(cluster, os.availableParallelism());
    expect(workersOf(cluster).size).toBe(os.availableParallelism());
    process.kill(cluster.child.pid!, 'SIGTERM');
    expect(await withTimeout(cluster.exited, 'the primary to exit')).toBe(0);
  });
});
