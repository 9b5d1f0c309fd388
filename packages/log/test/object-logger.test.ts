import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InvalidOutput, LOGLVL_DEBUG, LOGLVL_INFO, Logger, fromObjectLogger, toPino } from '../src/index.js';

/** A pino destination that keeps the parsed records. */
function pinoSink(): { records: Record<string, unknown>[]; stream: Writable } {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') records.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { records, stream };
}

/** Waits until the sink has `count` records (pino writes synchronously to a plain stream, but be safe). */
async function until(records: unknown[], count: number): Promise<void> {
  while (records.length < count) await new Promise((resolve) => setImmediate(resolve));
}

describe('toPino', () => {
  it("routes every level into a real pino logger, critical as fatal, a sub-logger's name as name", async () => {
    const { records, stream } = pinoSink();
    const logger = new Logger({ verbosity: LOGLVL_DEBUG, outputs: toPino(pino({ level: 'debug' }, stream)) });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.critical('c');
    logger.getSublogger('http').info('GET /');
    await until(records, 6);
    expect(records.map((r) => [r.level, r.msg, r.name])).toEqual([
      [20, 'd', undefined],
      [30, 'i', undefined],
      [40, 'w', undefined],
      [50, 'e', undefined],
      [60, 'c', undefined],
      [30, 'GET /', 'http'],
    ]);
    for (const record of records) expect(typeof record.time).toBe('number');
  });

  it("applies the diesel verbosity first and pino's level on top", async () => {
    const { records, stream } = pinoSink();
    const logger = new Logger({ verbosity: LOGLVL_DEBUG, outputs: toPino(pino({ level: 'warn' }, stream)) });
    logger.getSublogger('quiet', 'error').warn('dropped by diesel');
    logger.info('dropped by pino');
    logger.error('kept');
    await until(records, 1);
    expect(records.map((r) => r.msg)).toEqual(['kept']);
  });

  it('can put the name under another key, for a pino logger that has a name of its own', async () => {
    const { records, stream } = pinoSink();
    const logger = new Logger({ outputs: toPino(pino({ name: 'app' }, stream), { nameKey: 'component' }) });
    logger.getSublogger('db').warn('slow query');
    await until(records, 1);
    expect(records[0]).toMatchObject({ level: 40, name: 'app', component: 'db', msg: 'slow query' });
  });
});

describe('fromObjectLogger', () => {
  it('merge style calls method(object, msg) for sub-loggers and method(msg) for the root', () => {
    const calls: unknown[][] = [];
    const target = {
      debug: (...args: unknown[]) => calls.push(['debug', ...args]),
      info: (...args: unknown[]) => calls.push(['info', ...args]),
      warn: (...args: unknown[]) => calls.push(['warn', ...args]),
      error: (...args: unknown[]) => calls.push(['error', ...args]),
    };
    const logger = new Logger({ verbosity: LOGLVL_DEBUG, outputs: fromObjectLogger(target) });
    logger.info('root');
    logger.getSublogger('x').debug('sub');
    logger.critical('worst'); // no critical or fatal: falls back to error
    expect(calls).toEqual([
      ['info', 'root'],
      ['debug', { name: 'x' }, 'sub'],
      ['error', 'worst'],
    ]);
  });

  it('object style passes one pino-style record', () => {
    const calls: unknown[][] = [];
    const target = { log: (...args: unknown[]) => calls.push(args) };
    const logger = new Logger({ verbosity: LOGLVL_INFO, now: () => 42, outputs: fromObjectLogger(target, { style: 'object' }) });
    logger.getSublogger('http').warn('slow');
    logger.info('ok');
    expect(calls).toEqual([[{ level: 'warn', time: 42, name: 'http', msg: 'slow' }], [{ level: 'info', time: 42, msg: 'ok' }]]);
  });

  it('calls the methods with the target as this (class-based loggers work)', () => {
    class Custom {
      readonly seen: string[] = [];
      alert(message: string): void {
        this.seen.push(`alert ${message}`);
      }
      info(message: string): void {
        this.seen.push(`info ${message}`);
      }
      error(message: string): void {
        this.seen.push(`error ${message}`);
      }
    }
    const custom = new Custom();
    const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: fromObjectLogger(custom, { methods: { critical: 'alert' } }) });
    logger.critical('fire');
    logger.info('fine');
    logger.warn('odd'); // warn → warning → error
    expect(custom.seen).toEqual(['alert fire', 'info fine', 'error odd']);
  });

  it('refuses a target without a method for some level', () => {
    expect(() => fromObjectLogger({ info() {} })).toThrow(InvalidOutput);
    expect(() => fromObjectLogger({ info() {}, error() {}, warn() {} }, { methods: { critical: 'nope' } })).toThrow(/none of nope\(\) for critical/);
  });

  it('a target that throws is a failing output like any other', () => {
    const target = {
      log() {
        throw new Error('target down');
      },
    };
    const reports: unknown[] = [];
    const logger = new Logger({ outputs: fromObjectLogger(target), onOutputError: (error) => reports.push(error) });
    expect(() => logger.error('x')).not.toThrow();
    expect(logger.failedWrites).toBe(1);
    expect(reports).toHaveLength(1);
  });
});
