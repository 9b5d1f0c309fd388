import net from 'node:net';
import { Writable } from 'node:stream';
import { Application, Loop, Service, sleep, untilEol, type RemoteAddress } from '@diesel/core';
import { readUntil } from '@diesel/core/testing';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LOGLVL_DEBUG, LOGLVL_INFO, LOGLVL_WARN, Logger, toPino } from '../src/index.js';
import { MemoryOutput, expectLines } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function* echo(_remote: RemoteAddress) {
  while (true) {
    const line = (yield* untilEol()).trim();
    if (line === 'boom') throw new Error('boom');
    yield `echo ${line}\n`;
  }
}

async function startApp(logger: Logger, name = 'echo'): Promise<{ app: Application; port: number }> {
  const app = new Application({ logger });
  const service = new Service(echo, { port: 0, host: '127.0.0.1', name });
  app.addService(service);
  await app.start();
  cleanups.push(() => app.halt());
  return { app, port: service.port };
}

function connect(port: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  cleanups.push(() => socket.destroy());
  return socket;
}

/** Sends `boom`, waits for the server to close that connection. */
async function crashOne(port: number): Promise<void> {
  const socket = connect(port);
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write('boom\n');
  await closed;
}

describe("core's messages go through the Logger", () => {
  it('at LOGLVL_INFO: the service listening line', async () => {
    const out = new MemoryOutput();
    const { port } = await startApp(new Logger({ verbosity: LOGLVL_INFO, outputs: out }));
    expectLines(out.text, ['[TS] {info} Starting diesel application', `[TS] {info} echo listening on 127.0.0.1:${port}`]);
  });

  it('at the default LOGLVL_WARN: quiet until something fails', async () => {
    const out = new MemoryOutput();
    await startApp(new Logger({ verbosity: LOGLVL_WARN, outputs: out }));
    expect(out.text).toBe('');
  });

  it('a handler that throws is logged at {error} with its stack, and the service keeps serving', async () => {
    const out = new MemoryOutput();
    const { port } = await startApp(new Logger({ verbosity: LOGLVL_WARN, outputs: out }));
    await crashOne(port);
    const socket = connect(port);
    socket.write('still there?\n');
    expect(await readUntil(socket, '\n')).toBe('echo still there?\n');
    const lines = out.text.split('\n');
    expect(lines[0]).toMatch(/^\[.{24}\] \{error\} echo: handler for 127\.0\.0\.1:\d+ failed: Error: boom$/);
    expect(lines[1]).toMatch(/^\s+at /);
  });

  it('a sub-logger as the application logger tags core lines with its name', async () => {
    const out = new MemoryOutput();
    const root = new Logger({ verbosity: LOGLVL_WARN, outputs: out });
    const { port } = await startApp(root.getSublogger('diesel', LOGLVL_DEBUG));
    const socket = connect(port);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('hi\n');
    expect(await readUntil(socket, '\n')).toBe('echo hi\n');
    socket.end();
    await closed;
    // The disconnect line is written when the server side notices; wait for it.
    await out.waitFor('disconnected');
    expectLines(out.text, ['[TS] {diesel:info} Starting diesel application', `[TS] {diesel:info} echo listening on 127.0.0.1:${port}`, `[TS] {diesel:debug} echo: 127.0.0.1:<n> disconnected`]);
  });

  it('a failing loop is logged', async () => {
    const out = new MemoryOutput();
    const app = new Application({ logger: new Logger({ outputs: out }) });
    function* failing() {
      yield sleep(0);
      throw new Error('loop broke');
    }
    app.addLoop(new Loop(failing));
    await app.start();
    cleanups.push(() => app.halt());
    await out.waitFor('loop broke');
    expect(out.text).toMatch(/^\[.{24}\] \{error\} loop \S+ failed: Error: loop broke/);
  });

  it('routed to pino: core messages become pino records', async () => {
    const records: Record<string, unknown>[] = [];
    let arrived = (): void => {};
    const threeRecords = new Promise<void>((resolve) => (arrived = () => records.length >= 3 && resolve()));
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n')) if (line !== '') records.push(JSON.parse(line) as Record<string, unknown>);
        arrived();
        callback();
      },
    });
    const { port } = await startApp(new Logger({ verbosity: LOGLVL_INFO, outputs: toPino(pino(stream)) }).getSublogger('core'));
    await crashOne(port);
    await threeRecords;
    expect(records[0]).toMatchObject({ level: 30, name: 'core', msg: 'Starting diesel application' });
    expect(records[1]).toMatchObject({ level: 30, name: 'core', msg: `echo listening on 127.0.0.1:${port}` });
    expect(records[2]).toMatchObject({ level: 50, name: 'core' });
    expect(String(records[2]!.msg)).toMatch(/^echo: handler for 127\.0\.0\.1:\d+ failed: Error: boom\n\s+at /);
  });
});
