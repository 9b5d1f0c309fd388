/**
 * Tests the examples the way a user runs them: compiled by `tsc -p
 * tsconfig.examples.json` into examples-dist/ (TypeScript lowers the standard `@call`
 * decorator for Node 20), then imported, or run with plain node.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Application, Loop, run, type Service } from '@diesel/core';
import { createEchoApp } from '../examples/echo.js';

type EchoClientModule = typeof import('../examples/echo-client.js');

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const examplesDist = new URL('../examples-dist/', import.meta.url);

let compiled: EchoClientModule;
let app: Application;
let service: Service;

beforeAll(async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.examples.json'], { cwd: packageDir });
  compiled = (await import(new URL('echo-client.js', examplesDist).href)) as EchoClientModule;
  ({ app, service } = createEchoApp(0, '127.0.0.1'));
  await app.start();
}, 180_000);

afterAll(() => app?.halt());

describe('example: the echo client (@call), against the echo service over TCP', () => {
  it('makes 5000 calls through @call; every reply is right and in order', async () => {
    const replies: string[] = [];
    const result = await run(compiled.echoLoop('127.0.0.1', service.port, 5000, (_i, reply) => replies.push(reply)));
    expect(result.calls).toBe(5000);
    expect(replies).toHaveLength(5000);
    replies.forEach((reply, i) => {
      if (reply !== `you said: hello, world #${i}!\r\n`) expect.fail(`reply ${i} was ${JSON.stringify(reply)}`);
    });
  });

  it('two routines sharing one client take turns: @call never interleaves their requests', async () => {
    const client = new compiled.EchoClient();
    const got: Record<string, string[]> = { a: [], b: [] };
    const caller = new Application();
    try {
      const done = new Promise<void>((resolve, reject) => {
        let finished = 0;
        function* talk(name: string) {
          try {
            for (let i = 0; i < 200; i++) got[name]!.push(yield* client.echo(`${name}${i}`));
            if (++finished === 2) resolve();
          } catch (error) {
            reject(error);
          }
        }
        caller.addLoop(
          new Loop(function* connectThenTalk() {
            try {
              yield* client.connect('127.0.0.1', service.port);
            } catch (error) {
              reject(error);
              return;
            }
            yield new Loop(talk, 'a');
            yield new Loop(talk, 'b');
          }),
        );
      });
      await caller.start();
      await done;
    } finally {
      client.close();
      caller.halt();
    }
    for (const name of ['a', 'b']) {
      expect(got[name]).toEqual(Array.from({ length: 200 }, (_, i) => `you said: ${name}${i}\r\n`));
    }
  });

  it('a refused connect is thrown into the routine as ConnectError', async () => {
    const closedPort = await freePort();
    await expect(run(compiled.echoLoop('127.0.0.1', closedPort, 1))).rejects.toMatchObject({ code: 'DIESEL_ERR_CONNECT' });
  });
});

describe('the examples run with plain node once compiled', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  function start(script: string, args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [fileURLToPath(new URL(script, examplesDist)), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => text, exited };
  }

  async function printed(output: () => string, pattern: RegExp, exited: Promise<unknown>): Promise<RegExpMatchArray> {
    let gone = false;
    void exited.then(() => (gone = true));
    for (;;) {
      const match = output().match(pattern);
      if (match !== null) return match;
      if (gone) throw new Error(`exited without printing ${pattern}; output: ${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('echo.js serves, echo-client.js talks to it and exits 0, and Ctrl-C stops the service cleanly', async () => {
    const echo = start('echo.js', ['0']);
    const [, port] = await printed(echo.output, /listening on port (\d+)/, echo.exited);
    const client = start('echo-client.js', ['127.0.0.1', port!, '300']);
    expect(await client.exited).toBe(0);
    expect(client.output()).toMatch(/^300 loops in \d+\.\d\ds\n$/);
    echo.child.kill('SIGINT');
    expect(await echo.exited).toBe(0);
  });

  it('echo-client.js reports a refused connection and exits 1', async () => {
    const client = start('echo-client.js', ['127.0.0.1', String(await freePort()), '10']);
    expect(await client.exited).toBe(1);
    expect(client.output()).toMatch(/echo client failed: cannot connect to 127\.0\.0\.1:\d+/);
  });

  it('print-loops.js prints from both loops and stops on Ctrl-C', async () => {
    const loops = start('print-loops.js', []);
    await printed(loops.output, /every-second loop[\s\S]*every-two-seconds loop/, loops.exited);
    loops.child.kill('SIGINT');
    expect(await loops.exited).toBe(0);
  });

});

/** A port nothing listens on: bind one, note it, close it. */
async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}
