import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Application, Service, untilEol } from '@diesel/core';
import { readUntil } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PENDING_BYTES, JsonLinesOutput, LOGLVL_INFO, Logger, OutputBehind, type LogOutput } from '../src/index.js';
import { MemoryOutput, captureStderr, expectLines } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Reported {
  error: unknown;
  output: LogOutput;
  index: number;
}

function recorder(): { reports: Reported[]; onOutputError: (error: unknown, output: LogOutput, index: number) => void } {
  const reports: Reported[] = [];
  return { reports, onOutputError: (error, output, index) => reports.push({ error, output, index }) };
}

const throwing = {
  write(): never {
    throw new Error('disk on fire');
  },
};

describe('a failing output', () => {
  it('that throws: the call does not throw, the other outputs get every line, the failure is reported once and counted', () => {
    const good = new MemoryOutput();
    const { reports, onOutputError } = recorder();
    const logger = new Logger({ outputs: [throwing, good], onOutputError });
    for (let i = 0; i < 3; i++) expect(() => logger.error(`line ${i}`)).not.toThrow();
    expectLines(good.text, ['[TS] {error} line 0', '[TS] {error} line 1', '[TS] {error} line 2']);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.index).toBe(0);
    expect(reports[0]!.output).toBe(throwing);
    expect((reports[0]!.error as Error).message).toBe('disk on fire');
    expect(logger.failedWrites).toBe(3);
  });

  it('is reported once on stderr by default', async () => {
    const good = new MemoryOutput();
    const logger = new Logger({ outputs: [good, throwing] });
    const stderr = await captureStderr(() => {
      logger.warn('one');
      logger.warn('two');
    });
    expectLines(stderr, [
      '[TS] {log:error} output 1 (Object) failed: Error: disk on fire; its later problems are counted (logger.failedWrites, logger.droppedLines), not reported',
    ]);
    expectLines(good.text, ['[TS] {warn} one', '[TS] {warn} two']);
  });

  it('a reporter that throws is swallowed too', () => {
    const logger = new Logger({
      outputs: throwing,
      onOutputError: () => {
        throw new Error('reporter down');
      },
    });
    expect(() => logger.critical('x')).not.toThrow();
    expect(logger.failedWrites).toBe(1);
  });

  it('that returns a rejected promise is counted, not an unhandled rejection', async () => {
    const { reports, onOutputError } = recorder();
    const logger = new Logger({ outputs: { write: async () => Promise.reject(new Error('async nope')) }, onOutputError });
    logger.warn('a');
    logger.warn('b');
    await new Promise((resolve) => setImmediate(resolve));
    expect(logger.failedWrites).toBe(2);
    expect(reports.map((r) => (r.error as Error).message)).toEqual(['async nope']);
  });

  it('a record output that throws is handled the same way', () => {
    const good = new MemoryOutput();
    const { reports, onOutputError } = recorder();
    const logger = new Logger({
      outputs: [
        {
          writeRecord() {
            throw new Error('record sink down');
          },
        },
        good,
      ],
      onOutputError,
    });
    logger.warn('still here');
    expectLines(good.text, ['[TS] {warn} still here']);
    expect(reports).toHaveLength(1);
  });

  it('a destroyed file stream: skipped, counted, no uncaught error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diesel-log-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const stream = fs.createWriteStream(path.join(dir, 'app.log'));
    await new Promise((resolve) => stream.once('open', resolve));
    stream.destroy();
    await new Promise<void>((resolve) => stream.once('close', () => resolve()));
    const good = new MemoryOutput();
    const { reports, onOutputError } = recorder();
    const logger = new Logger({ outputs: [stream, good], onOutputError });
    logger.warn('after close');
    logger.error('again');
    await new Promise((resolve) => setImmediate(resolve));
    expectLines(good.text, ['[TS] {warn} after close', '[TS] {error} again']);
    expect(logger.failedWrites).toBe(2);
    expect(reports).toHaveLength(1);
    expect((reports[0]!.error as Error).message).toMatch(/closed/);
  });

  it('an ended stream is not written to (that would emit "write after end")', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
    const logger = new Logger({ outputs: sink, onOutputError: () => {} });
    logger.warn('before');
    sink.end();
    logger.warn('after');
    await new Promise((resolve) => sink.once('finish', resolve));
    expect(chunks).toHaveLength(1);
    expectLines(chunks.join(''), ['[TS] {warn} before']);
    expect(logger.failedWrites).toBe(1);
  });

  it('a stream that emits "error" (an asynchronous write failure) does not crash the process', async () => {
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        setImmediate(() => callback(new Error('EIO: i/o error')));
      },
    });
    const good = new MemoryOutput();
    const { reports, onOutputError } = recorder();
    const logger = new Logger({ outputs: [new JsonLinesOutput(broken), good], onOutputError });
    logger.warn('first');
    await new Promise((resolve) => broken.once('close', resolve));
    logger.warn('second'); // the stream is destroyed now: skipped
    expectLines(good.text, ['[TS] {warn} first', '[TS] {warn} second']);
    expect(reports).toHaveLength(1);
    expect((reports[0]!.error as Error).message).toBe('EIO: i/o error');
    expect(logger.failedWrites).toBe(2);
  });

  it('several loggers on one stream each learn of its error, with one listener on the stream, added at the first write', async () => {
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('gone'));
      },
    });
    const a = recorder();
    const b = recorder();
    const first = new Logger({ outputs: broken, onOutputError: a.onOutputError });
    const second = new Logger({ outputs: broken, onOutputError: b.onOutputError });
    expect(broken.listenerCount('error')).toBe(0); // creating a logger changes nothing on its streams
    first.warn('x');
    second.warn('y');
    expect(broken.listenerCount('error')).toBe(1);
    await new Promise((resolve) => broken.once('close', resolve));
    expect(a.reports).toHaveLength(1);
    expect(b.reports).toHaveLength(1);
  });

  it('a socket whose peer went away: writes fail quietly, the other outputs carry on', async () => {
    const server = net.createServer();
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const peer = await accepted;
    const good = new MemoryOutput();
    const { reports, onOutputError } = recorder();
    const logger = new Logger({ outputs: [socket, good], onOutputError });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    peer.resetAndDestroy(); // RST: the next writes fail with EPIPE/ECONNRESET
    // Keep logging until the socket notices; each call must return normally.
    let i = 0;
    while (!socket.destroyed) {
      logger.warn(`line ${i++}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closed;
    logger.warn('after close');
    expect(good.chunks).toHaveLength(i + 1);
    expect(good.chunks.at(-1)).toMatch(/\{warn\} after close\n$/);
    expect(reports).toHaveLength(1);
    expect(logger.failedWrites).toBeGreaterThanOrEqual(2);
  });

  it('a stream that falls more than maxPendingBytes behind is skipped until it drains: memory stays bounded', async () => {
    let stalled = true;
    let release = (): void => {};
    const written: string[] = [];
    const stuck = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk.toString());
        if (stalled) release = callback; // the reader is stalled until the test lets it go
        else callback();
      },
    });
    const good = new MemoryOutput();
    const { reports, onOutputError } = recorder();
    const logger = new Logger({ outputs: [stuck, good], maxPendingBytes: 1000, onOutputError });
    const line = 'x'.repeat(100);
    for (let i = 0; i < 50; i++) logger.warn(line);
    expect(good.chunks).toHaveLength(50);
    // ~130-byte lines: the stream holds about 1000 bytes plus one line, the rest is dropped.
    expect(stuck.writableLength).toBeLessThan(1000 + 200);
    expect(logger.droppedLines).toBeGreaterThan(35);
    expect(logger.failedWrites).toBe(0);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.error).toBeInstanceOf(OutputBehind);
    expect((reports[0]!.error as OutputBehind).code).toBe('DIESEL_ERR_LOG_OUTPUT_BEHIND');
    // Let it drain; lines flow again.
    const drained = new Promise<void>((resolve) => stuck.once('drain', () => resolve()));
    stalled = false;
    release();
    await drained;
    const dropped = logger.droppedLines;
    logger.warn('after drain');
    expect(logger.droppedLines).toBe(dropped);
    expect(written.at(-1)).toMatch(/\{warn\} after drain\n$/);
    expect(DEFAULT_MAX_PENDING_BYTES).toBe(8 * 1024 * 1024);
    stuck.destroy();
  });

  it('an output that logs to its own logger does not recurse: the nested line is dropped and counted', () => {
    const good = new MemoryOutput();
    const logger: Logger = new Logger({
      outputs: [
        {
          write(line: string) {
            if (line.includes('trigger')) logger.error('from inside the output');
          },
        },
        good,
      ],
    });
    logger.warn('trigger');
    logger.warn(() => {
      logger.error('from inside a lazy message');
      return 'lazy';
    });
    expectLines(good.text, ['[TS] {warn} trigger', '[TS] {warn} lazy']);
    expect(logger.droppedLines).toBe(2);
    expect(logger.failedWrites).toBe(0);
  });

  it('never stops an Application: a handler error is still logged to the working output and the service keeps serving', async () => {
    const good = new MemoryOutput();
    const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: [throwing, good], onOutputError: () => {} });
    function* handler() {
      const line = (yield* untilEol()).trim();
      if (line === 'boom') throw new Error('boom');
      yield `ok ${line}\n`;
    }
    const app = new Application({ logger });
    const service = new Service(handler, { port: 0, host: '127.0.0.1', name: 'svc' });
    app.addService(service);
    await app.start();
    cleanups.push(() => app.halt());
    const a = net.connect(service.port, '127.0.0.1');
    cleanups.push(() => a.destroy());
    const closed = new Promise((resolve) => a.once('close', resolve));
    a.on('error', () => {});
    a.write('boom\n');
    await closed;
    const b = net.connect(service.port, '127.0.0.1');
    cleanups.push(() => b.destroy());
    b.write('hello\n');
    expect(await readUntil(b, '\n')).toBe('ok hello\n');
    expect(good.text).toMatch(/\{error\} svc: handler for 127\.0\.0\.1:\d+ failed: Error: boom/);
    expect(logger.failedWrites).toBeGreaterThanOrEqual(2);
  });
});
