/**
 * STARTTLS: a conversation starts in plaintext, and on request the same handler goes on
 * over TLS. The client side upgrades its connection inside a `@call`.
 */
import { Client, call, until, type RemoteAddress } from '@diesel/core';
import { startTls, startTlsClient, type TlsClientOptions, type TlsServerOptions } from '@diesel/tls';

/** Echoes lines; `STARTTLS` upgrades the connection in place and the loop goes on. */
export function upgradableEcho(tls: TlsServerOptions) {
  return function* handleUpgradableEcho(_remote: RemoteAddress) {
    yield 'hello; say STARTTLS to encrypt\r\n';
    let encrypted = false;
    while (true) {
      const line = yield* until('\r\n');
      if (line === 'STARTTLS\r\n' && !encrypted) {
        yield 'go ahead\r\n';
        const { protocol } = yield* startTls(tls); // suspends until the handshake is done
        encrypted = true;
        yield `now over ${protocol}\r\n`;
      } else {
        yield `you said: ${line}`;
      }
    }
  };
}

/** The other side: plaintext calls, then `secure()` upgrades the client's connection. */
export class UpgradingClient extends Client {
  @call
  *greeting() {
    return yield* until('\r\n');
  }

  @call
  *say(text: string) {
    yield `${text}\r\n`;
    return yield* until('\r\n');
  }

  @call
  *secure(options: TlsClientOptions) {
    yield 'STARTTLS\r\n';
    yield* until('go ahead\r\n');
    yield* startTlsClient(options); // verifies the certificate and the name
    return yield* until('\r\n');
  }
}
