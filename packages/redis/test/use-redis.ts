/**
 * What the RedisClient tests against one redis-server share: the server for the file
 * (started before its tests, stopped after), and a hub for each test's routines, halted
 * after the test. A test gets a new hub, with a new MemoryLogger, the first time it runs
 * something, and again if it halted the one it had, so no test sees another's log lines.
 */
import { Hub, run, type Routine, type Token } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startRedis, type RedisServer } from './redis-server.js';

export interface RedisTest {
  /** The file's redis-server (there once `beforeAll` ran). */
  readonly redis: RedisServer;
  /** What the test's hub logged. */
  readonly logger: MemoryLogger;
  /** Runs a token or routine on the test's hub; resolves with its result. */
  go<T>(operation: Routine<T> | Generator<unknown, T, unknown> | Token<T>): Promise<T>;
}

/** Call at the top of a test file: registers the hooks and returns the handles. */
export function useRedis(): RedisTest {
  let redis: RedisServer | undefined;
  let current: { hub: Hub; logger: MemoryLogger } | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(() => {
    current?.hub.halt();
    current = undefined;
  });
  const test = (): { hub: Hub; logger: MemoryLogger } => {
    if (current === undefined || current.hub.halting) {
      const logger = new MemoryLogger();
      current = { hub: new Hub({ logger }), logger };
    }
    return current;
  };
  return {
    get redis(): RedisServer {
      if (redis === undefined) throw new Error('the redis-server starts in beforeAll: use it inside a test');
      return redis;
    },
    get logger(): MemoryLogger {
      return test().logger;
    },
    go<T>(operation: Routine<T> | Generator<unknown, T, unknown> | Token<T>): Promise<T> {
      return run(operation as Routine<T>, { hub: test().hub });
    },
  };
}
