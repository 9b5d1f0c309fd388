export { Application, run, type ApplicationOptions } from './application.js';
export { Client, call } from './client.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export { connect, on, thisConnection, ConnectToken, type ConnectOptions } from './connect.js';
export {
  Connection,
  DEFAULT_INPUT_HIGH_WATER_MARK,
  DEFAULT_UNTIL_LIMIT,
  type ConnectionLimits,
  type RemoteAddress,
} from './connection.js';
export {
  ConnectError,
  ConnectionClosed,
  DieselError,
  Halted,
  InvalidGroup,
  InvalidYield,
  ListenError,
  SentinelNotFound,
  UsageError,
  type UsageErrorCode,
} from './errors.js';
export {
  registerConnectOption,
  registerServiceOption,
  type ConnectOptionLayer,
  type ServiceOptionLayer,
} from './extensions.js';
export {
  CallToken,
  CustomToken,
  Hub,
  Runner,
  describe,
  isDisconnect,
  isRoutine,
  type CallTarget,
  type HubOptions,
  type Outcome,
  type Routine,
  type SpawnOptions,
  type TokenContext,
} from './hub.js';
export { ConsoleLogger, dieselTimestamp, type DieselLogger } from './logger.js';
export { Loop, type LoopOptions } from './loop.js';
export { Service, type ConnectionHandler, type ServiceOptions } from './service.js';
export {
  BytesToken,
  FireToken,
  FirstToken,
  ReceiveToken,
  ResponseToken,
  SleepToken,
  Token,
  UntilToken,
  WaitToken,
  bytes,
  fire,
  first,
  receive,
  response,
  sleep,
  until,
  untilEol,
  wait,
  type FirstResult,
  type GroupMember,
  type TextEncodingName,
  type UntilOptions,
} from './tokens.js';
