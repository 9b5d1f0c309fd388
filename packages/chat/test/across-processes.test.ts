/**
 * One room across three `diesel-chat --redis` processes on a real redis-server: TCP
 * clients on different processes see each other's lines (in order), joins, leaves and
 * /who; a nick taken on one process is taken on the others; a page in headless Chromium
 * on one process sees what a TCP client on another typed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startRedis } from '@diesel/redis/testing';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { chatProcesses } from './processes.js';
import { LineClient } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

const procs = chatProcesses();

interface ChatProcess {
  child: ChildProcess;
  tcp: number;
  web: number;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

async function chatProcess(extra: string[] = [], url = procs.redis.url): Promise<ChatProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` in packages/chat before the tests`);
  const child = spawn(process.execPath, [CLI, '--port', '0', '--web-port', '0', '--host', '127.0.0.1', '--redis', url, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.track(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const text = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (/shared through .*\n/.test(stdout)) resolve(stdout);
    });
    child.once('exit', () => reject(new Error(`diesel-chat exited early; stdout: ${stdout}; stderr: ${stderr}`)));
  });
  return {
    child,
    tcp: Number(/line protocol on 127\.0\.0\.1:(\d+)/.exec(text)![1]),
    web: Number(/chat page on http:\/\/127\.0\.0\.1:(\d+)\//.exec(text)![1]),
    stderr: () => stderr,
    stop: () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** Reads lines until one matches; the lines before it. */
async function untilMatch(client: LineClient, pattern: RegExp): Promise<string[]> {
  const before: string[] = [];
  for (;;) {
    const line = await client.next();
    if (line === null) throw new Error(`connection ended before ${pattern}; got ${JSON.stringify(before)}`);
    if (pattern.test(line)) return before;
    before.push(line);
  }
}

/** Sends /who and returns its answer (skipping room lines that arrive meanwhile). */
async function whoLine(client: LineClient): Promise<string> {
  client.send('/who');
  for (;;) {
    const line = await client.next();
    if (line === null) throw new Error('connection ended waiting for /who');
    if (line.startsWith('* in the room: ')) return line;
  }
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A page expression (evaluated in the browser): the chat log shows `text`. */
function logHas(text: string): string {
  return `document.getElementById('log')?.textContent?.includes(${JSON.stringify(text)}) === true`;
}

describe('one chat room across three diesel-chat --redis processes', () => {
  it('TCP clients on different processes see each other’s lines in order, joins, leaves and /who', async () => {
    const [one, two, three] = await Promise.all([chatProcess(), chatProcess(), chatProcess()]);
    const alice = await LineClient.join(one.tcp, 'alice');
    const bob = await LineClient.join(two.tcp, 'bob');
    await untilMatch(alice, /^\* .*bob.* joined$/);
    const carol = await LineClient.join(three.tcp, 'carol');
    await untilMatch(alice, /^\* .*carol.* joined$/);
    await untilMatch(bob, /^\* .*carol.* joined$/);

    alice.send('hello from process one');
    await bob.until('alice: hello from process one');
    await carol.until('alice: hello from process one');
    bob.send('and two');
    await alice.until('bob: and two');
    await carol.until('bob: and two');

    // One sender's lines arrive in the order said, on every other process.
    for (let i = 0; i < 50; i++) carol.send(`line ${i}`);
    for (const reader of [alice, bob]) {
      for (let i = 0; i < 50; i++) await reader.until(`carol: line ${i}`);
    }

    // /who sees the whole room, from each process.
    for (const client of [alice, bob, carol]) {
      const who = await whoLine(client);
      for (const nick of ['alice', 'bob', 'carol']) expect(who).toContain(nick);
    }

    bob.send('/quit');
    await bob.until('* bye');
    await untilMatch(alice, /^\* .*bob.* left$/);
    await untilMatch(carol, /^\* .*bob.* left$/);
    const who = await whoLine(alice);
    expect(who).not.toContain('bob');

    // A process that halts (SIGTERM) says bye: its members leave the room everywhere.
    expect(await three.stop()).toBe(0);
    await untilMatch(alice, /^\* .*carol.* left$/);
    expect(await whoLine(alice)).toBe('* in the room: alice');
    expect(one.stderr()).toBe('');
    expect(two.stderr()).toBe('');
  });

  it('a nick taken on one process is taken on the others; the client picks another and is served', async () => {
    const [one, two] = await Promise.all([chatProcess(), chatProcess()]);
    // A witness on process two: once it hears alice join, two knows the nick is taken
    // (the roster and the announcement travel in one bus message).
    const witness = await LineClient.join(two.tcp, 'witness');
    const alice = await LineClient.join(one.tcp, 'alice');
    await untilMatch(witness, /^\* .*alice.* joined$/);
    const other = await LineClient.connect(two.tcp);
    await other.until('* your nick?');
    other.send('alice');
    await other.until('! nick "alice" is taken; send another nick');
    other.send('alice2');
    await other.until('* alice2 joined');
    await untilMatch(alice, /^\* .*alice2.* joined$/);
    other.send('hi');
    await alice.until('alice2: hi');
  });

  it('Redis killed: each process still serves its own members, logs the losses, and the room is one again once Redis is back', { timeout: 90_000 }, async () => {
    const own = await startRedis();
    try {
      const [one, two] = await Promise.all([chatProcess([], own.url), chatProcess([], own.url)]);
      const alice = await LineClient.join(one.tcp, 'alice');
      const bob = await LineClient.join(one.tcp, 'bob');
      const carol = await LineClient.join(two.tcp, 'carol');
      await untilMatch(alice, /carol.* joined$/);
      await own.kill();
      alice.send('redis is down');
      await bob.until('alice: redis is down');
      await eventually(() => /redis events: .*(lost|not sent)/.test(one.stderr()), 'process one to log the loss');
      // A newcomer on the same process is served as usual.
      const dave = await LineClient.join(one.tcp, 'dave');
      dave.send('still here');
      await alice.until('dave: still here');
      await own.restart();
      // Both sides reconnect with backoff; lines said meanwhile may be lost (pub/sub is at
      // most once, and every loss is logged): say lines until one crosses.
      let crossed = false;
      const heard = untilMatch(carol, /^alice: back \d+$/).then(() => (crossed = true));
      for (let i = 0; i < 150 && !crossed; i++) {
        alice.send(`back ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await heard;
      // And the other way.
      carol.send('carol is back too');
      await alice.until('carol: carol is back too');
      expect(one.child.exitCode).toBeNull();
      expect(two.child.exitCode).toBeNull();
    } finally {
      await own.stop();
    }
  });

  it('a chat page in headless Chromium on one process sees a line typed by a TCP client on another', async () => {
    const [one, two] = await Promise.all([chatProcess(), chatProcess()]);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${two.web}/`);
      await page.waitForSelector('#status');
      await page.fill('#nick', 'dana');
      await page.click('#nick-form button');
      await page.waitForFunction(logHas('dana joined'), undefined, { timeout: 20_000 });
      const alice = await LineClient.join(one.tcp, 'alice');
      await untilMatch(alice, /^\* in the room: /);
      alice.send('hi dana, from a TCP client on another process');
      await page.waitForFunction(logHas('alice: hi dana, from a TCP client on another process'), undefined, { timeout: 20_000 });
      // And back: the page says something, the TCP client on the other process reads it.
      await page.fill('#say', 'hello alice, from Chromium');
      await page.click('#say-form button');
      await alice.until('dana: hello alice, from Chromium');
    } finally {
      await browser.close();
    }
  });
});

