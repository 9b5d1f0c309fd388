// First: refuses to load a second copy of core before any of its state exists.
export { DuplicateCoreError, loadedCore, type CoreInstance } from './core-instance.js';
export { Application, run, type ApplicationOptions, type Listener } from './application.js';
export type { RunOptions } from './workers.js';
export { DatagramService, type DatagramHandler, type DatagramServiceOptions } from './datagram-service.js';
export { Client, call, readTurn, type ClientOptions } from './client.js';
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
  Cancelled,
  ConnectError,
  ConnectionClosed,
  DieselError,
  Halted,
  InvalidGroup,
  InvalidYield,
  ListenError,
  LockAlreadyHeld,
  LockNotHeld,
  OutsideRoutine,
  QueueClosed,
  SentinelNotFound,
  SocketClosed,
  Timeout,
  BytesLimitExceeded,
  UsageError,
  type UsageErrorCode,
} from './errors.js';
export { Task, SpawnToken, all, race, spawn, type ResultOf, type Runnable } from './tokens/task.js';
export { timeout } from './tokens/timeout.js';
export { Local } from './tokens/local.js';
export type { LoopLike, NestedRoutine, Yieldable } from './yieldable.js';
export {
  registerConnectOption,
  registerHaltGoodbye,
  registerServiceOption,
  type ConnectOptionLayer,
  type HaltGoodbye,
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
  type ErrorHandler,
  type ErrorSite,
  type EventListener,
  type HubOptions,
  type Outcome,
  type Routine,
  type SpawnOptions,
  type TokenContext,
} from './hub.js';
export { EventNotJson, eventJson, localEvents, type EventBus, type EventBusContext } from './event-bus.js';
export { ConsoleLogger, dieselTimestamp, type DieselLogger } from './logger.js';
export { Loop, type LoopOptions } from './loop.js';
export { Service, type ConnectionHandler, type ServiceOptions } from './service.js';
export { NOT_NOW, isToken, type GroupRole, type Operation, type Teardown } from './tokens/token.js';
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
  type FireOptions,
  type FirstResult,
  type GroupMember,
  type TextEncodingName,
  type UntilOptions,
} from './tokens.js';
export {
  DEFAULT_MAX_QUEUED_DATAGRAMS,
  DatagramSocket,
  ReceiveDatagramToken,
  UdpSocketToken,
  udpSocket,
  type Datagram,
  type DatagramOptions,
} from './tokens/datagram.js';
export { Event, EventWaitToken } from './tokens/event.js';
export { Lock } from './tokens/lock.js';
export { Queue, QueueGetToken, QueuePutToken, type QueueOptions } from './tokens/queue.js';
export { Semaphore } from './tokens/semaphore.js';
export { SignalToken, signal, signalWaiters } from './tokens/signal.js';
export { AcquireToken, Permits } from './sync/permits.js';
