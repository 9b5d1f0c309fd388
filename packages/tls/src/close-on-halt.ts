/**
 * close_notify when the application halts. Halting kills every routine and then
 * destroys every connection's stream at once; destroying a TLS socket sends no
 * close_notify alert, so the peer sees the TCP connection end mid-session (OpenSSL:
 * "unexpected eof while reading") and cannot tell a clean shutdown from a truncation.
 * So the TLS socket is taken out of the connection before that happens: the hub destroys
 * a placeholder, and the real socket is ended — close_notify, then FIN — and destroyed
 * after a short grace if the peer does not close its side.
 */
import { PassThrough } from 'node:stream';
import { type Connection, CustomToken, type Hub, type TokenContext } from '@diesel/core';

/** How long a halted TLS connection may take to say goodbye before it is destroyed. */
const CLOSE_NOTIFY_GRACE_MS = 1000;

class HubToken extends CustomToken<Hub> {
  start(context: TokenContext<Hub>): void {
    context.resolve(context.hub);
  }
}

/** @internal The hub the routine runs on (to ask, in a `finally`, whether it is halting). Suspends: no. */
export function runningHub(): CustomToken<Hub> {
  return new HubToken();
}

/**
 * @internal Ends the TLS session on `connection` gracefully although the hub is about to
 * destroy it: its stream is swapped for a placeholder, and the TLS socket is ended on its own.
 */
export function closeNotify(connection: Connection): void {
  if (connection.closed) return;
  try {
    connection.replaceStream((socket) => {
      socket.on('error', () => {}); // the peer may reset instead of answering; nothing to report on halt
      socket.end(); // writes close_notify, then FIN, once the pending data is out
      socket.resume(); // the peer's own close_notify and FIN flow in and are dropped
      const timer = setTimeout(() => socket.destroy(), CLOSE_NOTIFY_GRACE_MS);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
      return new PassThrough();
    });
  } catch {
    // The connection closed under us meanwhile: nothing left to say goodbye on.
  }
}
