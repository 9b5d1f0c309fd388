/**
 * Helpers for testing diesel handlers without sockets or real time:
 * an in-memory connection pair, a fake clock, and `serveInMemory` to run a connection
 * handler against a peer you drive from the test.
 */
// First, as in the main entry: `@diesel/core/testing` alone is a core too.
import '../core-instance.js';
import { Connection, type RemoteAddress } from '../connection.js';
import { Hub, type Outcome, type Routine } from '../hub.js';
import type { DieselLogger } from '../logger.js';
import type { ConnectionHandler } from '../service.js';
import { FakeClock } from './fake-clock.js';
import { MemoryEnd, memoryPair } from './memory-pair.js';

export { FakeClock } from './fake-clock.js';
export { MemoryEnd, memoryPair, readUntil } from './memory-pair.js';

/**
 * What `serveInMemory` returns: both ends of the conversation and how it ended.
 * @example
 * const { peer, exited } = serveInMemory(handleEcho);
 * peer.end();
 * expect((await exited).ok).toBe(true);
 */
export interface InMemoryServe {
  /** The client's end: write requests, `readUntil` responses. */
  peer: MemoryEnd;
  /** The server's connection, as the handler sees it. */
  connection: Connection;
  /** The hub the handler runs on (the one passed in, or a fresh one): halt it to end the test. */
  hub: Hub;
  /** Resolves with how the handler ended. */
  exited: Promise<Outcome>;
}

/**
 * Runs a connection handler on one end of an in-memory pair.
 * @example
 * const { peer } = serveInMemory(handleEcho);
 * peer.write('hi\r\n');
 * expect(await peer.readUntil('\r\n')).toBe('you said: hi\r\n');
 */
export function serveInMemory(
  handler: ConnectionHandler,
  options: { hub?: Hub; clock?: FakeClock; logger?: DieselLogger; remote?: RemoteAddress } = {},
): InMemoryServe {
  const hub = options.hub ?? new Hub({ clock: options.clock, logger: options.logger });
  const [server, peer] = memoryPair();
  const remote = options.remote ?? { host: 'memory', port: 0, family: 'memory' };
  const connection = new Connection(server, remote);
  const routine: Routine = typeof handler === 'function' ? handler(remote) : handler.handle(remote);
  const exited = new Promise<Outcome>((resolve) => {
    hub.spawn(routine, {
      connection,
      onExit: (outcome) => {
        if (outcome.ok) connection.end();
        else connection.destroy();
        resolve(outcome);
      },
    });
  });
  return { peer, connection, hub, exited };
}

/**
 * A logger that keeps every line, for asserting what was logged. Each line is the level,
 * a space, and the message.
 * @example
 * const logger = new MemoryLogger();
 * const app = new Application({ logger });
 * // ... run, halt ...
 * expect(logger.lines).toContain('info Starting diesel application');
 */
export class MemoryLogger implements DieselLogger {
  /** Every line logged so far, oldest first, as `'<level> <message>'`. */
  readonly lines: string[] = [];
  /** Keeps `message` as `'debug <message>'`. */
  debug(message: string): void {
    this.lines.push(`debug ${message}`);
  }
  /** Keeps `message` as `'info <message>'`. */
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  /** Keeps `message` as `'warn <message>'`. */
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  /** Keeps `message` as `'error <message>'`. */
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
  /** Keeps `message` as `'critical <message>'`. */
  critical(message: string): void {
    this.lines.push(`critical ${message}`);
  }
}
