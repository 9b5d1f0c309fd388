import { type Routine, fire, sleep, wait } from '@diesel/core';
import { ChatError } from './errors.js';

export interface ChatRoomOptions {
  /** Longest nick, in characters (default 32). */
  maxNickLength?: number;
  /** Longest message, in characters; longer ones are cut (default 2000). */
  maxMessageLength?: number;
  /**
   * Most lines waiting for one member (default 1000). A member whose client reads slower
   * than the room talks is dropped past this, so one stalled client cannot grow the
   * server's memory without bound.
   */
  maxBacklog?: number;
}

export const DEFAULT_MAX_NICK_LENGTH = 32;
export const DEFAULT_MAX_MESSAGE_LENGTH = 2000;
export const DEFAULT_MAX_BACKLOG = 1000;

const NICK = /^[\p{L}\p{N}_.-]+$/u;
// C0/C1 controls (terminal escapes included) never reach other members' screens.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

let rooms = 0;

/**
 * A chat room: who is in it, and the broadcast. Transports (the TCP line protocol, the
 * WebSocket page) join members to it; every line said is queued for every member
 * (`nick: text`, and `* nick joined` / `* nick left`), then one `fire(room.event)` wakes
 * every member routine waiting on `wait(room.event)`. Members that are busy when it fires
 * find the lines queued when they next look, so nothing is lost between two waits.
 * @example
 * const room = new ChatRoom();
 * app.addService(new Service(chatHandler(room), 8001));
 */
export class ChatRoom {
  /** The event name members `wait` on; unique per room, so rooms in one app stay apart. */
  readonly event: string;
  readonly maxNickLength: number;
  readonly maxMessageLength: number;
  readonly maxBacklog: number;
  readonly #members = new Map<string, ChatMember>();

  constructor(options: ChatRoomOptions = {}) {
    this.event = `diesel-chat:${++rooms}`;
    this.maxNickLength = positiveInteger(options.maxNickLength, DEFAULT_MAX_NICK_LENGTH, 'maxNickLength');
    this.maxMessageLength = positiveInteger(options.maxMessageLength, DEFAULT_MAX_MESSAGE_LENGTH, 'maxMessageLength');
    this.maxBacklog = positiveInteger(options.maxBacklog, DEFAULT_MAX_BACKLOG, 'maxBacklog');
  }

  /** Nicks in the room, in the order they joined. */
  get nicks(): string[] {
    return [...this.#members.keys()];
  }

  get size(): number {
    return this.#members.size;
  }

  /**
   * Throws `ChatError` (`DIESEL_ERR_CHAT_NICK_INVALID`) unless `nick` is 1 to
   * `maxNickLength` letters, digits, `_`, `-` or `.`. Suspends: no.
   * @example
   * room.checkNick('alice'); // ok
   */
  checkNick(nick: string): void {
    if (nick.length === 0) throw new ChatError('DIESEL_ERR_CHAT_NICK_INVALID', 'a nick must not be empty');
    if ([...nick].length > this.maxNickLength) throw new ChatError('DIESEL_ERR_CHAT_NICK_INVALID', `a nick has at most ${this.maxNickLength} characters`);
    if (!NICK.test(nick)) throw new ChatError('DIESEL_ERR_CHAT_NICK_INVALID', `nick ${JSON.stringify(nick)} may only have letters, digits, _ - and .`);
  }

  /**
   * Adds a member and announces `* nick joined` to everyone (the newcomer included).
   * Throws `ChatError` for an invalid or taken nick (nothing is announced then).
   * Suspends: no (`fire` wakes the others, who run after the caller next suspends).
   * @example
   * const me = yield* room.join('alice');
   */
  *join(nick: string): Routine<ChatMember> {
    this.checkNick(nick);
    if (this.#members.has(nick)) throw new ChatError('DIESEL_ERR_CHAT_NICK_TAKEN', `nick ${JSON.stringify(nick)} is taken`);
    const member = new ChatMember(this, nick);
    this.#members.set(nick, member);
    yield* this.broadcast(`* ${nick} joined`);
    return member;
  }

  /**
   * Queues `line` for every member and wakes them. Members past `maxBacklog` are dropped
   * (they find out through `member.dropped` and leave).
   * Suspends: only when some member has more than half of `maxBacklog` queued — then
   * once (`sleep(0)`), so that the members just woken catch up before more is said. A
   * client that sends a burst of lines in one packet would otherwise be read line after
   * line without a pause and push readers that are keeping up over the limit.
   * @example
   * yield* room.broadcast('* the server will restart in 5 minutes');
   */
  *broadcast(line: string): Routine<void> {
    const crowded = this.#deliverAll(line);
    yield* fire(this.event);
    if (crowded) yield* sleep(0);
  }

  /** @internal */
  *leave(member: ChatMember): Routine<void> {
    if (this.#members.get(member.nick) !== member) return;
    this.#members.delete(member.nick);
    yield* this.broadcast(`* ${member.nick} left`);
  }

  /** Queues `line` for everyone; true if someone is now past half of `maxBacklog`. */
  #deliverAll(line: string): boolean {
    const dropped: ChatMember[] = [];
    const half = this.maxBacklog / 2;
    let crowded = false;
    for (const member of this.#members.values()) {
      if (!member.deliver(line)) dropped.push(member);
      else if (member.pending > half) crowded = true;
    }
    for (const member of dropped) this.#members.delete(member.nick);
    // Announcing a drop may push another member past its backlog in turn; each member
    // is dropped once, so this ends.
    for (const member of dropped) crowded = this.#deliverAll(`* ${member.nick} left (too slow)`) || crowded;
    return crowded;
  }

  /** Cleans a message: controls removed, cut at `maxMessageLength` characters, trimmed. Suspends: no. */
  clean(text: string): string {
    let clean = text.replace(CONTROLS, '').trim();
    if (clean.length > this.maxMessageLength) clean = [...clean].slice(0, this.maxMessageLength).join('');
    return clean;
  }
}

/**
 * One member of a room, as its transport routine sees it: lines to deliver are queued
 * here; `say` talks, `take`/`next` read, `leave` goes.
 * @example
 * const me = yield* room.join('alice');
 * try {
 *   yield* me.say('hello');
 *   for (const line of yield* me.next()) console.log(line);
 * } finally {
 *   yield* me.leave();
 * }
 */
export class ChatMember {
  readonly room: ChatRoom;
  readonly nick: string;
  #queue: string[] = [];
  #dropped = false;
  #left = false;

  constructor(room: ChatRoom, nick: string) {
    this.room = room;
    this.nick = nick;
  }

  /** Lines queued and not yet taken. */
  get pending(): number {
    return this.#queue.length;
  }

  /** True once the room dropped this member for falling `maxBacklog` lines behind. */
  get dropped(): boolean {
    return this.#dropped;
  }

  /** True once the member left (or was dropped). */
  get left(): boolean {
    return this.#left || this.#dropped;
  }

  /** @internal Queues a line; false if that put the member past the backlog (it is then dropped). */
  deliver(line: string): boolean {
    if (this.left) return true;
    if (this.#queue.length >= this.room.maxBacklog) {
      this.#dropped = true;
      this.#queue = [];
      return false;
    }
    this.#queue.push(line);
    return true;
  }

  /**
   * Queues a line for this member only (a reply to `/who`, an error) and wakes the
   * routine that delivers to it (the room's event: others wake, find nothing new and
   * wait again). Suspends: no.
   * @example
   * yield* me.notice(`* in the room: ${room.nicks.join(', ')}`);
   */
  *notice(line: string): Routine<void> {
    this.deliver(line);
    yield* fire(this.room.event);
  }

  /** Takes every queued line (oldest first); empty if none. Suspends: no. */
  take(): string[] {
    const lines = this.#queue;
    this.#queue = [];
    return lines;
  }

  /**
   * Suspends: until at least one line is queued (not at all if one already is); returns
   * them all. Returns `[]` if the member has left or was dropped.
   * @example
   * for (const line of yield* me.next()) yield* ws.send(line);
   */
  *next(): Routine<string[]> {
    while (this.#queue.length === 0 && !this.left) yield* wait(this.room.event);
    return this.take();
  }

  /**
   * Broadcasts `nick: text` (cleaned, see `ChatRoom.clean`; nothing if it is empty, or
   * after `leave`). Throws `ChatError` (`DIESEL_ERR_CHAT_TOO_SLOW`) once dropped. Suspends: no.
   * @example
   * yield* me.say('hello');
   */
  *say(text: string): Routine<void> {
    if (this.#dropped) throw new ChatError('DIESEL_ERR_CHAT_TOO_SLOW', `${this.nick} fell more than ${this.room.maxBacklog} lines behind and was dropped`);
    if (this.#left) return;
    const clean = this.room.clean(text);
    if (clean !== '') yield* this.room.broadcast(`${this.nick}: ${clean}`);
  }

  /** Leaves the room and announces `* nick left`; does nothing the second time. Suspends: no. */
  *leave(): Routine<void> {
    if (this.#left) return;
    this.#left = true;
    yield* this.room.leave(this);
  }
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`ChatRoom: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}
