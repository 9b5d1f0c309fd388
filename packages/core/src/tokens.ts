/**
 * The token set, gathered from `tokens/` (one file per kind) for core's own modules.
 */
export { CustomToken, NOT_NOW, Token, TokenIterator, TokenKind, TOKEN, isToken, type GroupRole, type Operation, type Teardown, type TokenContext } from './tokens/token.js';
export { SleepToken, sleep } from './tokens/sleep.js';
export { BytesToken, ReceiveToken, UntilToken, bytes, receive, until, untilEol, type TextEncodingName, type UntilOptions } from './tokens/socket-waits.js';
export { FireToken, WaitToken, fire, wait, type EventWaiter, type FireOptions } from './tokens/wait-fire.js';
export { FirstToken, first, type FirstResult, type GroupMember } from './tokens/group.js';
export { CallToken, ResponseToken, response, type CallTarget } from './tokens/call.js';
