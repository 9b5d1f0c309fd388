import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatError, parseChatCommandLine } from '../src/index.js';
import { LineClient, cleanup } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  cleanup();
});

function start(args: string[]): { child: ChildProcess; output: Promise<string>; exit: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` in packages/chat before the tests`);
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const output = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (/line protocol on .*\n/.test(stdout) && (args.includes('--no-web') || /chat page on .*\n/.test(stdout))) resolve(stdout);
    });
    child.once('exit', () => reject(new Error(`diesel-chat exited early; stdout: ${stdout}; stderr: ${stderr}`)));
  });
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  output.catch(() => {});
  return { child, output, exit };
}

describe('diesel-chat (child process)', () => {
  it('serves the line protocol and the page, in one room, and stops on SIGTERM', async () => {
    const { child, output, exit } = start(['--port', '0', '--web-port', '0', '--host', '127.0.0.1']);
    const text = await output;
    const tcp = Number(/line protocol on 127\.0\.0\.1:(\d+)/.exec(text)![1]);
    const web = Number(/chat page on http:\/\/127\.0\.0\.1:(\d+)\//.exec(text)![1]);
    const alice = await LineClient.join(tcp, 'alice');
    const bob = await LineClient.join(tcp, 'bob');
    alice.send('hello');
    await bob.until('alice: hello');
    const page = await fetch(`http://127.0.0.1:${web}/`);
    expect(await page.text()).toContain('<title>diesel chat</title>');
    child.kill('SIGTERM');
    expect((await exit).code).toBe(0);
    expect(await alice.rest()).toContain('alice: hello');
  });

  it('--no-web serves only TCP', async () => {
    const { output } = start(['--port=0', '--no-web', '--host', '127.0.0.1']);
    const text = await output;
    expect(text).not.toContain('chat page');
    const tcp = Number(/line protocol on 127\.0\.0\.1:(\d+)/.exec(text)![1]);
    expect(await (await LineClient.join(tcp, 'solo')).next()).toBe('* in the room: solo');
  });

  it('exits 2 with usage on a bad command line', async () => {
    const { exit } = start(['--port', 'eighty']);
    const result = await exit;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port needs a port from 0 to 65535');
    expect(result.stderr).toContain('usage: diesel-chat');
  });
});

/** Runs a script of the workspace root's package.json (how a contributor runs our CLIs). */
function rootScript(name: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const child = spawn('npm', ['run', '--silent', name, '--', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('diesel-chat --help', () => {
  it('prints the usage on stdout and exits 0, run directly and through the root script', async () => {
    const direct = await start(['--help']).exit;
    expect(direct.code).toBe(0);
    expect(direct.stdout).toMatch(/^usage: diesel-chat /);
    expect(direct.stdout).toContain('--web-port M');
    const viaRoot = await rootScript('diesel-chat', ['--help']);
    expect(viaRoot.code).toBe(0);
    expect(viaRoot.stdout).toBe(direct.stdout);
  }, 60_000);
});

describe('parseChatCommandLine', () => {
  it('has defaults and reads every flag', () => {
    expect(parseChatCommandLine([])).toEqual({ port: 8001, webPort: 8088, host: undefined, origins: [] });
    expect(parseChatCommandLine(['--port', '1', '--web-port=2', '--host', '::1', '--origin', 'https://a.example', '--origin', '*'])).toEqual({
      port: 1,
      webPort: 2,
      host: '::1',
      origins: ['https://a.example', '*'],
    });
    expect(parseChatCommandLine(['--no-web'])?.webPort).toBeNull();
    expect(parseChatCommandLine(['-h'])).toBeNull();
    expect(parseChatCommandLine(['--redis', 'redis://127.0.0.1:6379', '--room=ops'])).toMatchObject({ redis: 'redis://127.0.0.1:6379', room: 'ops' });
  });

  it('rejects bad input with DIESEL_ERR_CHAT_USAGE', () => {
    for (const bad of [['--port'], ['--port', '70000'], ['--web-port', 'x'], ['--origin', 'evil.example'], ['--host', ''], ['extra'], ['--redis'], ['--redis', 'http://x'], ['--room', 'a b']]) {
      let error: unknown = null;
      try {
        parseChatCommandLine(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad.join(' ')).toBeInstanceOf(ChatError);
      expect((error as ChatError).code).toBe('DIESEL_ERR_CHAT_USAGE');
    }
  });
});
