import { CustomToken, type Hub, Loop, type Routine, type TokenContext, first, fire, sleep, wait } from '@diesel/core';
import { ChatError } from './errors.js';

/**
 * What `new ChatRoom(options)` takes: its limits, all optional.
 * @example
 * const room = new ChatRoom({ maxNickLength: 16, maxMessageLength: 500, maxBacklog: 200 });
 */
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
  /**
   * Seconds of the announcement window for joins and leaves (default 0.25). The first
   * four in a window go out at once; later ones are gathered into one line per window
   * (`* a, b, c, d, e and 97 others joined`), so a join storm costs each member a few
   * lines per window rather than one per join.
   */
  announceInterval?: number;
  /**
   * The room's name across processes (default `lobby`). With an event bus that spans
   * processes (`new Application({ events: redisEvents({ url }) })`), rooms of the same
   * name in every process are one room; it is the event `diesel-chat:<name>` on the bus.
   */
  name?: string;
  /**
   * Seconds between the roster each process sends the others (default 10): how /who and
   * nick checks learn of members on other processes after a gap, and how a process that
   * vanished is noticed — its members are announced as left after three intervals of
   * silence. Used only when the room spans processes.
   */
  rosterInterval?: number;
}

/**
 * The default `rosterInterval`, in seconds.
 * @example
 * new ChatRoom({ rosterInterval: DEFAULT_ROSTER_INTERVAL / 2 });
 */
export const DEFAULT_ROSTER_INTERVAL = 10;
/**
 * The default room `name`.
 * @example
 * new ChatRoom({ name: DEFAULT_ROOM_NAME });
 */
export const DEFAULT_ROOM_NAME = 'lobby';
/** Rosters missed before a silent process's members are taken for gone. */
const ROSTERS_MISSED = 3;
/** Wakes this process's members only: the other processes wake theirs on the room's bus event. */
const LOCAL = { local: true } as const;

/** What rooms of one name tell each other over the event bus (JSON). */
interface RoomMessage {
  /** The sending room instance. */
  r: string;
  k: 'say' | 'join' | 'leave' | 'hello' | 'roster' | 'bye';
  line?: string;
  nick?: string;
  nicks?: string[];
  slow?: boolean;
}

interface RemoteRoom {
  readonly nicks: Set<string>;
  seen: number;
}

/**
 * The default `maxNickLength`, in characters: a longer nick is refused.
 * @example
 * new ChatRoom({ maxNickLength: DEFAULT_MAX_NICK_LENGTH / 2 });
 */
export const DEFAULT_MAX_NICK_LENGTH = 32;
/**
 * The default `announceInterval`, in seconds.
 * @example
 * new ChatRoom({ announceInterval: DEFAULT_ANNOUNCE_INTERVAL * 4 });
 */
export const DEFAULT_ANNOUNCE_INTERVAL = 0.25;
/** Announcements that go out at once in one `announceInterval`; later ones are gathered. */
const IMMEDIATE_ANNOUNCEMENTS = 4;
/** Nicks named in one gathered announcement; the rest are counted. */
const NAMED_IN_ANNOUNCEMENT = 5;
/**
 * The default `maxMessageLength`, in characters: a longer message is cut to it.
 * @example
 * new ChatRoom({ maxMessageLength: DEFAULT_MAX_MESSAGE_LENGTH * 2 });
 */
export const DEFAULT_MAX_MESSAGE_LENGTH = 2000;
/**
 * The default `maxBacklog`, in lines: a member with more than this waiting for it (its
 * client reads slower than the room talks) is dropped.
 * @example
 * new ChatRoom({ maxBacklog: DEFAULT_MAX_BACKLOG * 10 }); // members on slow links
 */
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
  readonly announceInterval: number;
  readonly name: string;
  readonly rosterInterval: number;
  /** The bus event rooms of this name share across processes. */
  readonly busEvent: string;
  readonly #id = `${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  readonly #members = new Map<string, ChatMember>();
  /** Members on other processes, by the room instance that has them. */
  readonly #remote = new Map<string, RemoteRoom>();
  /** The hub this room spans processes on, once a member joined on one that does. */
  #hub: Hub | null = null;
  #checkedHub: Hub | null = null;
  #joined: string[] = [];
  #left: string[] = [];
  #tooSlow: string[] = [];
  #announcing = false;
  #windowStart = Number.NEGATIVE_INFINITY;
  #windowCount = 0;
  #memberCount = 0;

  constructor(options: ChatRoomOptions = {}) {
    this.event = `diesel-chat:${++rooms}`;
    this.maxNickLength = positiveInteger(options.maxNickLength, DEFAULT_MAX_NICK_LENGTH, 'maxNickLength');
    this.maxMessageLength = positiveInteger(options.maxMessageLength, DEFAULT_MAX_MESSAGE_LENGTH, 'maxMessageLength');
    this.maxBacklog = positiveInteger(options.maxBacklog, DEFAULT_MAX_BACKLOG, 'maxBacklog');
    const interval = options.announceInterval ?? DEFAULT_ANNOUNCE_INTERVAL;
    if (!(interval >= 0) || !Number.isFinite(interval)) throw new RangeError(`ChatRoom: announceInterval must be a number of seconds >= 0, got ${String(interval)}`);
    this.announceInterval = interval;
    this.name = options.name ?? DEFAULT_ROOM_NAME;
    if (this.name === '') throw new RangeError('ChatRoom: name must not be empty');
    this.busEvent = `diesel-chat:${this.name}`;
    const roster = options.rosterInterval ?? DEFAULT_ROSTER_INTERVAL;
    if (!(roster > 0) || !Number.isFinite(roster)) throw new RangeError(`ChatRoom: rosterInterval must be a number of seconds > 0, got ${String(roster)}`);
    this.rosterInterval = roster;
  }

  /**
   * Nicks in the whole room: this process's members in the order they joined, then those
   * on other processes (when the room spans processes) as far as this process knows.
   */
  get nicks(): string[] {
    const nicks = [...this.#members.keys()];
    for (const remote of this.#remote.values()) for (const nick of remote.nicks) if (!this.#members.has(nick)) nicks.push(nick);
    return nicks;
  }

  /** Members connected to this process. */
  get size(): number {
    return this.#members.size;
  }

  /** True once the room talks to rooms of its name on other processes (a member joined on an app whose event bus spans processes). */
  get spansProcesses(): boolean {
    return this.#hub !== null;
  }

  /**
   * Starts talking to the rooms of this name on other processes now (when the current
   * application's event bus spans processes), rather than at the first join: /who and
   * the nick check then know the members elsewhere from the first member on. Does
   * nothing without such a bus, or the second time. Suspends: no.
   * @example
   * app.addLoop(new Loop(function* () { yield* room.open(); }));
   */
  *open(): Routine<void> {
    const hub = yield* currentHub();
    if (hub === this.#checkedHub) return;
    this.#checkedHub = hub;
    if (hub.spansProcesses) this.#link(hub);
  }

  #takenElsewhere(nick: string): boolean {
    for (const remote of this.#remote.values()) if (remote.nicks.has(nick)) return true;
    return false;
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
   * Adds a member and announces `* nick joined` to everyone: to the newcomer at once, to
   * the others with the next announcement (see `announceInterval`). Throws `ChatError`
   * for an invalid or taken nick (nothing is announced then).
   * Suspends: no (the announcement runs on a routine of its own).
   * @example
   * const me = yield* room.join('alice');
   */
  *join(nick: string): Routine<ChatMember> {
    this.checkNick(nick);
    yield* this.open();
    if (this.#members.has(nick) || this.#takenElsewhere(nick)) throw new ChatError('DIESEL_ERR_CHAT_NICK_TAKEN', `nick ${JSON.stringify(nick)} is taken`);
    const member = new ChatMember(this, nick, ++this.#memberCount);
    this.#members.set(nick, member);
    this.#send({ k: 'join', nick });
    member.deliver(`* ${nick} joined`);
    this.#joined.push(nick);
    yield* this.#announceSoon();
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
    // Joins and leaves said before this line are announced before it, in order.
    let crowded = this.#flushAnnouncements();
    crowded = this.#deliverAll(line) || crowded;
    this.#send({ k: 'say', line });
    yield* fire(this.event, undefined, LOCAL);
    if (this.#tooSlow.length > 0) yield* this.#announceSoon();
    if (crowded) yield* sleep(0);
  }

  /** @internal */
  *leave(member: ChatMember): Routine<void> {
    if (this.#members.get(member.nick) !== member) return;
    this.#members.delete(member.nick);
    this.#left.push(member.nick);
    this.#send({ k: 'leave', nicks: [member.nick] });
    yield* this.#announceSoon();
  }

  // ---- across processes --------------------------------------------------------------
  //
  // Each process's room says what happens to its own members on the bus event
  // `diesel-chat:<name>`: lines said, joins, leaves. The others deliver the lines to
  // their members and announce the joins and leaves as if they were their own. A bus
  // listener (not a wait) receives them, so none is missed between two wake-ups. Rosters
  // (hello on arrival, then one every rosterInterval) fill /who and the nick check with
  // the members elsewhere, and let a process that vanished be noticed.

  #link(hub: Hub): void {
    this.#hub = hub;
    const unlisten = hub.listen(this.busEvent, (value) => this.#receive(hub, value as RoomMessage));
    this.#send({ k: 'hello' });
    this.#send({ k: 'roster', nicks: [...this.#members.keys()] });
    hub.spawn(this.#rosters(hub, unlisten), { name: `${this.busEvent} rosters` });
  }

  /** Sends this process's roster every rosterInterval; forgets processes gone silent. */
  *#rosters(hub: Hub, unlisten: () => void): Routine<void> {
    try {
      for (;;) {
        yield* sleep(this.rosterInterval);
        this.#send({ k: 'roster', nicks: [...this.#members.keys()] });
        const stale = performance.now() - ROSTERS_MISSED * this.rosterInterval * 1000;
        for (const [id, remote] of this.#remote) {
          if (remote.seen < stale) this.#forget(hub, id);
        }
      }
    } finally {
      // Halting: the others forget this process's members at once, not after three rosters.
      this.#send({ k: 'bye' });
      unlisten();
      this.#hub = null;
      this.#checkedHub = null;
      this.#remote.clear();
    }
  }

  #send(message: Omit<RoomMessage, 'r'>): void {
    this.#hub?.publish(this.busEvent, { r: this.#id, ...message });
  }

  #receive(hub: Hub, message: RoomMessage): void {
    if (typeof message !== 'object' || message === null || message.r === this.#id || typeof message.r !== 'string') return;
    let remote = this.#remote.get(message.r);
    if (remote === undefined) this.#remote.set(message.r, (remote = { nicks: new Set(), seen: 0 }));
    remote.seen = performance.now();
    switch (message.k) {
      case 'say':
        if (typeof message.line !== 'string') return;
        this.#flushAnnouncements();
        // Cleaned again: whatever is on the bus reaches screens here only as a plain line.
        this.#deliverAll([...message.line.replace(CONTROLS, '')].slice(0, this.maxNickLength + 2 + this.maxMessageLength).join(''));
        hub.fire(this.event, undefined);
        if (this.#tooSlow.length > 0) this.#announceFrom(hub);
        return;
      case 'join':
        if (typeof message.nick !== 'string') return;
        remote.nicks.add(message.nick);
        this.#joined.push(message.nick);
        this.#announceFrom(hub);
        return;
      case 'leave':
        for (const nick of message.nicks ?? []) {
          if (!remote.nicks.delete(nick)) continue;
          (message.slow === true ? this.#tooSlow : this.#left).push(nick);
        }
        this.#announceFrom(hub);
        return;
      case 'hello':
        this.#send({ k: 'roster', nicks: [...this.#members.keys()] });
        return;
      case 'roster':
        // Silently brought up to date: joins and leaves missed in a gap are not announced late.
        remote.nicks.clear();
        for (const nick of message.nicks ?? []) remote.nicks.add(nick);
        return;
      case 'bye':
        this.#forget(hub, message.r);
        return;
      default:
        return;
    }
  }

  /** A process left (said bye, or went silent): its members are announced as left here. */
  #forget(hub: Hub, id: string): void {
    const remote = this.#remote.get(id);
    if (remote === undefined) return;
    this.#remote.delete(id);
    for (const nick of remote.nicks) if (!this.#members.has(nick)) this.#left.push(nick);
    if (remote.nicks.size > 0) this.#announceFrom(hub);
  }

  /** Announces on a routine of its own: a bus listener runs outside any routine. */
  #announceFrom(hub: Hub): void {
    if (hub.halting) return;
    hub.spawn(this.#announceSoon(), { name: `${this.busEvent} announce` });
  }

  /**
   * Queues `line` for everyone; true if someone is now past half of `maxBacklog`. The
   * members it drops are announced later, all in one line: announcing each drop to
   * everyone at once used to push members that read fine past the backlog in turn
   * (1,100 stalled members dropped together emptied a room of readers).
   */
  #deliverAll(line: string, except?: string): boolean {
    const half = this.maxBacklog / 2;
    let crowded = false;
    for (const member of this.#members.values()) {
      if (member.nick === except) continue;
      if (!member.deliver(line)) {
        this.#members.delete(member.nick);
        this.#tooSlow.push(member.nick);
        this.#send({ k: 'leave', nicks: [member.nick], slow: true });
      } else if (member.pending > half) crowded = true;
    }
    return crowded;
  }

  /**
   * Announces what is pending: at once while fewer than `IMMEDIATE_ANNOUNCEMENTS` went out
   * in this `announceInterval`; past that, a routine of its own gathers the rest into one
   * line per interval. The rate of lines every member gets is bounded either way.
   */
  *#announceSoon(): Routine<void> {
    if (this.#announcing) return;
    const now = performance.now();
    if (now - this.#windowStart >= this.announceInterval * 1000) {
      this.#windowStart = now;
      this.#windowCount = 0;
    }
    if (this.#windowCount < IMMEDIATE_ANNOUNCEMENTS) {
      this.#windowCount++;
      this.#flushAnnouncements();
      yield* fire(this.event, undefined, LOCAL);
      return;
    }
    this.#announcing = true;
    yield new Loop({ name: `${this.event} announcements` }, this.#announcer.bind(this));
  }

  /** Gathers announcements into one line per `announceInterval` while more keep coming. */
  *#announcer(): Routine<void> {
    try {
      yield* sleep(Math.max(0, (this.#windowStart + this.announceInterval * 1000 - performance.now()) / 1000));
      while (this.#joined.length + this.#left.length + this.#tooSlow.length > 0) {
        this.#flushAnnouncements();
        yield* fire(this.event, undefined, LOCAL);
        this.#windowStart = performance.now();
        this.#windowCount = IMMEDIATE_ANNOUNCEMENTS;
        yield* sleep(this.announceInterval);
      }
    } finally {
      this.#announcing = false;
    }
  }

  /** Queues the pending join and leave lines for everyone; true if someone got crowded. */
  #flushAnnouncements(): boolean {
    let crowded = false;
    if (this.#joined.length > 0) {
      const joined = this.#joined;
      this.#joined = [];
      // A lone newcomer has had its own line already.
      crowded = this.#deliverAll(`* ${namesOf(joined)} joined`, joined.length === 1 ? joined[0] : undefined) || crowded;
    }
    if (this.#left.length > 0) {
      const left = this.#left;
      this.#left = [];
      crowded = this.#deliverAll(`* ${namesOf(left)} left`) || crowded;
    }
    // Drops found while delivering these are announced with the next round, one line each round.
    if (this.#tooSlow.length > 0) {
      const slow = this.#tooSlow;
      this.#tooSlow = [];
      crowded = this.#deliverAll(`* ${namesOf(slow)} left (too slow)`) || crowded;
    }
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
  /** The event that wakes only this member's routines (lines for it alone, its drop). */
  readonly event: string;
  #queue: string[] = [];
  #dropped = false;
  #left = false;
  #onDropped: (() => void) | null = null;

  constructor(room: ChatRoom, nick: string, id = 0) {
    this.room = room;
    this.nick = nick;
    this.event = `${room.event}:member:${id}`;
  }

  /**
   * Registers what ends this member's transport when the room drops it (the TCP handler
   * destroys its connection): a dropped member's routine may be stuck writing to a client
   * that stopped reading, and would otherwise keep its connection open. Suspends: no.
   * @example
   * member.whenDropped(() => connection.destroy());
   */
  whenDropped(close: () => void): void {
    this.#onDropped = close;
    if (this.#dropped) close();
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
      const close = this.#onDropped;
      this.#onDropped = null;
      close?.();
      return false;
    }
    this.#queue.push(line);
    return true;
  }

  /**
   * Queues a line for this member only (a reply to `/who`, an error) and wakes the
   * routine that delivers to it (on `member.event`: nobody else wakes). Suspends: no.
   * @example
   * yield* me.notice(`* in the room: ${room.nicks.join(', ')}`);
   */
  *notice(line: string): Routine<void> {
    this.deliver(line);
    yield* fire(this.event, undefined, LOCAL);
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
    while (this.#queue.length === 0 && !this.left) yield* first(wait(this.room.event), wait(this.event));
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

/** `a`, `a, b`, or `a, b, c, d, e and 12 others`. */
function namesOf(nicks: readonly string[]): string {
  if (nicks.length <= NAMED_IN_ANNOUNCEMENT + 1) return nicks.join(', ');
  return `${nicks.slice(0, NAMED_IN_ANNOUNCEMENT).join(', ')} and ${nicks.length - NAMED_IN_ANNOUNCEMENT} others`;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`ChatRoom: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

class HubToken extends CustomToken<Hub> {
  start(context: TokenContext<Hub>): void {
    context.resolve(context.hub);
  }
}

/** Suspends: no. The hub running the current routine. */
function* currentHub(): Routine<Hub> {
  return (yield new HubToken()) as Hub;
}
