import { ConnectionClosed, type RemoteAddress, type Routine, SentinelNotFound, first, untilEol, wait } from '@diesel/core';
import { handleLine, whoLine } from './commands.js';
import { ChatError } from './errors.js';
import type { ChatMember, ChatRoom } from './room.js';

export interface ChatHandlerOptions {
  /** Longest line a client may send, in bytes, end of line included (default 4096); longer: `! line too long` and the connection closes. */
  maxLineLength?: number;
}

export const DEFAULT_MAX_LINE_LENGTH = 4096;

/** The line a TCP client gets first, before it sends its nick. */
const NICK_PROMPT = '* your nick?\r\n';

/**
 * The chat line protocol over TCP, as a connection handler for `Service`. It greets with
 * `* your nick?`, and the client's first line is its nick (`! ...` and another try if it is invalid or taken); then each
 * line it sends is said to the room, and it receives every line of the room, each ending
 * in `\r\n`: `nick: text`, `* nick joined`, `* nick left`. `/who` lists the room, `/quit`
 * leaves. Lines may end in `\n` or `\r\n`.
 *
 * Suspends: the handler runs as long as the client stays; it waits on
 * `first(untilEol(), wait(room.event))` — a line from its client or news from the room.
 * @example
 * const room = new ChatRoom();
 * app.addService(new Service(chatHandler(room), 8001));
 * // $ nc localhost 8001
 * // * your nick?
 * // alice
 * // * alice joined
 */
export function chatHandler(room: ChatRoom, options: ChatHandlerOptions = {}): (remote: RemoteAddress) => Routine<void> {
  const limit = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`chatHandler: maxLineLength must be an integer of at least 2, got ${String(limit)}`);
  const line = () => untilEol({ limit });

  return function* chatConnection(_remote: RemoteAddress): Routine<void> {
    let member: ChatMember | null = null;
    try {
      // A person at `nc` sees a silent connection otherwise and does not know it waits for them.
      yield NICK_PROMPT;
      while (member === null) {
        const nick = (yield* line()).trim();
        try {
          member = yield* room.join(nick);
        } catch (error) {
          if (!(error instanceof ChatError)) throw error;
          yield `! ${error.message}; send another nick\r\n`;
        }
      }
      yield* member.notice(whoLine(member));
      for (;;) {
        const lines = member.take();
        if (lines.length > 0) {
          // One write for everything queued: a busy room costs one syscall per wake-up.
          yield `${lines.join('\r\n')}\r\n`;
          continue;
        }
        if (member.dropped) {
          yield `! you fell more than ${room.maxBacklog} lines behind and were dropped\r\n`;
          return;
        }
        const [text] = yield* first(line(), wait(room.event));
        if (text !== undefined && !(yield* handleLine(member, text))) {
          yield '* bye\r\n';
          return;
        }
      }
    } catch (error) {
      if (error instanceof SentinelNotFound) {
        yield `! line too long (the limit is ${limit} bytes)\r\n`;
        return;
      }
      // The client left: not a failure worth a log line.
      if (error instanceof ConnectionClosed) return;
      throw error;
    } finally {
      // Runs on disconnect, /quit and halt alike, so the room never keeps a ghost.
      if (member !== null) yield* member.leave();
    }
  };
}
