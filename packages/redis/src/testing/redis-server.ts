/**
 * Test helper (`@diesel/redis/testing`): a real `redis-server` on a free loopback port, with no persistence, in a
 * temporary folder; and `redis-cli` against it. Redis cannot listen on port 0, so a free
 * port is found by binding node:net to 0 first, and the start is retried if another
 * process takes the port in between.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A running `redis-server` started by {@link startRedis}.
 * @example
 * const server = await startRedis();
 * console.log(await server.cli('PING')); // PONG
 * await server.stop();
 */
export interface RedisServer {
  port: number;
  url: string;
  /** The server process's pid (a new one after `restart()`), e.g. to read its CPU time from /proc. */
  readonly pid: number;
  /** Runs `redis-cli` with `args` against this server; its stdout, trimmed of the final newline. */
  cli(...args: string[]): Promise<string>;
  /** SIGKILL: the server vanishes mid-conversation. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `kill`), with the same arguments. */
  restart(): Promise<void>;
  /** Stops it (SIGTERM) and removes its folder. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * PEM files for a TLS-only server (`rediss://`): the plain port is turned off.
 * @example
 * const server = await startRedis([], { cert: 'server.pem', key: 'server-key.pem', ca: 'ca.pem' });
 */
export interface RedisTlsFiles {
  cert: string;
  key: string;
  ca: string;
}

function launch(port: number, dir: string, extra: string[], tls?: RedisTlsFiles): Promise<{ child: ChildProcess; ready: boolean; output: string }> {
  const listen = tls === undefined ? ['--port', String(port)] : ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no'];
  const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', '', ...extra];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // A test that hangs past its timeout never reaches stop(): the server must not outlive the worker.
  const reap = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let output = '';
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      resolve({ child, ready, output });
    };
    const timer = setTimeout(() => done(false), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) done(true);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => done(false));
    child.once('error', (error) => {
      output += String(error);
      done(false);
    });
  });
}

/**
 * Starts redis-server on a free loopback port, in a temporary folder, without
 * persistence; `extra` are more `--option value` arguments (e.g. `--requirepass`).
 * Rejects with the server's output if it does not start. The server is killed when this
 * process exits, should `stop()` never be called.
 * @example
 * const server = await startRedis(['--requirepass', 'secret']);
 * const redis = new RedisClient({ url: server.url, password: 'secret' });
 */
export async function startRedis(extra: string[] = [], tls?: RedisTlsFiles): Promise<RedisServer> {
  let lastOutput = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'diesel-redis-'));
    const launched = await launch(port, dir, extra, tls);
    let child = launched.child;
    const { ready, output } = launched;
    if (ready) {
      child.stdout!.resume();
      child.stderr!.resume();
      const cli = async (...args: string[]): Promise<string> => {
        const secure = tls === undefined ? [] : ['--tls', '--cacert', tls.ca];
        const { stdout } = await promisify(execFile)('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...secure, ...args]);
        return stdout.replace(/\n$/, '');
      };
      return {
        port,
        url: `${tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${port}`,
        cli,
        get pid() {
          return child.pid ?? 0;
        },
        async kill() {
          child.kill('SIGKILL');
          await exited(child);
        },
        async restart() {
          const next = await launch(port, dir, extra, tls);
          if (!next.ready) throw new Error(`redis-server did not restart: ${next.output.slice(-2000)}`);
          child = next.child;
          child.stdout!.resume();
          child.stderr!.resume();
        },
        async stop() {
          child.kill('SIGTERM');
          await exited(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
    await exited(child);
    rmSync(dir, { recursive: true, force: true });
    lastOutput = output;
    if (!/address already in use/i.test(output)) break;
  }
  throw new Error(`redis-server did not start: ${lastOutput.slice(-2000)}`);
}
