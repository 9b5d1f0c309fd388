import { ConnectionClosed, type RemoteAddress, type Routine, SentinelNotFound, first, sleep, thisConnection, untilEol, wait } from '@diesel/core';
import { handleLine, whoLine } from './commands.js';
import { ChatError } from './errors.js';
import type { ChatMember, ChatRoom } from './room.js';

/**
 * What `chatHandler(room, options)` takes: the limits of one TCP client, all optional.
 * @example
 * chatHandler(room, { maxLineLength: 1024, nickTimeout: 10, idleTimeout: 600 });
 */
export interface ChatHandlerOptions {
  /** Longest line a client may send, in bytes, end of line included (default 4096); longer: `! line too long` and the connection closes. */
  maxLineLength?: number;
  /** Seconds a new client has to send an acceptable nick (default 30); then `! no nick in time` and the connection closes. */
  nickTimeout?: number;
  /** Seconds a member may send nothing before it is closed (default 1800; 0: never). Reading the room does not count. */
  idleTimeout?: number;
  /**
   * A line sent before `* your nick?`, without its end of line (default: none). `diesel-chat
   * --workers` says `* diesel-chat worker N` here, so a person or a test knows which worker serves it.
   */
  greeting?: string;
}

/**
 * The default `maxLineLength`, in bytes, end of line included: a longer line gets
 * `! line too long` and the connection closes.
 * @example
 * chatHandler(room, { maxLineLength: DEFAULT_MAX_LINE_LENGTH / 4 });
 */
export const DEFAULT_MAX_LINE_LENGTH = 4096;
/**
 * The default `nickTimeout`, in seconds.
 * @example
 * chatHandler(room, { nickTimeout: DEFAULT_NICK_TIMEOUT * 2 });
 */
export const DEFAULT_NICK_TIMEOUT = 30;
/**
 * The default `idleTimeout`, in seconds.
 * @example
 * chatHandler(room, { idleTimeout: DEFAULT_IDLE_TIMEOUT / 2 });
 */
export const DEFAULT_IDLE_TIMEOUT = 1800;

/** How long a dropped member's connection may take to flush before it is destroyed. */
const DROPPED_LINGER_MS = 5000;

function seconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`chatHandler: ${name} must be a number of seconds >= 0, got ${String(value)}`);
  return value;
}

/**
 * A greeting is one line: an end of line inside it would let it pass for several lines of
 * the room. Shared by the TCP and WebSocket handlers; not part of the package's API.
 */
export function checkedGreeting(greeting: string, where: string): string {
  if (/[\r\n]/.test(greeting)) throw new RangeError(`${where}: greeting must be one line, got ${JSON.stringify(greeting)}`);
  return greeting;
}

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
 * `first(untilEol(), wait(room.event), wait(member.event), sleep(idle))` — a line from its
 * client, news from the room or for it alone, or the idle timeout.
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
  const nickTimeout = seconds(options.nickTimeout, DEFAULT_NICK_TIMEOUT, 'nickTimeout');
  const idleTimeout = seconds(options.idleTimeout, DEFAULT_IDLE_TIMEOUT, 'idleTimeout');
  const line = () => untilEol({ limit });
  const prompt = options.greeting === undefined ? NICK_PROMPT : `${checkedGreeting(options.greeting, 'chatHandler')}\r\n${NICK_PROMPT}`;

  return function* chatConnection(_remote: RemoteAddress): Routine<void> {
    let member: ChatMember | null = null;
    const connection = yield* thisConnection();
    try {
      // A person at `nc` sees a silent connection otherwise and does not know it waits for them.
      yield prompt;
      const nickBy = performance.now() + nickTimeout * 1000;
      while (member === null) {
        const left = (nickBy - performance.now()) / 1000;
        const [text] = left > 0 ? yield* first(line(), sleep(left)) : [undefined];
        if (text === undefined) {
          yield `! no nick in ${nickTimeout} seconds; bye\r\n`;
          return;
        }
        try {
          member = yield* room.join(text.trim());
        } catch (error) {
          if (!(error instanceof ChatError)) throw error;
          yield `! ${error.message}; send another nick\r\n`;
        }
      }
      // Dropped for reading too slowly: this routine may be stuck in a write to a client
      // that stopped reading, so the room ends the connection itself — with the notice
      // after what is already buffered, and a short linger, so the fd is back soon even
      // if the client never reads again.
      member.whenDropped(() => {
        try {
          connection.write(`! you fell more than ${room.maxBacklog} lines behind and were dropped\r\n`);
        } catch {
          // already gone
        }
        connection.end(DROPPED_LINGER_MS);
      });
      yield* member.notice(whoLine(member));
      let lastHeard = performance.now();
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
        let text: string | undefined;
        if (idleTimeout > 0) {
          const left = (lastHeard + idleTimeout * 1000 - performance.now()) / 1000;
          if (left <= 0) {
            yield `! nothing from you in ${idleTimeout} seconds; bye\r\n`;
            return;
          }
          [text] = yield* first(line(), wait(room.event), wait(member.event), sleep(left));
        } else {
          [text] = yield* first(line(), wait(room.event), wait(member.event));
        }
        if (text === undefined) continue;
        lastHeard = performance.now();
        if (!(yield* handleLine(member, text))) {
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
