/**
 * `diesel-chat --workers N`: the CLI as a child process, its workers forked by
 * node:cluster, with real TCP clients on 127.0.0.1. Without Redis each worker has a room of
 * its own, and this says so: clients that reach different workers do not see each other.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatError, parseChatCommandLine } from '../src/index.js';
import { LineClient, cleanup } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      // The whole group: the primary and the workers it forked.
      process.kill(-child.pid!, 'SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  cleanup();
});

describe('diesel-chat --workers', () => {
  it('parses --workers N and auto, and refuses anything else', () => {
    expect(parseChatCommandLine(['--workers', '3'])).toMatchObject({ workers: 3 });
    expect(parseChatCommandLine(['--workers=auto'])).toMatchObject({ workers: 'auto' });
    expect(parseChatCommandLine([])).not.toHaveProperty('workers');
    for (const bad of [['--workers'], ['--workers', '1'], ['--workers', '0'], ['--workers', '2.5'], ['--workers', 'many']]) {
      expect(() => parseChatCommandLine(bad), bad.join(' ')).toThrow(ChatError);
      expect(() => parseChatCommandLine(bad)).toThrow('--workers needs a number of processes, 2 or more, or auto');
    }
  });

  it('runs two workers on one port, each with its own room, and SIGTERM stops them all with code 0', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, [CLI, '--workers', '2', '--port', '0', '--no-web', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const announced = (): RegExpMatchArray[] => [...stdout.matchAll(/diesel-chat \(worker (\d), pid \d+\): line protocol on 127\.0\.0\.1:(\d+)/g)];
    for (let waited = 0; announced().length < 2; waited += 50) {
      if (waited > 60_000 || child.exitCode !== null) throw new Error(`no two workers announced; stdout: ${stdout}; stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const [one, two] = announced();
    expect([one![1], two![1]].sort()).toEqual(['1', '2']);
    expect(one![2]).toBe(two![2]); // one shared port
    const port = Number(one![2]);

    // Each join says who is in that client's room: four clients over two workers make two rooms.
    const rooms: string[] = [];
    const clients: LineClient[] = [];
    for (const nick of ['ann', 'bob', 'cyd', 'dee']) {
      const client = await LineClient.connect(port);
      client.send(nick);
      const line = (await client.until(`* ${nick} joined`)).find((l) => l.startsWith('* in the room: '));
      rooms.push(line ?? '');
      clients.push(client);
    }
    const last = new Set(rooms.at(-1)!.replace('* in the room: ', '').split(', '));
    expect(last.size, `rooms seen: ${JSON.stringify(rooms)}`).toBeLessThan(4);
    // Lines still reach the members of the speaker's own room.
    clients[3]!.send('hello');
    for (const [i, nick] of ['ann', 'bob', 'cyd'].entries()) if (last.has(nick)) await clients[i]!.until('dee: hello');

    process.kill(child.pid!, 'SIGTERM');
    expect(await exit).toBe(0);
    for (const client of clients) await client.rest(); // every connection was closed by its worker's halt
  });
});
