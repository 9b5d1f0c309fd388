import { describe, expect, it } from 'vitest';
import {
  RedisError,
  RespAttributed,
  RespLimitError,
  RespParser,
  RespProtocolError,
  RespPush,
  encodeCommand,
  encodeCommands,
  encodeValue,
  type RespParserOptions,
  type RespValue,
} from '../src/index.js';

/** Feeds `chunks` one by one, reading every value that completes after each. */
function parseChunks(chunks: Buffer[], options?: RespParserOptions): RespValue[] {
  const parser = new RespParser(options);
  const out: RespValue[] = [];
  for (const chunk of chunks) {
    parser.feed(chunk);
    for (let value = parser.read(); value !== undefined; value = parser.read()) out.push(value);
  }
  expect(parser.idle).toBe(true);
  return out;
}

/** The three ways every parser test runs: whole, split at every offset, one byte at a time. */
function parseThreeWays(wire: string | Buffer, options?: RespParserOptions): RespValue[] {
  const bytes = typeof wire === 'string' ? Buffer.from(wire, 'utf8') : wire;
  const whole = parseChunks([bytes], options);
  for (let at = 0; at <= bytes.length; at++) {
    expect(parseChunks([bytes.subarray(0, at), bytes.subarray(at)], options), `split at ${at}`).toEqual(whole);
  }
  const single: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  expect(parseChunks(single, options), 'one byte at a time').toEqual(whole);
  return whole;
}

/** Asserts that `wire` fails with `code`, whichever way it is cut. */
function expectFailure(wire: string, code: string, options?: RespParserOptions): void {
  const bytes = Buffer.from(wire, 'latin1');
  const cuts: Buffer[][] = [[bytes], Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))];
  for (let at = 1; at < bytes.length; at++) cuts.push([bytes.subarray(0, at), bytes.subarray(at)]);
  for (const chunks of cuts) {
    const parser = new RespParser(options);
    let error: unknown;
    try {
      for (const chunk of chunks) {
        parser.feed(chunk);
        while (parser.read() !== undefined);
      }
    } catch (caught) {
      error = caught;
    }
    expect(error, `${JSON.stringify(wire)} in ${chunks.length} chunk(s)`).toBeInstanceOf(Error);
    expect((error as { code: string }).code).toBe(code);
    // Failed for good: the stream cannot be resynchronised.
    expect(() => parser.read()).toThrow();
  }
}

describe('RespParser: RESP2 types', () => {
  it('parses simple strings, errors and integers', () => {
    const [ok, error, int, negative, big] = parseThreeWays('+OK\r\n-WRONGTYPE Operation against a key\r\n:42\r\n:-7\r\n:9223372036854775807\r\n');
    expect(ok).toBe('OK');
    expect(error).toBeInstanceOf(RedisError);
    expect((error as RedisError).message).toBe('WRONGTYPE Operation against a key');
    expect((error as RedisError).prefix).toBe('WRONGTYPE');
    expect((error as RedisError).code).toBe('DIESEL_ERR_REDIS_SERVER');
    expect(int).toBe(42);
    expect(negative).toBe(-7);
    expect(big).toBe(9223372036854775807n);
  });

  it('parses bulk strings: empty, binary-safe, UTF-8, and nulls', () => {
    const values = parseThreeWays('$0\r\n\r\n$5\r\na\r\nb\r\r\n$6\r\nhé€\r\n$-1\r\n*-1\r\n'.replace('$6', `$${Buffer.byteLength('hé€')}`));
    expect(values).toEqual(['', 'a\r\nb\r', 'hé€', null, null]);
  });

  it('gives Buffers with bulkAs: buffer', () => {
    const body = Buffer.from([0, 255, 13, 10, 128]);
    const wire = Buffer.concat([Buffer.from('$5\r\n'), body, Buffer.from('\r\n')]);
    const [value] = parseThreeWays(wire, { bulkAs: 'buffer' });
    expect(Buffer.isBuffer(value)).toBe(true);
    expect(value).toEqual(body);
  });

  it('parses nested arrays, empty arrays and errors inside arrays (EXEC)', () => {
    const [value] = parseThreeWays('*4\r\n*0\r\n*2\r\n:1\r\n*1\r\n+deep\r\n-ERR inside\r\n$-1\r\n');
    expect(Array.isArray(value)).toBe(true);
    const [empty, nested, error, nil] = value as RespValue[];
    expect(empty).toEqual([]);
    expect(nested).toEqual([1, ['deep']]);
    expect(error).toBeInstanceOf(RedisError);
    expect(nil).toBeNull();
  });

  it('parses many pipelined replies back to back', () => {
    const wire = Array.from({ length: 50 }, (_, i) => `$${String(i).length}\r\n${i}\r\n`).join('');
    expect(parseThreeWays(wire)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });
});

describe('RespParser: RESP3 types', () => {
  it('parses null, booleans, doubles and big numbers', () => {
    const values = parseThreeWays('_\r\n#t\r\n#f\r\n,3.25\r\n,-1e3\r\n,inf\r\n,-inf\r\n,nan\r\n,10\r\n(3492890328409238509324850943850943825024385\r\n(-1\r\n');
    expect(values.slice(0, 7)).toEqual([null, true, false, 3.25, -1000, Infinity, -Infinity]);
    expect(Number.isNaN(values[7])).toBe(true);
    expect(values[8]).toBe(10);
    expect(values[9]).toBe(3492890328409238509324850943850943825024385n);
    expect(values[10]).toBe(-1n);
  });

  it('parses verbatim strings and blob errors', () => {
    const [verbatim, blob] = parseThreeWays('=15\r\ntxt:Some string\r\n!21\r\nSYNTAX invalid syntax\r\n');
    expect(verbatim).toBe('Some string');
    expect(blob).toBeInstanceOf(RedisError);
    expect((blob as RedisError).message).toBe('SYNTAX invalid syntax');
    expect((blob as RedisError).prefix).toBe('SYNTAX');
  });

  it('parses maps, sets and pushes', () => {
    const [map, set, push] = parseThreeWays('%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n*2\r\n:2\r\n:3\r\n~3\r\n+a\r\n+b\r\n+a\r\n>3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n');
    expect(map).toEqual(new Map<RespValue, RespValue>([['first', 1], ['second', [2, 3]]]));
    expect(set).toEqual(new Set(['a', 'b']));
    expect(push).toBeInstanceOf(RespPush);
    expect((push as RespPush).data).toEqual(['message', 'news', 'hi']);
  });

  it('parses empty maps, sets and pushes', () => {
    const values = parseThreeWays('%0\r\n~0\r\n>0\r\n');
    expect(values[0]).toEqual(new Map());
    expect(values[1]).toEqual(new Set());
    expect((values[2] as RespPush).data).toEqual([]);
  });

  const attributed = '|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n|1\r\n+ttl\r\n:5\r\n:9543892\r\n';

  it('skips attributes by default, at the top and inside aggregates', () => {
    expect(parseThreeWays(attributed)).toEqual([[2039123, 9543892]]);
    expect(parseThreeWays('|0\r\n+after-empty\r\n')).toEqual(['after-empty']);
  });

  it('exposes attributes around the value they annotate', () => {
    const [value] = parseThreeWays(attributed, { attributes: 'expose' });
    expect(value).toBeInstanceOf(RespAttributed);
    const outer = value as RespAttributed;
    expect(outer.attributes.get('key-popularity')).toEqual(new Map([['a', 0.19]]));
    const items = outer.value as RespValue[];
    expect(items[0]).toBe(2039123);
    expect(items[1]).toEqual(new RespAttributed(new Map([['ttl', 5]]), 9543892));
  });
});

describe('RespParser: limits', () => {
  it('refuses a bulk past maxBulkSize on its length, before its body arrives', () => {
    const parser = new RespParser({ maxBulkSize: 10 });
    parser.feed(Buffer.from('$11\r\n'));
    let error: unknown;
    try {
      parser.read();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RespLimitError);
    expect((error as RespLimitError).code).toBe('DIESEL_ERR_REDIS_BULK_TOO_LARGE');
    expect((error as RespLimitError).limit).toBe(10);
    // The default is Redis's proto-max-bulk-len: 512 MiB. A 4 GiB announcement is refused.
    expectFailure('$4294967296\r\n', 'DIESEL_ERR_REDIS_BULK_TOO_LARGE');
    expectFailure('=11\r\ntxt:\r\n', 'DIESEL_ERR_REDIS_BULK_TOO_LARGE', { maxBulkSize: 10 });
    expect(parseThreeWays('$10\r\n0123456789\r\n', { maxBulkSize: 10 })).toEqual(['0123456789']);
  });

  it('refuses aggregates past maxArrayLength without allocating them', () => {
    expectFailure('*5\r\n', 'DIESEL_ERR_REDIS_ARRAY_TOO_LONG', { maxArrayLength: 4 });
    expectFailure('%3\r\n', 'DIESEL_ERR_REDIS_ARRAY_TOO_LONG', { maxArrayLength: 2 });
    expectFailure('~5\r\n', 'DIESEL_ERR_REDIS_ARRAY_TOO_LONG', { maxArrayLength: 4 });
    expectFailure('>5\r\n', 'DIESEL_ERR_REDIS_ARRAY_TOO_LONG', { maxArrayLength: 4 });
    // A default parser meets a billion-element announcement with an error, not a hang.
    expectFailure('*1000000000\r\n', 'DIESEL_ERR_REDIS_ARRAY_TOO_LONG');
  });

  it('refuses a line past maxInlineLength, even before its CRLF arrives', () => {
    expectFailure(`+${'x'.repeat(20)}\r\n`, 'DIESEL_ERR_REDIS_LINE_TOO_LONG', { maxInlineLength: 10 });
    expectFailure(`-${'x'.repeat(20)}`, 'DIESEL_ERR_REDIS_LINE_TOO_LONG', { maxInlineLength: 10 });
    expect(parseThreeWays(`+${'x'.repeat(10)}\r\n`, { maxInlineLength: 10 })).toEqual(['x'.repeat(10)]);
  });

  it('refuses nesting past maxDepth', () => {
    expectFailure('*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n', 'DIESEL_ERR_REDIS_TOO_DEEP', { maxDepth: 3 });
    expect(parseThreeWays('*1\r\n*1\r\n*1\r\n:1\r\n', { maxDepth: 3 })).toEqual([[[[1]]]]);
  });
});

describe('RespParser: malformed input is a clear error', () => {
  it.each([
    ['an unknown type byte', '?what\r\n'],
    ['a CR without LF in a line', '+O\rK\r\n'],
    ['a bulk body not followed by CRLF', '$3\r\nabcd\r\n'],
    ['a bulk body followed by CR and garbage', '$3\r\nabc\rX'],
    ['a negative bulk length other than -1', '$-2\r\n'],
    ['a non-numeric bulk length', '$1x\r\n'],
    ['an empty length', '*\r\n'],
    ['a null array in a map length', '%-1\r\n'],
    ['a non-numeric integer', ':12a\r\n'],
    ['an empty integer', ':\r\n'],
    ['a bad boolean', '#x\r\n'],
    ['a bad double', ',1.2.3\r\n'],
    ['a bad big number', '(12e4\r\n'],
    ['a RESP3 null with a payload', '_x\r\n'],
    ['a verbatim string without a format', '=2\r\nab\r\n'],
    ['a streamed string', '$?\r\n;4\r\nHell\r\n;0\r\n'],
    ['a streamed aggregate', '*?\r\n:1\r\n.\r\n'],
  ])('%s', (_name, wire) => {
    expectFailure(wire, 'DIESEL_ERR_REDIS_PROTOCOL');
  });

  it('keeps the values parsed before the bad bytes', () => {
    const parser = new RespParser();
    parser.feed(Buffer.from('+first\r\n?bad\r\n'));
    expect(parser.read()).toBe('first');
    expect(() => parser.read()).toThrow(RespProtocolError);
  });
});

describe('serializer', () => {
  it('encodes commands as arrays of bulk strings', () => {
    expect(encodeCommand(['SET', 'greeting', 'hello']).toString()).toBe('*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n');
    expect(encodeCommand(['INCRBY', 'n', 10, 5n]).toString()).toBe('*4\r\n$6\r\nINCRBY\r\n$1\r\nn\r\n$2\r\n10\r\n$1\r\n5\r\n');
    const utf8 = encodeCommand(['SET', 'é', Buffer.from([0, 13, 10])]);
    expect(utf8).toEqual(Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$2\r\né\r\n$3\r\n'), Buffer.from([0, 13, 10]), Buffer.from('\r\n')]));
    expect(encodeCommands([['PING'], ['ECHO', 'x']]).toString()).toBe('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n');
  });

  it('encodes a long argument list (lengths with many digits)', () => {
    const args = ['RPUSH', 'list', ...Array.from({ length: 1200 }, (_, i) => 'v'.repeat(i % 150))];
    const parser = new RespParser();
    parser.feed(encodeCommand(args));
    expect(parser.read()).toEqual(args);
  });

  it('refuses arguments it cannot send', () => {
    expect(() => encodeCommand([])).toThrow(expect.objectContaining({ code: 'DIESEL_ERR_REDIS_ARGUMENT' }));
    expect(() => encodeCommand(['SET', 'k', undefined as never])).toThrow(expect.objectContaining({ code: 'DIESEL_ERR_REDIS_ARGUMENT' }));
    expect(() => encodeCommand(['SET', 'k', NaN])).toThrow(expect.objectContaining({ code: 'DIESEL_ERR_REDIS_ARGUMENT' }));
    expect(() => encodeCommand(['SET', 'k', {} as never])).toThrow(expect.objectContaining({ code: 'DIESEL_ERR_REDIS_ARGUMENT' }));
  });

  it('round-trips every value type through encodeValue and the parser', () => {
    const values: RespValue[] = [
      'text',
      '',
      42,
      -3,
      2.5,
      Infinity,
      12345678901234567890n,
      true,
      false,
      null,
      [1, ['nested', null], []],
      new Map<RespValue, RespValue>([['k', 'v'], ['n', 1]]),
      new Set<RespValue>(['a', 'b']),
      new RespPush(['message', 'ch', 'payload']),
    ];
    const wire = Buffer.concat(values.map((v) => encodeValue(v, 3)));
    expect(parseThreeWays(wire)).toEqual(values);
    const [error] = parseThreeWays(encodeValue(new RedisError('ERR boom'), 3));
    expect((error as RedisError).message).toBe('ERR boom');
    // RESP2: maps flatten to arrays, booleans to integers, null to a null bulk.
    expect(parseThreeWays(encodeValue([new Map([['k', 'v']]), true, null], 2))).toEqual([[['k', 'v'], 1, null]]);
  });
});
