import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, call, connect, on, run, until, type RemoteAddress } from '@diesel/core';
import { serveInMemory } from '@diesel/core/testing';
import { TlsError, TlsErrorCode, startTls, startTlsClient, tlsInfo, type DevCertificate, type TlsServerOptions } from '../src/index.js';
import { smtpHandler, type SmtpMessage } from '../examples/smtp-starttls.js';
import { type Running, captureClientHello, pemFile, readUntilText, runCommand, serve, sharedCertificate, stop } from './helpers.js';

/** A minimal STARTTLS protocol: greeting, STARTTLS, then one echoed line over TLS. */
function starttlsEcho(options: TlsServerOptions) {
  return function* (_remote: RemoteAddress) {
    yield '220 ready\r\n';
    const command = yield* until('\r\n');
    if (command !== 'STARTTLS\r\n') {
      yield '500 expected STARTTLS\r\n';
      return;
    }
    yield '220 go ahead\r\n';
    const info = yield* startTls(options);
    yield `secure ${info.protocol} ${info.transport}\r\n`;
    const line = yield* until('\r\n');
    yield `echo ${line}`;
  };
}

/**
 * A STARTTLS client that pipelines: it sends `STARTTLS\r\n` and the start of its
 * ClientHello together, without waiting for the server's 220, so the server has TLS
 * bytes buffered when it upgrades. `plan` cuts the ClientHello into the writes that
 * carry it (the first one rides with the command).
 */
function pipelinedClient(transport: Duplex, plan: (hello: Buffer) => Buffer[], ca: string): tls.TLSSocket {
  let plaintext = '';
  let upgraded = false;
  let first = true;
  const shim: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      if (!first) {
        transport.write(chunk, callback);
        return;
      }
      first = false;
      const [head = Buffer.alloc(0), ...rest] = plan(chunk);
      transport.write(Buffer.concat([Buffer.from('STARTTLS\r\n'), head]));
      for (const piece of rest) transport.write(piece);
      callback();
    },
    final(callback) {
      transport.end();
      callback();
    },
    destroy(error, callback) {
      transport.destroy();
      callback(error);
    },
  });
  transport.on('data', (chunk: Buffer) => {
    if (upgraded) {
      shim.push(chunk);
      return;
    }
    plaintext += chunk.toString('latin1');
    const end = plaintext.indexOf('220 go ahead\r\n');
    if (end === -1) return;
    upgraded = true;
    const rest = Buffer.from(plaintext.slice(end + '220 go ahead\r\n'.length), 'latin1');
    if (rest.length > 0) shim.push(rest);
  });
  transport.on('end', () => shim.push(null));
  const client = tls.connect({ socket: shim, ca, servername: 'localhost' });
  return client;
}

async function talk(client: tls.TLSSocket): Promise<{ secure: string; echo: string }> {
  const secure = await readUntilText(client, '\r\n');
  client.write('ping\r\n');
  const echo = await readUntilText(client, 'ping\r\n');
  return { secure, echo };
}

describe('STARTTLS (startTls, startTlsClient)', () => {
  let dev: DevCertificate;
  let tlsOptions: TlsServerOptions;
  let running: Running | null = null;
  beforeAll(() => {
    dev = sharedCertificate();
    tlsOptions = { key: dev.key, cert: dev.cert };
  });
  afterEach(async () => {
    await stop(running);
    running = null;
  });

  it('SMTP example driven by openssl s_client -starttls smtp', async () => {
    const messages: SmtpMessage[] = [];
    running = await serve(smtpHandler({ tls: tlsOptions, onMessage: (m) => messages.push(m) }));
    const input = ['EHLO tester', 'MAIL FROM:<alice@example.org>', 'RCPT TO:<bob@example.org>', 'DATA', 'Subject: over STARTTLS', '', 'hello', '..leading dot', '.', 'QUIT', ''].join('\n');
    const result = await runCommand(
      'openssl',
      ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${running.port}`, '-CAfile', pemFile('ca.pem', dev.ca), '-verify_return_error', '-verify_hostname', 'localhost', '-servername', 'localhost', '-crlf', '-ign_eof', '-brief'],
      input,
    );
    expect(result.stderr).toMatch(/Verification: OK/);
    expect(result.stderr).toMatch(/Protocol version: TLSv1\.3/);
    // After the upgrade the server no longer offers STARTTLS.
    expect(result.stdout).toContain('250-diesel.localhost greets tester\r\n250 8BITMIME\r\n');
    expect(result.stdout).not.toContain('STARTTLS');
    expect(result.stdout).toContain('250 2.0.0 OK: queued');
    expect(result.stdout).toContain('221 2.0.0');
    expect(messages).toEqual([{ from: 'alice@example.org', to: ['bob@example.org'], data: 'Subject: over STARTTLS\r\n\r\nhello\r\n.leading dot\r\n', protocol: 'TLSv1.3' }]);
  });

  it('refuses mail before STARTTLS and a second STARTTLS', async () => {
    running = await serve(smtpHandler({ tls: tlsOptions }));
    const raw = net.connect(running.port, '127.0.0.1');
    try {
      await readUntilText(raw, '\r\n');
      raw.write('MAIL FROM:<a@example.org>\r\n');
      expect(await readUntilText(raw, '\r\n')).toMatch(/^530 /);
      raw.write('STARTTLS\r\n');
      expect(await readUntilText(raw, '\r\n')).toMatch(/^220 /);
      const secure = tls.connect({ socket: raw, ca: dev.ca, servername: 'localhost' });
      await new Promise((resolve) => secure.once('secureConnect', resolve));
      secure.write('STARTTLS\r\n');
      expect(await readUntilText(secure, '\r\n')).toMatch(/^503 /);
      secure.destroy();
    } finally {
      raw.destroy();
    }
  });

  it('upgrades after the 220 on the native fast path (node:tls client)', async () => {
    running = await serve(starttlsEcho(tlsOptions));
    const raw = net.connect(running.port, '127.0.0.1');
    try {
      expect(await readUntilText(raw, '\r\n')).toBe('220 ready\r\n');
      raw.write('STARTTLS\r\n');
      expect(await readUntilText(raw, '\r\n')).toBe('220 go ahead\r\n');
      const client = tls.connect({ socket: raw, ca: dev.ca, servername: 'localhost' });
      expect(await talk(client)).toEqual({ secure: 'secure TLSv1.3 native\r\n', echo: 'echo ping\r\n' });
      client.destroy();
    } finally {
      raw.destroy();
    }
  });

  it('hands a ClientHello pipelined behind the command to the TLS engine (in-memory BIO)', async () => {
    running = await serve(starttlsEcho(tlsOptions));
    const raw = net.connect(running.port, '127.0.0.1');
    try {
      expect(await readUntilText(raw, '\r\n')).toBe('220 ready\r\n');
      const client = pipelinedClient(raw, (hello) => [hello], dev.ca);
      expect(await talk(client)).toEqual({ secure: 'secure TLSv1.3 memory\r\n', echo: 'echo ping\r\n' });
      client.destroy();
    } finally {
      raw.destroy();
    }
  });

  it('never loses or repeats a byte wherever the ClientHello is cut (whole, every offset, one byte at a time)', async () => {
    const hello = await captureClientHello({ ca: dev.ca });
    const plans: Array<{ name: string; plan: (h: Buffer) => Buffer[] }> = [
      { name: 'whole', plan: (h) => [h] },
      { name: 'none pipelined', plan: (h) => [Buffer.alloc(0), h] },
      { name: 'one byte at a time', plan: (h) => [h.subarray(0, 1), ...[...h.subarray(1)].map((b) => Buffer.from([b]))] },
    ];
    // Every offset through the record header and the handshake header, then every 7th.
    for (let cut = 1; cut < hello.length; cut += cut < 16 ? 1 : 7) {
      plans.push({ name: `cut at ${cut}`, plan: (h) => [h.subarray(0, cut), h.subarray(cut)] });
    }
    expect(hello.length).toBeGreaterThan(100);
    for (const { name, plan } of plans) {
      const served = serveInMemory(starttlsEcho(tlsOptions));
      try {
        expect(await readUntilText(served.peer, '\r\n'), name).toBe('220 ready\r\n');
        const client = pipelinedClient(served.peer, plan, dev.ca);
        client.on('error', () => {});
        expect(await talk(client), name).toEqual({ secure: 'secure TLSv1.3 memory\r\n', echo: 'echo ping\r\n' });
        client.destroy();
        const outcome = await served.exited;
        expect(outcome.ok, name).toBe(true);
      } finally {
        served.hub.halt();
        served.peer.destroy();
      }
    }
  });

  it('startTlsClient upgrades a diesel client (diesel on both ends)', async () => {
    const messages: SmtpMessage[] = [];
    running = await serve(smtpHandler({ tls: tlsOptions, onMessage: (m) => messages.push(m) }));
    class SmtpClient extends Client {
      @call *command(line: string) {
        yield `${line}\r\n`;
        let reply = '';
        for (;;) {
          const replyLine = yield* until('\r\n');
          reply += replyLine;
          if (replyLine[3] !== '-') return reply;
        }
      }
      @call *greeting() {
        return yield* until('\r\n');
      }
      @call *secure(ca: string) {
        yield 'STARTTLS\r\n';
        const reply = yield* until('\r\n');
        if (!reply.startsWith('220')) throw new Error(`STARTTLS refused: ${reply}`);
        yield* startTlsClient({ ca, servername: 'localhost' });
        return yield* tlsInfo();
      }
    }
    const client = new SmtpClient();
    try {
      await run(client.connect('127.0.0.1', running.port));
      expect(await run(client.greeting())).toMatch(/^220 /);
      expect(await run(client.command('EHLO diesel'))).toContain('250-STARTTLS');
      const info = await run(client.secure(dev.ca));
      expect(info).toMatchObject({ isServer: false, protocol: 'TLSv1.3', authorized: true, transport: 'native' });
      expect(await run(client.command('EHLO diesel'))).not.toContain('STARTTLS');
      expect(await run(client.command('MAIL FROM:<carol@example.org>'))).toMatch(/^250 /);
      expect(await run(client.command('RCPT TO:<dave@example.org>'))).toMatch(/^250 /);
      expect(await run(client.command('DATA'))).toMatch(/^354 /);
      expect(await run(client.command('hi from diesel\r\n.'))).toMatch(/^250 /);
      expect(messages).toEqual([{ from: 'carol@example.org', to: ['dave@example.org'], data: 'hi from diesel\r\n', protocol: 'TLSv1.3' }]);
    } finally {
      client.connection?.destroy();
    }
  });

  it('startTlsClient verifies the server: a wrong name is a TlsError in the calling routine', async () => {
    running = await serve(starttlsEcho(tlsOptions));
    const port = running.port;
    const errors: unknown[] = [];
    const result = await run(
      (function* () {
        const conn = yield* connect('127.0.0.1', port);
        try {
          yield* on(conn, until('\r\n'));
          yield* on(conn, 'STARTTLS\r\n');
          yield* on(conn, until('\r\n'));
          yield* on(conn, startTlsClient({ ca: dev.ca, servername: 'wrong.example' }));
          return 'upgraded';
        } catch (error) {
          errors.push(error);
          return 'refused';
        } finally {
          conn.destroy();
        }
      })(),
    );
    expect(result).toBe('refused');
    expect(errors[0]).toBeInstanceOf(TlsError);
    expect((errors[0] as TlsError).code).toBe(TlsErrorCode.CERTIFICATE);
    expect((errors[0] as TlsError).reason).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});
