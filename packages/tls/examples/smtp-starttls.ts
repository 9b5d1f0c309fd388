/**
 * An SMTP-style server with STARTTLS (RFC 3207): the conversation starts in plaintext,
 * the client asks to upgrade, and the very same handler goes on, now over TLS. Mail is
 * only accepted once the connection is encrypted.
 *
 *   node examples-dist/smtp-starttls.js [port]          (default 2525)
 *   then: openssl s_client -starttls smtp -connect localhost:2525 -CAfile smtp-starttls-ca.pem -crlf
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Application, Service, until, type RemoteAddress } from '@diesel/core';
import { devCertificate, startTls, type TlsServerOptions } from '@diesel/tls';

/** One accepted message. */
export interface SmtpMessage {
  from: string;
  to: string[];
  /** The message text with dot-stuffing undone, lines ending in CRLF. */
  data: string;
  /** The TLS protocol it travelled over. */
  protocol: string | null;
}

/** Options of {@link smtpHandler}. */
export interface SmtpOptions {
  /** Key and certificate offered by STARTTLS. */
  tls: TlsServerOptions;
  /** The name the server greets with (default `diesel.localhost`). */
  hostname?: string;
  /** Called with each accepted message. */
  onMessage?: (message: SmtpMessage) => void;
}

/** Longest command line accepted, as RFC 5321 section 4.5.3.1.4 sets it (512 with CRLF). */
export const SMTP_LINE_LIMIT = 512;

/**
 * Makes the connection handler. Each connection: greeting, then commands until QUIT.
 * `STARTTLS` answers 220 and upgrades in place with `startTls`; anything the client
 * pipelined behind the command is part of its TLS handshake and goes to the TLS engine.
 * @example
 * app.addService(new Service(smtpHandler({ tls: { key, cert } }), 2525));
 */
export function smtpHandler(options: SmtpOptions) {
  const hostname = options.hostname ?? 'diesel.localhost';
  return function* handleSmtp(_remote: RemoteAddress) {
    let protocol: string | null = null;
    let from: string | null = null;
    let to: string[] = [];
    yield `220 ${hostname} ESMTP diesel\r\n`;
    while (true) {
      const line = (yield* until('\r\n', { limit: SMTP_LINE_LIMIT })).slice(0, -2);
      const verb = line.split(' ', 1)[0]!.toUpperCase();
      const argument = line.slice(verb.length).trim();
      switch (verb) {
        case 'EHLO':
        case 'HELO':
          from = null;
          to = [];
          yield protocol === null ? `250-${hostname} greets ${argument}\r\n250-STARTTLS\r\n250 8BITMIME\r\n` : `250-${hostname} greets ${argument}\r\n250 8BITMIME\r\n`;
          break;
        case 'STARTTLS':
          if (protocol !== null) {
            yield '503 5.5.1 TLS already active\r\n';
            break;
          }
          yield '220 2.0.0 Ready to start TLS\r\n';
          protocol = (yield* startTls(options.tls)).protocol;
          // RFC 3207: after the upgrade the client starts over with EHLO.
          from = null;
          to = [];
          break;
        case 'MAIL':
          if (protocol === null) yield '530 5.7.0 Must issue a STARTTLS command first\r\n';
          else {
            from = /^FROM:\s*<([^>]*)>/i.exec(argument)?.[1] ?? '';
            to = [];
            yield '250 2.1.0 OK\r\n';
          }
          break;
        case 'RCPT': {
          const address = /^TO:\s*<([^>]+)>/i.exec(argument)?.[1];
          if (from === null) yield '503 5.5.1 MAIL first\r\n';
          else if (address === undefined) yield '501 5.1.3 Bad recipient address syntax\r\n';
          else {
            to.push(address);
            yield '250 2.1.5 OK\r\n';
          }
          break;
        }
        case 'DATA': {
          if (from === null || to.length === 0) {
            yield '503 5.5.1 MAIL and RCPT first\r\n';
            break;
          }
          yield '354 End data with <CR><LF>.<CR><LF>\r\n';
          let data = '';
          while (true) {
            const dataLine = yield* until('\r\n', { limit: 1000 });
            if (dataLine === '.\r\n') break;
            data += dataLine.startsWith('.') ? dataLine.slice(1) : dataLine;
          }
          options.onMessage?.({ from, to, data, protocol });
          from = null;
          to = [];
          yield `250 2.0.0 OK: queued ${data.length} bytes\r\n`;
          break;
        }
        case 'RSET':
          from = null;
          to = [];
          yield '250 2.0.0 OK\r\n';
          break;
        case 'NOOP':
          yield '250 2.0.0 OK\r\n';
          break;
        case 'QUIT':
          yield `221 2.0.0 ${hostname} closing connection\r\n`;
          return;
        default:
          yield '502 5.5.2 Command not recognized\r\n';
      }
    }
  };
}

/** Runs the server until interrupted, printing each message it accepts. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const dev = devCertificate({ hosts: ['localhost'] });
  // Each example its own CA file: two running side by side must not overwrite each other's.
  writeFileSync('smtp-starttls-ca.pem', dev.ca);
  const app = new Application();
  const service = new Service(smtpHandler({ tls: dev, onMessage: (m) => console.log(`mail from <${m.from}> to ${m.to.map((t) => `<${t}>`).join(', ')} over ${m.protocol}:\n${m.data}`) }), Number(argv[0] ?? 2525));
  app.addService(service);
  await app.start();
  console.log(`SMTP with STARTTLS on port ${service.port}; try: openssl s_client -starttls smtp -connect localhost:${service.port} -CAfile smtp-starttls-ca.pem -crlf`);
  await app.haltOnSignals().halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
