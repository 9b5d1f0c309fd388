/**
 * `diesel-forward --workers N`: the CLI as a child process whose workers node:cluster
 * forks, forwarding real TCP connections on 127.0.0.1 from both workers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ForwarderError, parseCommandLine } from '../src/index.js';
import { cleanup, collect, dial, echoServer } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGKILL'); // the primary and its workers
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  await cleanup();
});

describe('diesel-forward --workers', () => {
  it('parses --workers N and auto, and refuses anything else', () => {
    expect(parseCommandLine(['--workers', '2', '8080', 'example.com:80'])).toMatchObject({ workers: 2 });
    expect(parseCommandLine(['--workers', 'auto', '8080', 'example.com:80'])).toMatchObject({ workers: 'auto' });
    expect(parseCommandLine(['8080', 'example.com:80'])).not.toHaveProperty('workers');
    for (const bad of ['1', '0', '-3', '1.5', 'lots']) {
      expect(() => parseCommandLine(['--workers', bad, '8080', 'example.com:80'])).toThrow(ForwarderError);
      expect(() => parseCommandLine(['--workers', bad, '8080', 'example.com:80'])).toThrow(`--workers needs a number of processes, 2 or more, or auto, got "${bad}"`);
    }
  });

  it('forwards from two workers on one port, and SIGTERM stops them all with code 0', { timeout: 120_000 }, async () => {
    const echo = await echoServer();
    const child = spawn(process.execPath, [CLI, '--workers', '2', '--log', '127.0.0.1:0', `127.0.0.1:${echo.port}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const banners = (): RegExpMatchArray[] => [...out.matchAll(/diesel-forward \(worker (\d)\): listening on 127\.0\.0\.1:(\d+)/g)];
    for (let waited = 0; banners().length < 2; waited += 50) {
      if (waited > 60_000 || child.exitCode !== null) throw new Error(`no two workers listening; stdout: ${out}; stderr: ${err}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const [one, two] = banners();
    expect([one![1], two![1]].sort()).toEqual(['1', '2']);
    expect(one![2]).toBe(two![2]);
    const port = Number(one![2]);

    // Each worker numbers its own connections from #1: two "#1 … connected" lines mean both forwarded.
    const firsts = (): number => [...out.matchAll(/ #1 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ connected$/gm)].length;
    for (let i = 0; i < 40 && firsts() < 2; i++) {
      const client = await dial(port);
      const received = collect(client);
      client.end(`hello ${i}\n`);
      expect((await received).data.toString()).toBe(`hello ${i}\n`);
      // The log line may still be in the pipe: give it a moment before opening another.
      for (let waited = 0; firsts() < 2 && waited < 500; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(firsts(), out).toBe(2);

    process.kill(child.pid!, 'SIGTERM');
    expect(await exit).toBe(0);
  });
});
