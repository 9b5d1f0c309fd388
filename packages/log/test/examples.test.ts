import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { readUntil } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../examples/app-logging.js';
import { main as globalLog } from '../examples/global-log.js';
import { main as jsonLines } from '../examples/json-lines.js';
import { main as multipleOutputs } from '../examples/multiple-outputs.js';
import { main as pinoAdapter } from '../examples/pino-adapter.js';
import { main as sublogger } from '../examples/sublogger.js';
import { MemoryOutput, captureStdout, expectLines } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('examples, output compared line by line', () => {
  it('global-log: only the critical line', async () => {
    expectLines(await captureStdout(globalLog), ['[TS] {critical} CRAP!!!']);
  });

  it('multiple-outputs: every line on stdout and in the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diesel-log-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'app.log');
    const expected = [
      '[TS] {debug} reading configuration',
      '[TS] {info} configuration loaded: 3 services',
      '[TS] {warn} no TLS certificate given, serving plain TCP',
    ];
    const stdout = await captureStdout(() => multipleOutputs(file));
    expectLines(stdout, expected);
    expect(fs.readFileSync(file, 'utf8')).toBe(stdout);
  });

  it('sublogger: only the http part is verbose', async () => {
    expectLines(await captureStdout(sublogger), ['[TS] {http:info} GET / Host=localhost:8088', '[TS] {warn} cache is cold', '[TS] {http:warn} GET /missing 404']);
  });

  it('json-lines: one parseable object per line', () => {
    const out = new MemoryOutput();
    jsonLines(out);
    const lines = out.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    const records = lines.map((line) => JSON.parse(line) as Record<string, string>);
    for (const record of records) expect(record.time).toMatch(iso);
    expect(records.map(({ time: _time, ...rest }) => rest)).toEqual([
      { level: 'info', msg: 'ready' },
      { level: 'info', name: 'http', msg: 'GET / 200' },
      { level: 'error', name: 'http', msg: 'GET /boom 500\nError: boom' },
    ]);
  });

  it('pino-adapter: pino records with pino levels', () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
    pinoAdapter(destination);
    const records = chunks.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => [r.level, r.name, r.msg])).toEqual([
      [30, undefined, 'ready'],
      [30, 'http', 'GET / 200'],
      [60, undefined, 'disk full'],
    ]);
  });

  it('app-logging: the handler error is logged and the service keeps serving (real sockets)', async () => {
    const out = new MemoryOutput();
    const { app, service } = createApp({ port: 0, outputs: out });
    await app.start();
    cleanups.push(() => app.halt());
    const port = service.port;

    const first = net.connect(port, '127.0.0.1');
    first.on('error', () => {});
    cleanups.push(() => first.destroy());
    first.write('hello\n');
    expect(await readUntil(first, '\r\n')).toBe('ok hello\r\n');
    const firstPort = String(first.localPort); // read while connected: a closed socket forgets it
    const closed = new Promise((resolve) => first.once('close', resolve));
    first.write('boom\n');
    await closed;

    const second = net.connect(port, '127.0.0.1');
    cleanups.push(() => second.destroy());
    second.write('again\n');
    expect(await readUntil(second, '\r\n')).toBe('ok again\r\n');
    const secondPort = String(second.localPort);

    // The stack trace lines of the error (however many) follow its line; compare the rest exactly.
    const lines = out.text.replace(/\n$/, '').split('\n');
    const stack = lines.filter((line) => /^\s+at /.test(line));
    expect(stack.length).toBeGreaterThan(0);
    expectLines(lines.filter((line) => !stack.includes(line)).join('\n'), [
      '[TS] {info} Starting diesel application',
      `[TS] {info} commands listening on 127.0.0.1:${port}`,
      `[TS] {commands:info} 127.0.0.1:${firstPort} says hello`,
      `[TS] {error} commands: handler for 127.0.0.1:${firstPort} failed: Error: boom`,
      `[TS] {commands:info} 127.0.0.1:${secondPort} says again`,
    ]);
    expect(lines[4]).toMatch(/^\s+at /); // the stack follows the error line directly
  });
});
