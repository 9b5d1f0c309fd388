/**
 * One room across the three workers of ONE `diesel-chat --workers 3 --redis` process, on a
 * real redis-server: TCP clients, a WebSocket client and a page in headless Chromium, each
 * pinned to a known worker (with workers, every client is greeted with
 * `* diesel-chat worker N`, so no timing guess says who serves whom). Lines, joins, leaves
 * and /who span the workers; a worker killed with SIGKILL says no bye, so its member is
 * announced as left once the others miss its rosters; the worker the primary starts
 * again serves the room again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Routine, run } from '@diesel/core';
import { WebSocketClient } from '@diesel/http';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { chatProcesses } from './processes.js';
import { LineClient, track } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const GREETING = /^\* diesel-chat worker (\d+)$/;
/** Past the room's default roster timeout (three missed rosters of 10 s), with room to spare under load. */
const LONG = 120_000;

const procs = chatProcesses();

interface Workers {
  child: ChildProcess;
  tcp: number;
  web: number;
  /** The pid each worker announced last (a restarted worker announces itself again). */
  pids(): Map<number, number>;
  /** Resolves once `check` holds of what the process printed so far. */
  printed(check: (stdout: string) => boolean, what: string): Promise<void>;
  exit: Promise<number | null>;
}

async function startWorkers(): Promise<Workers> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` in packages/chat before the tests`);
  const args = [CLI, '--workers', '3', '--redis', procs.redis.url, '--port', '0', '--web-port', '0', '--host', '127.0.0.1'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  procs.track(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const printed = async (check: (text: string) => boolean, what: string): Promise<void> => {
    for (let waited = 0; !check(stdout); waited += 50) {
      if (waited > LONG || child.exitCode !== null) throw new Error(`gave up waiting for ${what}; stdout: ${stdout}; stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const count = (pattern: RegExp): number => new Set([...stdout.matchAll(pattern)].map((m) => m[1])).size;
  await printed(
    () => count(/diesel-chat \(worker (\d+), pid \d+\): line protocol on /g) === 3 && count(/diesel-chat \(worker (\d+), pid \d+\): room lobby shared through /g) === 3,
    'three workers to listen and share the room',
  );
  const tcp = new Set([...stdout.matchAll(/line protocol on 127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])));
  const web = new Set([...stdout.matchAll(/chat page on http:\/\/127\.0\.0\.1:(\d+)\//g)].map((m) => Number(m[1])));
  expect([...tcp]).toHaveLength(1); // one port, shared by the workers
  expect([...web]).toHaveLength(1);
  const pids = (): Map<number, number> => new Map([...stdout.matchAll(/diesel-chat \(worker (\d+), pid (\d+)\): room lobby shared through /g)].map((m) => [Number(m[1]), Number(m[2])]));
  return { child, tcp: [...tcp][0]!, web: [...web][0]!, pids, printed, exit };
}

/** Connects until a client lands on a worker `wanted` accepts (the others are closed); the client and its worker. */
async function tcpOn(port: number, wanted: (worker: number) => boolean): Promise<[LineClient, number]> {
  const seen: number[] = [];
  for (let i = 0; i < 60; i++) {
    const client = await LineClient.connect(port);
    const greeting = await client.next();
    const worker = Number(GREETING.exec(greeting ?? '')?.[1] ?? Number.NaN);
    expect(worker, `greeting ${JSON.stringify(greeting)}`).toBeGreaterThan(0);
    expect(await client.next()).toBe('* your nick?');
    if (wanted(worker)) return [client, worker];
    seen.push(worker);
    client.close();
  }
  throw new Error(`no connection reached the worker wanted; got ${seen.join(', ')}`);
}

/** A WebSocket client driven from async test code (core's `run` bridges into diesel). */
class SocketClient {
  private constructor(readonly ws: WebSocketClient) {}

  static async open(web: number): Promise<SocketClient> {
    const ws = await run(WebSocketClient.connect(`ws://127.0.0.1:${web}/ws`, { origin: `http://127.0.0.1:${web}` }) as Routine<WebSocketClient>);
    track(() => ws.terminate());
    return new SocketClient(ws);
  }

  send(text: string): Promise<unknown> {
    return run(this.ws.send(text));
  }

  async next(): Promise<string | null> {
    const message = await run(this.ws.wait() as Routine<string | Buffer | null>);
    return message === null ? null : String(message);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Opens sockets until one lands on a worker `wanted` accepts; the socket and its worker. */
async function socketOn(web: number, wanted: (worker: number) => boolean): Promise<[SocketClient, number]> {
  const seen: number[] = [];
  for (let i = 0; i < 60; i++) {
    const socket = await SocketClient.open(web);
    const greeting = await socket.next();
    const worker = Number(GREETING.exec(greeting ?? '')?.[1] ?? Number.NaN);
    expect(worker, `greeting ${JSON.stringify(greeting)}`).toBeGreaterThan(0);
    if (wanted(worker)) return [socket, worker];
    seen.push(worker);
    socket.close();
  }
  throw new Error(`no socket reached the worker wanted; got ${seen.join(', ')}`);
}

/** Loads the chat page until its socket lands on a worker `wanted` accepts; that worker. */
async function pageOn(page: Page, web: number, wanted: (worker: number) => boolean): Promise<number> {
  const seen: number[] = [];
  for (let i = 0; i < 60; i++) {
    await page.goto(`http://127.0.0.1:${web}/`);
    await page.waitForFunction('window.chatLines?.length > 0', undefined, { timeout: LONG });
    const greeting = await page.evaluate('window.chatLines[0]');
    const worker = Number(GREETING.exec(String(greeting))?.[1] ?? Number.NaN);
    expect(worker, `greeting ${JSON.stringify(greeting)}`).toBeGreaterThan(0);
    if (wanted(worker)) return worker;
    seen.push(worker);
  }
  throw new Error(`no page reached the worker wanted; got ${seen.join(', ')}`);
}

interface Reader {
  next(): Promise<string | null>;
}

/** Reads lines until one matches; the lines before it. */
async function untilMatch(reader: Reader, pattern: RegExp): Promise<string[]> {
  const before: string[] = [];
  for (;;) {
    const line = await reader.next();
    if (line === null) throw new Error(`connection ended before ${pattern}; got ${JSON.stringify(before)}`);
    if (pattern.test(line)) return before;
    before.push(line);
  }
}

/** A page expression (evaluated in the browser): the chat log has a line matching `pattern`. */
function pageHas(pattern: RegExp): string {
  return `(window.chatLines ?? []).some((line) => new RegExp(${JSON.stringify(pattern.source)}).test(line))`;
}

describe('diesel-chat --workers 3 --redis: one room across the workers of one process', () => {
  it('TCP, WebSocket and Chromium clients on different workers share lines, joins, leaves and /who; a worker killed with SIGKILL loses its members everywhere, and its restart serves again', { timeout: 6 * LONG }, async () => {
    const workers = await startWorkers();
    const [alice, a] = await tcpOn(workers.tcp, () => true);
    const [bob, b] = await tcpOn(workers.tcp, (w) => w !== a);
    const [wes, c] = await socketOn(workers.web, (w) => w !== a && w !== b);
    expect(new Set([a, b, c]).size).toBe(3);

    alice.send('alice');
    await alice.until('* alice joined');
    bob.send('bob');
    await bob.until('* bob joined');
    await untilMatch(alice, /^\* .*\bbob\b.* joined$/);
    await wes.send('wes');
    await untilMatch(wes, /^\* wes joined$/);
    await untilMatch(alice, /^\* .*\bwes\b.* joined$/);
    await untilMatch(bob, /^\* .*\bwes\b.* joined$/);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      // The page on C too: killing B below must leave it (and the WebSocket client) alone.
      expect(await pageOn(page, workers.web, (w) => w === c)).toBe(c);
      await page.fill('#nick', 'dana');
      await page.click('#nick-form button');
      await page.waitForFunction(pageHas(/^\* dana joined$/), undefined, { timeout: LONG });
      for (const reader of [alice, bob, wes]) await untilMatch(reader, /^\* .*\bdana\b.* joined$/);

      // A line said on A reaches B (TCP), C (WebSocket) and the page.
      alice.send('hello from worker A');
      await bob.until('alice: hello from worker A');
      await untilMatch(wes, /^alice: hello from worker A$/);
      await page.waitForFunction(pageHas(/^alice: hello from worker A$/), undefined, { timeout: LONG });
      // And the page's line reaches the TCP clients on the other workers.
      await page.fill('#say', 'hello from Chromium');
      await page.click('#say-form button');
      await alice.until('dana: hello from Chromium');
      await bob.until('dana: hello from Chromium');

      // /who sees the whole room, from every worker.
      for (const reader of [alice, bob, wes]) {
        await reader.send('/who');
        const line = await whoAnswer(reader);
        for (const nick of ['alice', 'bob', 'wes', 'dana']) expect(line, `/who: ${line}`).toMatch(new RegExp(`\\b${nick}\\b`));
      }

      // SIGKILL: worker B says no bye; the others forget its members once its rosters stop.
      const killed = workers.pids().get(b)!;
      process.kill(killed, 'SIGKILL');
      expect(await bob.rest()).toEqual([]);
      await untilMatch(alice, /^\* .*\bbob\b.* left$/);
      await untilMatch(wes, /^\* .*\bbob\b.* left$/);
      await page.waitForFunction(pageHas(/^\* .*\bbob\b.* left$/), undefined, { timeout: 3 * LONG });
      alice.send('/who');
      expect(await whoAnswer(alice)).not.toMatch(/\bbob\b/);

      // The primary starts worker B again (same number, new pid); it serves the room again.
      await workers.printed(() => (workers.pids().get(b) ?? killed) !== killed, `worker ${b} to be started again`);
      const [bob2] = await tcpOn(workers.tcp, (w) => w === b);
      bob2.send('bob2');
      await bob2.until('* bob2 joined');
      await untilMatch(alice, /^\* .*\bbob2\b.* joined$/);
      await untilMatch(wes, /^\* .*\bbob2\b.* joined$/);
      bob2.send('back on worker B');
      await alice.until('bob2: back on worker B');
      await untilMatch(wes, /^bob2: back on worker B$/);
      await page.waitForFunction(pageHas(/^bob2: back on worker B$/), undefined, { timeout: LONG });
      bob2.send('/who');
      const line = await whoAnswer(bob2);
      for (const nick of ['alice', 'bob2', 'wes', 'dana']) expect(line, `/who: ${line}`).toMatch(new RegExp(`\\b${nick}\\b`));
      expect(line).not.toMatch(/\bbob\b/);

      // A leave on C is seen on A and on the restarted B.
      await wes.send('/quit');
      await untilMatch(wes, /^\* bye$/);
      await untilMatch(alice, /^\* .*\bwes\b.* left$/);
      await untilMatch(bob2, /^\* .*\bwes\b.* left$/);
    } finally {
      await browser.close();
    }

    // SIGTERM to the primary halts every worker; each closes its connections.
    process.kill(workers.child.pid!, 'SIGTERM');
    expect(await workers.exit).toBe(0);
    await alice.rest();
  });
});

/** The next `/who` answer (skipping room lines that arrive meanwhile). */
async function whoAnswer(reader: Reader): Promise<string> {
  for (;;) {
    const line = await reader.next();
    if (line === null) throw new Error('connection ended waiting for /who');
    if (line.startsWith('* in the room: ')) return line;
  }
}
