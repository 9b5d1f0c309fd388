import { describe, expect, it } from 'vitest';
import { ForwarderError, formatAddress, formatEvent, hexdump, parseCommandLine, parseListen, parseTarget } from '../src/index.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ForwarderError) return error.code;
    throw error;
  }
  throw new Error('did not throw');
}

describe('addresses', () => {
  it('parses LISTEN forms', () => {
    expect(parseListen('8080')).toEqual({ host: undefined, port: 8080 });
    expect(parseListen('0')).toEqual({ host: undefined, port: 0 });
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });

  it('parses TARGET forms', () => {
    expect(parseTarget('example.com:80')).toEqual({ host: 'example.com', port: 80 });
    expect(parseTarget('[2001:db8::1]:443')).toEqual({ host: '2001:db8::1', port: 443 });
  });

  it('rejects bad addresses with a stable code', () => {
    for (const bad of ['example', ':80', 'example:', 'example:http', 'example:65536', 'example:0', '::1:80', '[::1]80', '[::1']) {
      expect(code(() => parseTarget(bad)), bad).toBe('DIESEL_ERR_FORWARDER_BAD_ADDRESS');
    }
    for (const bad of ['70000', 'host:', 'host:-1']) expect(code(() => parseListen(bad)), bad).toBe('DIESEL_ERR_FORWARDER_BAD_ADDRESS');
  });

  it('formats addresses back', () => {
    expect(formatAddress({ host: '::1', port: 80 })).toBe('[::1]:80');
    expect(formatAddress({ host: 'example.com', port: 80 })).toBe('example.com:80');
    expect(formatAddress({ host: undefined, port: 80 })).toBe('*:80');
  });
});

describe('command line', () => {
  it('parses flags and the two addresses', () => {
    expect(parseCommandLine(['--log', '8080', 'example.com:80'])).toEqual({
      listen: { host: undefined, port: 8080 },
      target: { host: 'example.com', port: 80 },
      log: true,
      hexdump: false,
      connectTimeout: undefined,
    });
    expect(parseCommandLine(['127.0.0.1:1', 'h:2', '--hexdump', '--connect-timeout', '2.5'])).toMatchObject({ log: true, hexdump: true, connectTimeout: 2.5 });
    expect(parseCommandLine(['--help'])).toBeNull();
  });

  it('rejects a bad command line with a stable code', () => {
    expect(code(() => parseCommandLine([]))).toBe('DIESEL_ERR_FORWARDER_USAGE');
    expect(code(() => parseCommandLine(['8080']))).toBe('DIESEL_ERR_FORWARDER_USAGE');
    expect(code(() => parseCommandLine(['8080', 'a:1', 'b:2']))).toBe('DIESEL_ERR_FORWARDER_USAGE');
    expect(code(() => parseCommandLine(['--verbose', '8080', 'a:1']))).toBe('DIESEL_ERR_FORWARDER_USAGE');
    expect(code(() => parseCommandLine(['--connect-timeout', 'x', '8080', 'a:1']))).toBe('DIESEL_ERR_FORWARDER_USAGE');
    expect(code(() => parseCommandLine(['8080', 'nowhere']))).toBe('DIESEL_ERR_FORWARDER_BAD_ADDRESS');
  });
});

describe('hexdump', () => {
  it('formats like hexdump -C', () => {
    expect(hexdump(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|\n');
  });

  it('pads a short last line and numbers from the offset', () => {
    const out = hexdump(Buffer.from('0123456789abcdefXY\x00'), 0x20);
    expect(out).toBe(
      '00000020  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n' +
        '00000030  58 59 00                                          |XY.|\n',
    );
  });

  it('gives nothing for no bytes', () => {
    expect(hexdump(new Uint8Array(0))).toBe('');
  });
});

describe('formatEvent', () => {
  const client = { host: '127.0.0.1', port: 5000, family: 'IPv4' };
  const target = { host: 'example.com', port: 80 };

  it('formats each kind of event', () => {
    expect(formatEvent({ type: 'open', id: 3, client, target })).toBe('#3 127.0.0.1:5000 -> example.com:80 connected');
    expect(formatEvent({ type: 'close', id: 3, client, target, reason: 'closed', bytesUp: 10, bytesDown: 2000, seconds: 1.25 })).toBe(
      '#3 127.0.0.1:5000 -> example.com:80 closed after 1.3 s: 10 bytes up, 2000 bytes down',
    );
    expect(formatEvent({ type: 'close', id: 3, client, target, reason: 'reset', bytesUp: 1, bytesDown: 2, seconds: 0, error: new Error('read ECONNRESET') })).toBe(
      '#3 127.0.0.1:5000 -> example.com:80 reset after 0.0 s: 1 bytes up, 2 bytes down (read ECONNRESET)',
    );
    expect(formatEvent({ type: 'close', id: 3, client, target, reason: 'refused', bytesUp: 0, bytesDown: 0, seconds: 0, error: new Error('cannot reach example.com:80: ECONNREFUSED') })).toBe(
      '#3 127.0.0.1:5000 -> example.com:80 refused: cannot reach example.com:80: ECONNREFUSED',
    );
    expect(formatEvent({ type: 'data', id: 3, direction: 'down', data: Buffer.from('hi'), offset: 16 })).toBe(
      '#3 target -> client, 2 bytes at 16:\n00000010  68 69                                             |hi|',
    );
  });
});
