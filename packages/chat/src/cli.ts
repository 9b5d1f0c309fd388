#!/usr/bin/env node
/**
 * `diesel-chat`: the chat daemon as a program — the TCP line protocol and the browser
 * page in one room, one Application. Prints where it listens; stops on SIGINT/SIGTERM.
 */
import { Application, type EventBus, Loop, type Service, dieselTimestamp } from '@diesel/core';
import { CHAT_USAGE, parseChatCommandLine } from './command-line.js';
import { ChatError } from './errors.js';
import { ChatRoom } from './room.js';
import { chatService } from './service.js';
import { chatWebService } from './web-service.js';

function where(host: string | undefined, service: Service): string {
  const name = host === undefined ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `${name}:${service.port}`;
}

async function main(args: string[]): Promise<number> {
  let command;
  try {
    command = parseChatCommandLine(args);
  } catch (error) {
    process.stderr.write(`diesel-chat: ${error instanceof Error ? error.message : String(error)}\n\n${CHAT_USAGE}`);
    return 2;
  }
  if (command === null) {
    process.stdout.write(CHAT_USAGE);
    return 0;
  }
  const { host, origins } = command;
  const room = new ChatRoom(command.room === undefined ? {} : { name: command.room });
  let events: EventBus | undefined;
  if (command.redis !== undefined) {
    try {
      events = await redisBus(command.redis);
    } catch (error) {
      process.stderr.write(`diesel-chat: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }
  const app = new Application(events === undefined ? {} : { events });
  // With workers, every client is told which worker serves it (a restarted worker keeps its number).
  const greeting = app.worker === null ? undefined : `* diesel-chat worker ${app.worker}`;
  const tcp = chatService({
    port: command.port,
    host,
    room,
    ...(command.nickTimeout === undefined ? {} : { nickTimeout: command.nickTimeout }),
    ...(command.idleTimeout === undefined ? {} : { idleTimeout: command.idleTimeout }),
    ...(greeting === undefined ? {} : { greeting }),
  });
  app.addService(tcp);
  let web: Service | null = null;
  if (command.webPort !== null) {
    const policy = origins.includes('*') ? '*' : origins.length > 0 ? origins : undefined;
    web = chatWebService({ port: command.webPort, host, room, ...(policy === undefined ? {} : { origins: policy }), ...(greeting === undefined ? {} : { greeting }) });
    app.addService(web);
  }
  // Loops start once every service listens, so the real ports are known here.
  app.addLoop(
    new Loop(function* announce() {
      // Before any member joins: /who and the nick check know the other processes' members from the first one on.
      yield* room.open();
      const stamp = `[${dieselTimestamp()}] diesel-chat${app.worker === null ? '' : ` (worker ${app.worker}, pid ${process.pid})`}:`;
      process.stdout.write(`${stamp} line protocol on ${where(host, tcp)} (send your nick, then lines)\n`);
      if (web !== null) process.stdout.write(`${stamp} chat page on http://${where(host, web)}/\n`);
      if (command.redis !== undefined) process.stdout.write(`${stamp} room ${room.name} shared through ${redactedUrl(command.redis)}\n`);
    }),
  );
  app.haltOnSignals();
  try {
    // With workers, this script runs again in each of them; each prints where it listens.
    await app.run(command.workers === undefined ? {} : { workers: command.workers });
  } catch (error) {
    process.stderr.write(`diesel-chat: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  return 0;
}

/** `@diesel/redis` is an optional peer: loaded only for `--redis`. */
async function redisBus(url: string): Promise<EventBus> {
  let redis: { redisEvents(options: { url: string }): EventBus };
  try {
    redis = (await import('@diesel/redis')) as typeof redis;
  } catch (error) {
    throw new ChatError('DIESEL_ERR_CHAT_REDIS_UNAVAILABLE', `--redis needs the @diesel/redis package: install it next to @diesel/chat (${error instanceof Error ? error.message : String(error)})`);
  }
  return redis.redisEvents({ url });
}

/** The URL without its password, for the log. */
function redactedUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`diesel-chat: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
