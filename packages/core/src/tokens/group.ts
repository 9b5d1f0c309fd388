import { InvalidGroup } from '../errors.js';
import type { Hub } from '../hub.js';
import type { Runner } from '../runner.js';
import type { Connection } from '../connection.js';
import { type GroupRole, type Teardown, type TokenContext, Token, TokenKind, isToken, tearDown } from './token.js';

/**
 * A token that may be grouped: a socket wait, a sleep, a wait, or any other token whose
 * `group` role is set. Which roles may be combined is checked when the group starts.
 * @example
 * const members: GroupMember[] = [wait('stop'), sleep(10)];
 * yield members; // the same as yield* first(...members), untyped
 */
export type GroupMember = Token<unknown>;

type ResultOf<M> = M extends Token<infer T> ? T : never;
/**
 * The typed result of `first(...)`: the winner's value in its position, `undefined` elsewhere.
 * @example
 * const [line, timedOut]: FirstResult<[UntilToken, SleepToken]> = yield* first(until('\r\n'), sleep(5));
 */
export type FirstResult<M extends readonly unknown[]> = { [K in keyof M]: ResultOf<M[K]> | undefined };

/**
 * The token `first()` returns, and what `yield [a, b]` becomes. Members start in order,
 * the socket wait first (if its bytes are buffered it wins without anything else starting);
 * the first to resolve wins and the others are torn down at once.
 * @example
 * const token = first(until('\r\n'), sleep(30)); // FirstToken<[UntilToken, SleepToken]>
 * const [line, idle] = yield* token;
 * if (idle) yield 'bye: idle for 30 s\r\n';
 */
export class FirstToken<M extends readonly GroupMember[]> extends Token<FirstResult<M>> {
  readonly kind = TokenKind.First;
  constructor(readonly members: M) {
    super();
  }
  start(context: TokenContext<FirstResult<M>>): Teardown | void {
    const members = this.members as readonly unknown[];
    let socket = -1;
    let sleeps = 0;
    for (let slot = 0; slot < members.length; slot++) {
      const role = roleOf(members[slot]);
      if (role === 'socket') {
        if (socket !== -1) throw new InvalidGroup(`a group may hold at most one socket wait, got ${countRole(members, 'socket')}`);
        socket = slot;
      } else if (role === 'sleep') {
        if (++sleeps > 1) throw new InvalidGroup(`a group may hold at most one sleep, got ${countRole(members, 'sleep')}`);
      }
    }
    if (members.length === 0) throw new InvalidGroup('a group must hold at least one token');
    const group = new Group(context as TokenContext<unknown[]>, members.length);
    if (socket !== -1) {
      group.startMember(members[socket] as Token<unknown>, socket);
      if (group.done) return group;
    }
    for (let slot = 0; slot < members.length && !group.done; slot++) {
      if (slot !== socket) group.startMember(members[slot] as Token<unknown>, slot);
    }
    return group;
  }
}

function roleOf(member: unknown): GroupRole {
  const role = typeof member === 'object' && member !== null && isToken(member) ? member.group : null;
  if (role === null) throw new InvalidGroup(`a group may hold only wait, sleep and socket-wait tokens, not ${describeMember(member)} (and other wait-like tokens, such as a queue's get())`);
  return role;
}

function countRole(members: readonly unknown[], role: GroupRole): number {
  return members.filter((member) => (member as Token<unknown>).group === role).length;
}

function describeMember(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}

/** The running group: one member context per slot, one teardown for them all. */
class Group {
  done = false;
  readonly #teardowns: (Teardown | undefined)[] = [];
  constructor(
    readonly context: TokenContext<unknown[]>,
    readonly size: number,
  ) {}

  startMember(member: Token<unknown>, slot: number): void {
    let teardown: Teardown | void;
    try {
      teardown = member.start(new MemberContext(this, slot));
    } catch (error) {
      this.settle(slot, true, error);
      return;
    }
    if (teardown === undefined) return;
    if (this.done) tearDown(teardown);
    else this.#teardowns[slot] = teardown;
  }

  settle(slot: number, throwing: boolean, value: unknown): void {
    if (this.done) return;
    // Tear the others down before the routine resumes, so a second event cannot win too.
    this.cancel();
    if (throwing) {
      this.context.reject(value);
      return;
    }
    const result = new Array<unknown>(this.size).fill(undefined);
    result[slot] = value;
    this.context.resolve(result);
  }

  cancel(): void {
    this.done = true;
    const teardowns = this.#teardowns;
    for (let slot = 0; slot < teardowns.length; slot++) {
      const teardown = teardowns[slot];
      if (teardown !== undefined) {
        teardowns[slot] = undefined;
        tearDown(teardown);
      }
    }
  }
}

class MemberContext implements TokenContext<unknown> {
  constructor(
    readonly group: Group,
    readonly slot: number,
  ) {}
  get hub(): Hub {
    return this.group.context.hub;
  }
  get runner(): Runner {
    return this.group.context.runner;
  }
  get connection(): Connection | null {
    return this.group.context.connection;
  }
  get settled(): boolean {
    return this.group.done;
  }
  resolve(value: unknown): void {
    this.group.settle(this.slot, false, value);
  }
  reject(error: unknown): void {
    this.group.settle(this.slot, true, error);
  }
}

/**
 * Suspends: until the first member resolves; the typed form of `yield [a, b]`. At most one
 * socket wait, at most one sleep, any number of waits and other wait-like tokens.
 * @example
 * const [data, timedOut] = yield* first(bytes(2), sleep(3));
 */
export function first<M extends readonly GroupMember[]>(...members: M): FirstToken<M> {
  return new FirstToken(members);
}
