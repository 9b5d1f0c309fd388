/**
 * A hit counter as a line protocol over TCP, backed by Redis: send a page name, get its
 * count back. Every connection's routine shares one pipelined RedisClient, so a thousand
 * clients cost Redis one connection.
 *
 *   node examples-dist/hit-counter.js [redis-url] [port]   (redis://127.0.0.1:6379 8040)
 *   $ ncat localhost 8040
 *   /home
 *   /home 1
 *   /home
 *   /home 2
 */
import { pathToFileURL } from 'node:url';
import { Application, Service, run, until, type Routine } from '@diesel/core';
import { RedisClient } from '@diesel/redis';

/** The parts of a running hit counter, for tests and embedding. */
export interface HitCounter {
  app: Application;
  service: Service;
  redis: RedisClient;
  /** Connects to Redis, then listens. */
  start(): Promise<void>;
  /** Stops listening and closes the Redis connection. */
  stop(): void;
}

/**
 * Builds the service: each line is a page; the reply is `page count`. `quit` ends the
 * connection. A Redis error reaches only the connection whose line caused it.
 * @example
 * const counter = createHitCounter('redis://127.0.0.1:6379', 8040);
 * await counter.start();
 */
export function createHitCounter(redisUrl: string, port = 0, host = '127.0.0.1'): HitCounter {
  const redis = new RedisClient({ url: redisUrl, reconnect: { attempts: 5 } });
  function* handleCounter(): Routine<void> {
    for (;;) {
      const page = (yield* until('\r\n')).trim();
      if (page === 'quit') return;
      if (page === '') continue;
      try {
        const count = yield* redis.incr(`hits:${page}`); // suspends this connection only
        yield `${page} ${count}\r\n`;
      } catch (error) {
        yield `error ${(error as Error).message}\r\n`;
      }
    }
  }
  const app = new Application();
  const service = new Service(handleCounter, { port, host });
  app.addService(service);
  return {
    app,
    service,
    redis,
    async start() {
      await run(redis.connect());
      await app.start();
    },
    stop() {
      app.halt();
      redis.close();
    },
  };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const counter = createHitCounter(argv[0] ?? 'redis://127.0.0.1:6379', Number(argv[1] ?? 8040), '0.0.0.0');
  await counter.start();
  console.log(`hit counter on port ${counter.service.port}`);
  process.once('SIGINT', () => counter.stop());
  await counter.app.run();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
