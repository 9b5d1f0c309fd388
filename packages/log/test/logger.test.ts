import { Application } from '@diesel/core';
import { describe, expect, it, vi } from 'vitest';
import {
  InvalidName,
  InvalidOutput,
  LEVEL_NAMES,
  LOGLVL_CRITICAL,
  LOGLVL_DEBUG,
  LOGLVL_ERR,
  LOGLVL_INFO,
  LOGLVL_WARN,
  Logger,
  log,
  type LogLevel,
} from '../src/index.js';
import { MemoryOutput, captureStdout, expectLines } from './helpers.js';

const LEVELS: LogLevel[] = [LOGLVL_DEBUG, LOGLVL_INFO, LOGLVL_WARN, LOGLVL_ERR, LOGLVL_CRITICAL];
const SEP_20_2009 = new Date(2009, 8, 20, 19, 55, 22).getTime();

function writeAll(logger: Logger): void {
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  logger.critical('c');
}

describe('Logger', () => {
  it('writes exactly the levels at or above its verbosity, for every verbosity', () => {
    for (const verbosity of LEVELS) {
      const out = new MemoryOutput();
      writeAll(new Logger({ verbosity, outputs: out }));
      const expected = LEVELS.filter((level) => level >= verbosity).map((level) => `[TS] {${LEVEL_NAMES[level]}} ${'diwec'[level]}`);
      expectLines(out.text, expected);
    }
  });

  it('log(level, message) filters the same way, and refuses a level that is not one', () => {
    const out = new MemoryOutput();
    const logger = new Logger({ verbosity: LOGLVL_ERR, outputs: out });
    for (const level of LEVELS) logger.log(level, `at ${level}`);
    expectLines(out.text, ['[TS] {error} at 3', '[TS] {critical} at 4']);
    expect(() => logger.log(Number.NaN as LogLevel, 'x')).toThrow(/not a log level/);
    expect(() => logger.log(-1 as LogLevel, 'x')).toThrow(/not a log level/);
  });

  it('rejects a negative maxPendingBytes', () => {
    expect(() => new Logger({ maxPendingBytes: -1 })).toThrow(expect.objectContaining({ code: 'DIESEL_ERR_LOG_INVALID_OPTION' }));
  });

  it('writes the exact diesel line with the time from now()', () => {
    const out = new MemoryOutput();
    new Logger({ outputs: out, now: () => SEP_20_2009 }).critical('CRAP!!!');
    expect(out.chunks).toEqual(['[Sun Sep 20 19:55:22 2009] {critical} CRAP!!!\n']);
  });

  it('defaults to warnings and worse, on process.stdout', async () => {
    const output = await captureStdout(() => writeAll(new Logger()));
    expectLines(output, ['[TS] {warn} w', '[TS] {error} e', '[TS] {critical} c']);
  });

  it('the global log writes warnings and worse to stdout', async () => {
    expect(log.verbosity).toBe(LOGLVL_WARN);
    const output = await captureStdout(() => writeAll(log));
    expectLines(output, ['[TS] {warn} w', '[TS] {error} e', '[TS] {critical} c']);
  });

  it('takes verbosity by name, and can change it at run time', () => {
    const out = new MemoryOutput();
    const logger = new Logger({ verbosity: 'error', outputs: out });
    expect(logger.verbosity).toBe(LOGLVL_ERR);
    logger.info('hidden');
    logger.verbosity = LOGLVL_DEBUG;
    logger.debug('shown');
    logger.verbosity = 'critical';
    logger.error('hidden');
    expectLines(out.text, ['[TS] {debug} shown']);
    expect(() => (logger.verbosity = 9 as LogLevel)).toThrow(/not a log level/);
  });

  it('level methods work detached (const { info } = logger) and fall silent if the verbosity is raised', () => {
    const out = new MemoryOutput();
    const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: out });
    const { info } = logger;
    info('detached');
    logger.verbosity = LOGLVL_ERR;
    info('hidden now');
    logger.verbosity = LOGLVL_DEBUG;
    logger.debug('through the logger');
    expectLines(out.text, ['[TS] {info} detached', '[TS] {debug} through the logger']);
  });

  it('isEnabled answers for each level', () => {
    const logger = new Logger({ verbosity: LOGLVL_WARN, outputs: [] });
    expect(LEVELS.map((level) => logger.isEnabled(level))).toEqual([false, false, true, true, true]);
  });

  it('writes each line to every output of a list, in order', () => {
    const a = new MemoryOutput();
    const b = new MemoryOutput();
    const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: [a, b] });
    logger.info('one');
    logger.warn('two');
    expectLines(a.text, ['[TS] {info} one', '[TS] {warn} two']);
    expect(b.chunks).toEqual(a.chunks);
  });

  it('an empty list of outputs logs nowhere and does not fail', () => {
    const logger = new Logger({ verbosity: LOGLVL_DEBUG, outputs: [] });
    writeAll(logger);
    expect(logger.failedWrites).toBe(0);
  });

  it('does nothing for a disabled level: no clock read, no formatting, no lazy message', () => {
    const now = vi.fn(() => SEP_20_2009);
    const write = vi.fn();
    const lazy = vi.fn(() => 'expensive');
    const logger = new Logger({ verbosity: LOGLVL_ERR, outputs: { write }, now });
    logger.debug(lazy);
    logger.info(lazy);
    logger.warn(lazy);
    logger.log(LOGLVL_DEBUG, lazy);
    expect(now).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
    expect(lazy).not.toHaveBeenCalled();
    logger.error(lazy);
    expect(lazy).toHaveBeenCalledTimes(1);
    expect(write).toHaveBeenCalledWith('[Sun Sep 20 19:55:22 2009] {error} expensive\n');
  });

  it('a lazy message that throws is logged as such instead of throwing', () => {
    const out = new MemoryOutput();
    const logger = new Logger({ outputs: out });
    expect(() =>
      logger.error(() => {
        throw new TypeError('bad state');
      }),
    ).not.toThrow();
    expectLines(out.text, ['[TS] {error} (the message function threw: TypeError: bad state)']);
  });

  it('a named root logger tags its lines', () => {
    const out = new MemoryOutput();
    new Logger({ name: 'worker', outputs: out }).warn('busy');
    expectLines(out.text, ['[TS] {worker:warn} busy']);
  });

  it('rejects outputs without write or writeRecord, with a coded error', () => {
    for (const bad of [{}, null, 'stdout', { write: 'no' }]) {
      expect(() => new Logger({ outputs: [new MemoryOutput(), bad as never] })).toThrow(InvalidOutput);
    }
    try {
      new Logger({ outputs: [{} as never] });
    } catch (error) {
      expect((error as InvalidOutput).code).toBe('DIESEL_ERR_LOG_INVALID_OUTPUT');
      expect((error as Error).message).toMatch(/output 0 \(Object\) has no write/);
    }
  });

  it('rejects a bad verbosity and a bad name', () => {
    expect(() => new Logger({ verbosity: 'loud' as never })).toThrow(/not a log level/);
    expect(() => new Logger({ name: 'a:b' })).toThrow(InvalidName);
  });

  it("implements core's DieselLogger, so Application accepts it", () => {
    const logger = new Logger({ outputs: [] });
    const app = new Application({ logger });
    expect(app.logger).toBe(logger);
  });
});

describe('getSublogger', () => {
  it('tags lines {name:level} and has its own verbosity', () => {
    const out = new MemoryOutput();
    const root = new Logger({ verbosity: LOGLVL_WARN, outputs: out });
    const http = root.getSublogger('http', LOGLVL_INFO);
    root.info('root info');
    http.info('GET / Host=localhost:8088');
    http.debug('hidden');
    root.warn('root warn');
    http.critical('down');
    expectLines(out.text, ['[TS] {http:info} GET / Host=localhost:8088', '[TS] {warn} root warn', '[TS] {http:critical} down']);
    expect(http.name).toBe('http');
    expect(root.name).toBeNull();
  });

  it("defaults to the parent's current verbosity, and changing one leaves the other alone", () => {
    const out = new MemoryOutput();
    const root = new Logger({ verbosity: LOGLVL_ERR, outputs: out });
    const db = root.getSublogger('db');
    expect(db.verbosity).toBe(LOGLVL_ERR);
    db.verbosity = LOGLVL_DEBUG;
    expect(root.verbosity).toBe(LOGLVL_ERR);
    root.verbosity = LOGLVL_INFO;
    expect(db.verbosity).toBe(LOGLVL_DEBUG);
    db.debug('query');
    root.debug('hidden');
    expectLines(out.text, ['[TS] {db:debug} query']);
  });

  it('nests names with a dot', () => {
    const out = new MemoryOutput();
    const client = new Logger({ outputs: out }).getSublogger('http').getSublogger('client', 'debug');
    client.debug('connect');
    expect(client.name).toBe('http.client');
    expectLines(out.text, ['[TS] {http.client:debug} connect']);
  });

  it('shares the outputs, the clock and the failure count with its parent', () => {
    const out = new MemoryOutput();
    let fail = false;
    const flaky = {
      write() {
        if (fail) throw new Error('flaky');
      },
    };
    const root = new Logger({ outputs: [out, flaky], now: () => SEP_20_2009, onOutputError: () => {} });
    const sub = root.getSublogger('x');
    fail = true;
    sub.warn('one');
    root.warn('two');
    expect(out.chunks).toEqual(['[Sun Sep 20 19:55:22 2009] {x:warn} one\n', '[Sun Sep 20 19:55:22 2009] {warn} two\n']);
    expect(root.failedWrites).toBe(2);
    expect(sub.failedWrites).toBe(2);
  });

  it('rejects names that would break the tag', () => {
    const root = new Logger({ outputs: [] });
    for (const bad of ['', 'a:b', 'a{', 'b}', 'two\nlines', 'cr\r']) {
      let caught: unknown;
      try {
        root.getSublogger(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(bad)).toBeInstanceOf(InvalidName);
      expect((caught as InvalidName).code).toBe('DIESEL_ERR_LOG_INVALID_NAME');
    }
  });

  it('a failed getSublogger does not leak its family into the next new Logger', () => {
    const shared = new MemoryOutput();
    const root = new Logger({ outputs: shared });
    expect(() => root.getSublogger('ok', 'loud' as never)).toThrow(/not a log level/);
    const other = new MemoryOutput();
    new Logger({ outputs: other }).warn('mine');
    expect(shared.chunks).toEqual([]);
    expectLines(other.text, ['[TS] {warn} mine']);
  });

  it('of the global log writes to stdout', async () => {
    const output = await captureStdout(() => {
      const http = log.getSublogger('http', LOGLVL_INFO);
      http.info('GET /');
      log.info('hidden');
    });
    expectLines(output, ['[TS] {http:info} GET /']);
  });
});
