import { afterEach, describe, expect, it } from 'vitest';
import { Service, receive, until } from '@diesel/core';
import { tlsInfo, wrapTls } from '../src/index.js';
import { type Running, serve, sharedCertificate, stop, tlsClient, readUntilText } from './helpers.js';

function* echo() {
  const info = yield* tlsInfo();
  yield `hello over ${info.protocol}\r\n`;
  for (;;) {
    const chunk = yield* receive();
    yield chunk;
  }
}

describe('smoke', () => {
  let running: Running | null = null;
  afterEach(async () => stop(running));
  it('echoes over TLS', async () => {
    const dev = sharedCertificate();
    running = await serve(wrapTls(echo, { key: dev.key, cert: dev.cert }));
    const client = await tlsClient(running.port, { ca: dev.ca });
    try {
      expect(await readUntilText(client, '\r\n')).toBe('hello over TLSv1.3\r\n');
      client.write('ping');
      expect(await readUntilText(client, 'ping')).toBe('ping');
    } finally {
      client.destroy();
    }
  });
});
void Service; void until;
