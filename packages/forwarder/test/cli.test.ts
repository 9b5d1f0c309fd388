import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, collect, deadPort, dial, echoServer } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  await cleanup();
});

function requireBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` in packages/forwarder before the tests`);
}

function requireTool(name: string): void {
  try {
    execFileSync('which', [name], { stdio: 'ignore' });
  } catch {
    throw new Error(`this test needs '${name}' on the PATH (apt-get install ${name}); it is not installed`);
  }
}

interface Running {
  child: ChildProcess;
  port: number;
  /** Everything printed on stdout so far. */
  output(): string;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string | RegExp): Promise<string>;
}

async function startCli(args: string[]): Promise<Running> {
  requireBuilt();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const watchers: (() => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const watcher of [...watchers]) watcher();
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const waitFor = (text: string | RegExp): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (typeof text === 'string' ? out.includes(text) : text.test(out)) {
          watchers.splice(watchers.indexOf(check), 1);
          child.off('exit', onExit);
          resolve(out);
        }
      };
      const onExit = (): void => reject(new Error(`diesel-forward exited before printing ${String(text)}; stdout: ${out}; stderr: ${err}`));
      child.once('exit', onExit);
      watchers.push(check);
      check();
    });
  const banner = await waitFor(/listening on 127\.0\.0\.1:(\d+)/);
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(banner)![1]);
  return { child, port, output: () => out, waitFor };
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireBuilt();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('diesel-forward (child process)', () => {
  it('forwards socat traffic to an echo server and logs one line per connection', async () => {
    requireTool('socat');
    const echo = await echoServer();
    const cli = await startCli(['--log', '127.0.0.1:0', `127.0.0.1:${echo.port}`]);
    const reply = await new Promise<string>((resolve, reject) => {
      const socat = spawn('socat', ['-t', '5', '-', `TCP:127.0.0.1:${cli.port}`], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      socat.stdout.on('data', (c: Buffer) => (out += c.toString()));
      socat.once('error', reject);
      socat.once('close', () => resolve(out));
      socat.stdin.end('hello through socat\n');
    });
    expect(reply).toBe('hello through socat\n');
    const log = await cli.waitFor(' closed after ');
    expect(log).toMatch(/^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] #1 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ connected$/m);
    expect(log).toMatch(/#1 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ closed after [\d.]+ s: 20 bytes up, 20 bytes down$/m);
  });

  it('forwards node:net traffic and, with --hexdump, logs the bytes', async () => {
    const echo = await echoServer();
    const cli = await startCli(['--hexdump', '127.0.0.1:0', `127.0.0.1:${echo.port}`]);
    const client = await dial(cli.port);
    const received = collect(client);
    client.end('GET / HTTP/1.1\r\n');
    expect((await received).data.toString()).toBe('GET / HTTP/1.1\r\n');
    const log = await cli.waitFor(' closed after ');
    expect(log).toContain('#1 client -> target, 16 bytes at 0:\n00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|');
    expect(log).toContain('#1 target -> client, 16 bytes at 0:');
  });

  it('reports a refused target on stderr even without --log, and keeps serving', async () => {
    const target = await deadPort();
    requireBuilt();
    const child = spawn(process.execPath, [CLI, '127.0.0.1:0', `127.0.0.1:${target}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const refused = new Promise<void>((resolve) => child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes(' refused: ')) resolve();
    }));
    while (!/listening on 127\.0\.0\.1:\d+/.test(out)) await new Promise((r) => child.stdout.once('data', r));
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)![1]);
    for (let i = 0; i < 2; i++) {
      const client = await dial(port);
      const done = collect(client);
      client.end();
      expect((await done).data.length).toBe(0);
    }
    await refused;
    expect(err).toContain(`refused: cannot reach 127.0.0.1:${target}`);
  });

  it('stops cleanly on SIGTERM', async () => {
    const echo = await echoServer();
    const cli = await startCli(['127.0.0.1:0', `127.0.0.1:${echo.port}`]);
    const exited = new Promise<number | null>((resolve) => cli.child.once('exit', (code) => resolve(code)));
    cli.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('prints usage and exits 2 on a bad command line, 0 on --help', async () => {
    const bad = await run(['8080']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected LISTEN and TARGET');
    expect(bad.stderr).toContain('usage: diesel-forward');
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: diesel-forward');
  });

  it('--help through the workspace root script prints the same usage and exits 0', async () => {
    const direct = await run(['--help']);
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const viaRoot = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn('npm', ['run', '--silent', 'diesel-forward', '--', '--help'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.once('close', (code) => resolve({ code, stdout }));
    });
    expect(viaRoot.code).toBe(0);
    expect(viaRoot.stdout).toMatch(/^usage: diesel-forward /);
    expect(viaRoot.stdout).toBe(direct.stdout);
  }, 60_000);

  it('exits 1 with the address when it cannot listen', async () => {
    const echo = await echoServer();
    const result = await run([`127.0.0.1:${echo.port}`, `127.0.0.1:${echo.port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${echo.port}`);
  });
});
