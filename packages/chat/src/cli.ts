#!/usr/bin/env node
/**
 * `diesel-chat`: the chat daemon as a program — the TCP line protocol and the browser
 * page in one room, one Application. Prints where it listens; stops on SIGINT/SIGTERM.
 */
import { Application, Loop, type Service, dieselTimestamp } from '@diesel/core';
import { CHAT_USAGE, parseChatCommandLine } from './command-line.js';
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
  const room = new ChatRoom();
  const app = new Application();
  const tcp = chatService({
    port: command.port,
    host,
    room,
    ...(command.nickTimeout === undefined ? {} : { nickTimeout: command.nickTimeout }),
    ...(command.idleTimeout === undefined ? {} : { idleTimeout: command.idleTimeout }),
  });
  app.addService(tcp);
  let web: Service | null = null;
  if (command.webPort !== null) {
    const policy = origins.includes('*') ? '*' : origins.length > 0 ? origins : undefined;
    web = chatWebService({ port: command.webPort, host, room, ...(policy === undefined ? {} : { origins: policy }) });
    app.addService(web);
  }
  // Loops start once every service listens, so the real ports are known here.
  app.addLoop(
    new Loop(function* announce() {
      const stamp = `[${dieselTimestamp()}] diesel-chat${app.worker === null ? '' : ` (worker ${app.worker})`}:`;
      process.stdout.write(`${stamp} line protocol on ${where(host, tcp)} (send your nick, then lines)\n`);
      if (web !== null) process.stdout.write(`${stamp} chat page on http://${where(host, web)}/\n`);
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`diesel-chat: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
