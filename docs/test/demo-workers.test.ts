/**
 * The demo with --workers, as a real process (the built `main.js`): two workers share
 * every port, each prints where it listens (on 127.0.0.1 unless asked), both answer HTTP
 * on the one port, and SIGTERM to the primary stops them all with exit code 0. Without
 * --redis each worker's chat room is its own; with it, one room spans the workers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { startRedis, type RedisServer } from '@diesel/redis/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoOptions } from '../demo/main.js';
import { lineClient, type LineClient } from './lines.js';

const MAIN = fileURLToPath(new URL('../dist/docs/demo/main.js', import.meta.url));
const WAIT = 60_000;

let redis: RedisServer;
const children: ChildProcess[] = [];
const sockets: net.Socket[] = [];
const track = (socket: net.Socket): void => void sockets.push(socket);

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      // The whole group: the primary and the workers it forked.
      process.kill(-child.pid!, 'SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
});

interface DemoProcess {
  child: ChildProcess;
  http: number;
  chat: number;
  echo: number;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

async function startWorkers(extra: string[] = []): Promise<DemoProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm build\` in docs before the tests`);
  const child = spawn(process.execPath, [MAIN, '--workers', '2', '--http-port', '0', '--echo-port', '0', '--chat-port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  // Each worker prints its whole block at once, ending in the Ctrl-C line.
  const banners = (): RegExpMatchArray[] => [...stdout.matchAll(/diesel demo — worker (\d+) \(pid \d+\), one Application in each worker:\n([^]*?)Ctrl-C/g)];
  for (let waited = 0; banners().length < 2; waited += 50) {
    if (waited > WAIT || child.exitCode !== null) throw new Error(`no two workers printed where they listen; stdout: ${stdout}; stderr: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const [one, two] = banners();
  expect([one![1], two![1]].sort()).toEqual(['1', '2']);
  // The same addresses from both: one set of ports, shared; bound to 127.0.0.1 by default.
  expect(one![2]).toBe(two![2]);
  const block = one![2]!;
  const port = (pattern: RegExp): number => Number(pattern.exec(block)?.[1]);
  const ports = { http: port(/page {8}http:\/\/127\.0\.0\.1:(\d+)\//), chat: port(/chat \(TCP\) {2}nc 127\.0\.0\.1 (\d+)/), echo: port(/echo \(TCP\) {2}nc 127\.0\.0\.1 (\d+)/) };
  for (const value of Object.values(ports)) expect(value).toBeGreaterThan(0);
  return { child, ...ports, stdout: () => stdout, stderr: () => stderr, exit };
}

/** GET / on a connection of its own (no keep-alive pool: each request may reach another worker); the body. */
function getIndex(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`GET / answered ${String(response.statusCode)}`))));
    });
    request.on('error', reject);
  });
}

/** Chat clients, one per worker (connecting until both workers greeted one), keyed by worker. */
async function chatClientPerWorker(port: number): Promise<Map<number, LineClient>> {
  const found = new Map<number, LineClient>();
  for (let i = 0; i < 40 && found.size < 2; i++) {
    const client = await lineClient(port, track);
    const greeting = await client.next();
    const worker = Number(/^\* diesel demo worker (\d+)$/.exec(greeting ?? '')?.[1]);
    expect(worker, `greeting ${JSON.stringify(greeting)}`).toBeGreaterThan(0);
    expect(await client.next()).toBe('* your nick?');
    if (!found.has(worker)) found.set(worker, client);
  }
  expect([...found.keys()].sort()).toEqual([1, 2]);
  return found;
}

describe('demo --workers', () => {
  it('parses --workers N and auto (and DIESEL_DEMO_WORKERS), and refuses anything else', () => {
    expect(demoOptions(['--workers', '2'], {}).workers).toBe(2);
    expect(demoOptions(['--workers=auto'], {}).workers).toBe('auto');
    expect(demoOptions([], { DIESEL_DEMO_WORKERS: '3' }).workers).toBe(3);
    expect(demoOptions(['--workers', '4'], { DIESEL_DEMO_WORKERS: '3' }).workers).toBe(4);
    expect(demoOptions([], {})).not.toHaveProperty('workers');
    for (const bad of ['1', '0', '2.5', 'many']) {
      expect(() => demoOptions(['--workers', bad], {}), bad).toThrow('--workers / DIESEL_DEMO_WORKERS: not 2 or more, or auto');
    }
  });

  it('two workers share the ports on 127.0.0.1, both answer HTTP on the one port, each has its own chat room; SIGTERM stops them with 0', { timeout: 4 * WAIT }, async () => {
    const demo = await startWorkers();
    const servedBy = new Set<string>();
    for (let i = 0; i < 40 && servedBy.size < 2; i++) {
      const body = await getIndex(demo.http);
      expect(body).toContain('<h1>diesel demo</h1>');
      const worker = /This page was served by worker (\d+)\./.exec(body)?.[1];
      expect(worker, 'the index page names its worker').toBeDefined();
      servedBy.add(worker!);
    }
    expect([...servedBy].sort()).toEqual(['1', '2']);

    const echo = await lineClient(demo.echo, track);
    echo.send('hi');
    expect(await echo.next()).toBe('you said: hi');

    // Without --redis a room is a worker's own: a line said on worker 1 is not heard on 2,
    // while a second member on worker 1 hears it.
    const [one, two] = [...(await chatClientPerWorker(demo.chat)).entries()].sort(([a], [b]) => a - b).map(([, client]) => client);
    one!.send('ann');
    await one!.until(/^\* ann joined$/);
    two!.send('bob');
    expect(await two!.until(/^\* in the room: /)).toBe('* in the room: bob');
    expect(demo.stdout()).toContain("the chat room is this worker's own");

    process.kill(demo.child.pid!, 'SIGTERM');
    expect(await demo.exit).toBe(0);
    expect(demo.stderr()).toBe('');
    // Every connection was closed by its worker's halt.
    for (let line = await one!.next(); line !== null; line = await one!.next());
  });

  it('with --redis one chat room spans the workers: a line said on worker 1 reaches worker 2', { timeout: 4 * WAIT }, async () => {
    const demo = await startWorkers(['--redis', redis.url]);
    expect(demo.stdout()).toContain(`the chat room is shared with every demo on ${redis.url}`);
    const clients = await chatClientPerWorker(demo.chat);
    const one = clients.get(1)!;
    const two = clients.get(2)!;
    one.send('ann');
    await one.until(/^\* ann joined$/);
    two.send('bob');
    await two.until(/^\* bob joined$/);
    await one.until(/^\* .*\bbob\b.* joined$/);
    one.send('hello from worker 1');
    await two.until(/^ann: hello from worker 1$/);
    two.send('/who');
    const who = await two.until(/^\* in the room: /);
    expect(who).toMatch(/\bann\b/);
    expect(who).toMatch(/\bbob\b/);
    process.kill(demo.child.pid!, 'SIGTERM');
    expect(await demo.exit).toBe(0);
  });
});
