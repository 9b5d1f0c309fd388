/**
 * What the tests that run diesel-chat processes on one Redis share: a redis-server for
 * the file (started before its tests, stopped after), and the child processes a test
 * starts, killed after each test — with their whole process group when they were
 * spawned detached (a `--workers` primary and the workers it forked).
 */
import type { ChildProcess } from 'node:child_process';
import { startRedis, type RedisServer } from '@diesel/redis/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { cleanup } from './helpers.js';

export interface ChatProcesses {
  /** The file's redis-server (there once `beforeAll` ran). */
  readonly redis: RedisServer;
  /** Registers a child to kill after the test. */
  track(child: ChildProcess): ChildProcess;
}

function killGroupOrChild(child: ChildProcess): void {
  try {
    // A detached child leads its own group; for any other, -pid names no group.
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Call at the top of a test file: registers the hooks and returns the handles. */
export function chatProcesses(): ChatProcesses {
  let redis: RedisServer | undefined;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    cleanup();
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        killGroupOrChild(child);
        await exited;
      }
    }
  });
  return {
    get redis(): RedisServer {
      if (redis === undefined) throw new Error('the redis-server starts in beforeAll: use it inside a test');
      return redis;
    },
    track(child) {
      children.push(child);
      return child;
    },
  };
}
