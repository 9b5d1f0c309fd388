/**
 * A proxy that understands the protocol it carries: each line from the client goes to the
 * target upper-cased, and the target's answer comes back. `connect` opens the second
 * connection; `on(connection, op)` runs a token or a write against it.
 */
import { ConnectionClosed, connect, on, until, type RemoteAddress } from '@diesel/core';

export function shoutingProxy(target: { host: string; port: number }) {
  return function* handleShouting(_remote: RemoteAddress) {
    const upstream = yield* connect(target.host, target.port); // suspends until connected
    try {
      while (true) {
        const line = yield* until('\r\n'); // from our client
        yield* on(upstream, line.toUpperCase()); // to the target
        const reply = yield* on(upstream, until('\r\n')); // the target's answer
        yield reply; // back to our client
      }
    } catch (error) {
      // Either side leaving ends the session; anything else is a real failure.
      if (!(error instanceof ConnectionClosed)) throw error;
    } finally {
      upstream.end();
    }
  };
}
