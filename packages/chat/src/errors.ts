import { DieselError } from '@diesel/core';

/**
 * The stable codes a `ChatError` carries.
 * @example
 * if (error instanceof ChatError && error.code === 'DIESEL_ERR_CHAT_NICK_TAKEN') yield* askAgain();
 */
export type ChatErrorCode =
  /** A nick that is empty, too long, or has characters other than letters, digits, `_`, `-`, `.`. */
  | 'DIESEL_ERR_CHAT_NICK_INVALID'
  /** Someone in the room already has that nick. */
  | 'DIESEL_ERR_CHAT_NICK_TAKEN'
  /** A member fell more than `maxBacklog` lines behind and was dropped. */
  | 'DIESEL_ERR_CHAT_TOO_SLOW'
  /** The `diesel-chat` command line is not valid. */
  | 'DIESEL_ERR_CHAT_USAGE'
  /** `--redis` was given but the optional peer `@diesel/redis` is not installed. */
  | 'DIESEL_ERR_CHAT_REDIS_UNAVAILABLE';

/**
 * Every error `@diesel/chat` raises; branch on `code`. Nick errors are answered to the
 * client (`! nick "bob" is taken`) and it may try again; a dropped member's `say` throws
 * `DIESEL_ERR_CHAT_TOO_SLOW`.
 * @example
 * try {
 *   member = yield* room.join(nick);
 * } catch (error) {
 *   if (error instanceof ChatError && error.code === 'DIESEL_ERR_CHAT_NICK_TAKEN') yield `! ${error.message}\r\n`;
 *   else throw error;
 * }
 */
export class ChatError extends DieselError {
  declare readonly code: ChatErrorCode;
  constructor(code: ChatErrorCode, message: string) {
    super(code, message);
  }
}
