import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonLinesOutput, LOGLVL_DEBUG, LOGLVL_INFO, Logger, type LogRecord } from '../src/index.js';
import { MemoryOutput, expectLines } from './helpers.js';

const TIME = Date.UTC(2009, 8, 20, 19, 55, 22, 123);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diesel-log-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

describe('JSON lines', () => {
  it('jsonLines: true makes every plain output write JSON lines', () => {
    const a = new MemoryOutput();
    const b = new MemoryOutput();
    const logger = new Logger({ verbosity: LOGLVL_INFO, jsonLines: true, outputs: [a, b], now: () => TIME });
    logger.info('ready');
    logger.getSublogger('http').warn('slow client');
    logger.debug('hidden');
    expect(a.chunks).toEqual([
      '{"time":"2009-09-20T19:55:22.123Z","level":"info","msg":"ready"}\n',
      '{"time":"2009-09-20T19:55:22.123Z","level":"warn","name":"http","msg":"slow client"}\n',
    ]);
    expect(b.chunks).toEqual(a.chunks);
  });

  it('JsonLinesOutput mixes a JSON output with text outputs in one logger', () => {
    const text = new MemoryOutput();
    const json = new MemoryOutput();
    const logger = new Logger({ verbosity: LOGLVL_DEBUG, outputs: [text, new JsonLinesOutput(json)], now: () => TIME });
    logger.getSublogger('db').debug('SELECT 1');
    expectLines(text.text, ['[TS] {db:debug} SELECT 1']);
    expect(json.chunks.map((line) => JSON.parse(line))).toEqual([{ time: '2009-09-20T19:55:22.123Z', level: 'debug', name: 'db', msg: 'SELECT 1' }]);
  });

  it('JsonLinesOutput needs a target with write', () => {
    expect(() => new Logger({ outputs: new JsonLinesOutput({} as never) })).toThrow(/JsonLinesOutput's target/);
  });

  it('writes JSON lines that a shipper can parse line by line from a real file', async () => {
    const file = tempFile('app.jsonl');
    const stream = fs.createWriteStream(file);
    const logger = new Logger({ verbosity: LOGLVL_DEBUG, jsonLines: true, outputs: stream });
    const messages = ['plain', 'with\nnewline', 'quote " and backslash \\', 'tab\tand ünïcødé'];
    for (const message of messages) logger.getSublogger('ship').info(message);
    stream.end();
    await finished(stream);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(messages);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: 'info', name: 'ship' });
  });
});

describe('record outputs', () => {
  it('get the structured record, sub-logger name and all', () => {
    const records: LogRecord[] = [];
    const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: { writeRecord: (record: LogRecord) => records.push(record) }, now: () => TIME });
    logger.info('one');
    logger.getSublogger('http').error(() => 'two');
    expect(records).toEqual([
      { time: TIME, level: LOGLVL_INFO, name: null, message: 'one' },
      { time: TIME, level: 3, name: 'http', message: 'two' },
    ]);
  });
});

describe('stream outputs', () => {
  it('a file stream gets every line, in order', async () => {
    const file = tempFile('app.log');
    const stream = fs.createWriteStream(file);
    const logger = new Logger({ verbosity: LOGLVL_DEBUG, outputs: stream });
    for (let i = 0; i < 1000; i++) logger.debug(`line ${i}`);
    stream.end();
    await finished(stream);
    const expected = Array.from({ length: 1000 }, (_, i) => `[TS] {debug} line ${i}`);
    expectLines(fs.readFileSync(file, 'utf8'), expected);
    expect(logger.failedWrites).toBe(0);
  });

  it('a TCP socket works as an output (lines arrive at the peer)', async () => {
    const server = net.createServer();
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const peer = await accepted;
    cleanups.push(() => peer.destroy());
    const received: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise((resolve) => peer.once('end', resolve));
    const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: socket });
    logger.getSublogger('net').info('over the wire');
    logger.warn('and again');
    socket.end();
    await ended;
    expectLines(Buffer.concat(received).toString('utf8'), ['[TS] {net:info} over the wire', '[TS] {warn} and again']);
    expect(logger.failedWrites).toBe(0);
  });
});
