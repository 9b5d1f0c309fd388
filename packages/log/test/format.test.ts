import { dieselTimestamp } from '@diesel/core';
import { describe, expect, it } from 'vitest';
import {
  LOGLVL_CRITICAL,
  LOGLVL_DEBUG,
  LOGLVL_INFO,
  Logger,
  formatJsonLine,
  formatTextLine,
  isoTimestamp,
  levelTag,
  textTimestamp,
} from '../src/index.js';

// Built in local time, so the expected text holds in every time zone.
const SEP_20_2009 = new Date(2009, 8, 20, 19, 55, 22).getTime();

describe('formatTextLine', () => {
  it("writes diesel's line", () => {
    expect(formatTextLine({ time: SEP_20_2009, level: LOGLVL_CRITICAL, name: null, message: 'CRAP!!!' })).toBe(
      '[Sun Sep 20 19:55:22 2009] {critical} CRAP!!!\n',
    );
  });

  it('tags sub-logger lines with name:level', () => {
    expect(formatTextLine({ time: SEP_20_2009, level: LOGLVL_INFO, name: 'http', message: 'GET / Host=localhost:8088' })).toBe(
      '[Sun Sep 20 19:55:22 2009] {http:info} GET / Host=localhost:8088\n',
    );
    expect(levelTag(LOGLVL_DEBUG, null)).toBe('{debug}');
    expect(levelTag(LOGLVL_DEBUG, 'a.b')).toBe('{a.b:debug}');
  });

  it('keeps the timestamp right across seconds, backwards too (the cache is keyed on the second)', () => {
    const times = [SEP_20_2009, SEP_20_2009 + 999, SEP_20_2009 + 1000, SEP_20_2009 - 1, SEP_20_2009 + 86_400_000, SEP_20_2009 + 500];
    for (const time of times) expect(textTimestamp(time), String(time)).toBe(dieselTimestamp(new Date(Math.floor(time / 1000) * 1000)));
    expect(textTimestamp(SEP_20_2009 + 999)).toBe('Sun Sep 20 19:55:22 2009');
    expect(textTimestamp(SEP_20_2009 + 1000)).toBe('Sun Sep 20 19:55:23 2009');
  });
});

describe('formatJsonLine', () => {
  it('writes one JSON object per line, with the fields log shippers expect', () => {
    const line = formatJsonLine({ time: Date.UTC(2009, 8, 20, 19, 55, 22, 5), level: LOGLVL_INFO, name: 'http', message: 'GET /' });
    expect(line).toBe('{"time":"2009-09-20T19:55:22.005Z","level":"info","name":"http","msg":"GET /"}\n');
  });

  it('leaves the name out for a root logger', () => {
    expect(formatJsonLine({ time: 0, level: LOGLVL_CRITICAL, name: null, message: 'x' })).toBe(
      '{"time":"1970-01-01T00:00:00.000Z","level":"critical","msg":"x"}\n',
    );
  });

  it('escapes line breaks, quotes and control characters so a record stays one line', () => {
    const message = 'a "quoted"\nsecond line\r\t\u0000 \\ ünïcødé \u2028';
    const line = formatJsonLine({ time: 1, level: LOGLVL_DEBUG, name: 'x', message });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\n\r]/);
    expect(JSON.parse(line)).toEqual({ time: '1970-01-01T00:00:00.001Z', level: 'debug', name: 'x', msg: message });
  });

  it('caches the ISO time per millisecond without mixing them up', () => {
    expect(isoTimestamp(1000)).toBe('1970-01-01T00:00:01.000Z');
    expect(isoTimestamp(1000)).toBe('1970-01-01T00:00:01.000Z');
    expect(isoTimestamp(1001)).toBe('1970-01-01T00:00:01.001Z');
    expect(isoTimestamp(1000)).toBe('1970-01-01T00:00:01.000Z');
  });
});

describe('JSON strings', () => {
  it('formatJsonLine quotes exactly as JSON.stringify does, fast path or not', () => {
    const samples = ['plain', '', 'a"b', 'back\\slash', 'nl\n', '\u0000\u001f\u007f', 'é ü 中文', '😀 astral', '\ud800 lone', 'lone \udc00', '\u2028\u2029', "'single'", '</script>'];
    for (const message of samples) {
      const line = formatJsonLine({ time: 0, level: LOGLVL_INFO, name: message === '' ? null : `n${message.length}`, message });
      expect(line.slice(line.indexOf('"msg":') + 6, -2), JSON.stringify(message)).toBe(JSON.stringify(message));
      expect(JSON.parse(line).msg).toBe(message);
    }
  });

  it('a Logger writes the same JSON bytes as formatJsonLine', () => {
    const chunks: string[] = [];
    const time = Date.UTC(2020, 0, 2, 3, 4, 5, 6);
    const logger = new Logger({ verbosity: 'debug', jsonLines: true, outputs: { write: (line: string) => chunks.push(line) }, now: () => time });
    logger.getSublogger('we"ird').debug('x\ny');
    logger.critical('plain');
    expect(chunks).toEqual([
      formatJsonLine({ time, level: LOGLVL_DEBUG, name: 'we"ird', message: 'x\ny' }),
      formatJsonLine({ time, level: LOGLVL_CRITICAL, name: null, message: 'plain' }),
    ]);
  });
});
