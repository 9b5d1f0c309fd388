import { ConnectionClosed, type Routine, spawn } from '@diesel/core';
import { CloseCode, type WebSocket, WebSocketError } from '@diesel/http';
import { handleLine, whoLine } from './commands.js';
import { ChatError } from './errors.js';
import type { ChatMember, ChatRoom } from './room.js';
import { checkedGreeting } from './tcp.js';

/**
 * What `chatSocket(room, options)` takes; all optional.
 * @example
 * websocket(chatSocket(room, { greeting: '* diesel-chat worker 2' }));
 */
export interface ChatSocketOptions {
  /** A message sent first, as soon as the socket is open, before the nick is read (default: none). */
  greeting?: string;
}

/**
 * The chat over a WebSocket: the same room and the same lines as the TCP protocol, one
 * line per text message. The first message is the nick (an `! ...` message and another
 * try if it is invalid or taken); every later one is said to the room (`/who`, `/quit`
 * work too). Mount it with `@diesel/http`'s `websocket()`:
 *
 * Suspends: it runs as long as the socket is open. The handler routine reads the socket
 * (`ws.wait()`); a child task waits on the room and sends what it says (`ws.send`),
 * since a WebSocket read cannot share a group with `wait()`. Being a child, the sender
 * ends with the handler: nothing of a member outlives its socket.
 * @example
 * const routes = router({ '/chat/ws': websocket(chatSocket(room)) });
 */
export function chatSocket(room: ChatRoom, options: ChatSocketOptions = {}): (ws: WebSocket) => Routine<void> {
  const greeting = options.greeting === undefined ? undefined : checkedGreeting(options.greeting, 'chatSocket');
  return function* chatOverWebSocket(ws: WebSocket): Routine<void> {
    let member: ChatMember | null = null;
    try {
      if (greeting !== undefined) yield* ws.send(greeting);
      while (member === null) {
        const nick = yield* ws.wait();
        if (nick === null) return;
        if (typeof nick !== 'string') {
          yield* ws.close(CloseCode.UNSUPPORTED_DATA, 'the chat speaks text');
          return;
        }
        try {
          member = yield* room.join(nick.trim());
        } catch (error) {
          if (!(error instanceof ChatError)) throw error;
          yield* ws.send(`! ${error.message}; send another nick`);
        }
      }
      // Dropped for reading too slowly: the relay may be stuck in a send to a page that
      // stopped reading, so the room ends the socket itself.
      member.whenDropped(() => ws.terminate());
      yield* member.notice(whoLine(member));
      yield* spawn(relay, member, ws);
      for (let message = yield* ws.wait(); message !== null; message = yield* ws.wait()) {
        if (typeof message !== 'string') continue;
        if (member.dropped) break;
        if (!(yield* handleLine(member, message))) {
          yield* ws.send('* bye');
          break;
        }
      }
    } finally {
      // Leaving also wakes the relay, which then sees `member.left` and ends; if it is
      // still running when this routine ends, it is cancelled as this routine's child.
      if (member !== null) yield* member.leave();
    }
  };
}

/** Sends the member everything the room says, until the member leaves or the socket closes. */
function* relay(member: ChatMember, ws: WebSocket): Routine<void> {
  try {
    for (;;) {
      const lines = yield* member.next();
      for (const line of lines) yield* ws.send(line);
      if (member.dropped) {
        yield* ws.send(`! you fell more than ${member.room.maxBacklog} lines behind and were dropped`);
        yield* ws.close(CloseCode.POLICY_VIOLATION, 'too slow');
        return;
      }
      if (lines.length === 0) return; // left
    }
  } catch (error) {
    // The page went away or the socket is closing: the handler routine cleans up.
    if (error instanceof ConnectionClosed || error instanceof WebSocketError) return;
    throw error;
  }
}
