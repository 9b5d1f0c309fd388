import type { Routine } from '@diesel/core';
import type { ChatMember } from './room.js';

/**
 * What a member's line means: `/who` lists the room, `/quit` leaves, any other text is
 * said to the room (`//text` says `/text`). Shared by the TCP and WebSocket transports.
 * Returns false when the member asked to quit. Suspends: no.
 * @example
 * if (!(yield* handleLine(me, line))) return;
 */
export function* handleLine(member: ChatMember, line: string): Routine<boolean> {
  const text = line.trim();
  if (text === '/quit') return false;
  if (text === '/who') {
    yield* member.notice(whoLine(member));
    return true;
  }
  if (text.startsWith('/') && !text.startsWith('//')) {
    yield* member.notice(`! unknown command ${text.split(/\s/, 1)[0]}; try /who or /quit`);
    return true;
  }
  yield* member.say(text.startsWith('//') ? text.slice(1) : text);
  return true;
}

/**
 * The answer to `/who`: `* in the room: alice, bob`, the nicks of `member`'s room in
 * the order they joined.
 * @example
 * yield* member.notice(whoLine(member)); // to this member only
 */
export function whoLine(member: ChatMember): string {
  return `* in the room: ${member.room.nicks.join(', ')}`;
}
