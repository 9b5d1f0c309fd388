/**
 * The chat daemon in a few lines: one room, the TCP line protocol on one port and the
 * browser page on another, one Application. `nc -C localhost 8001` and
 * http://localhost:8088/ talk to each other.
 */
import { pathToFileURL } from 'node:url';
import { Application } from '@diesel/core';
import { ChatRoom, chatService, chatWebService } from '@diesel/chat';

export async function startChat(options: { port?: number; webPort?: number; host?: string } = {}) {
  const room = new ChatRoom();
  const app = new Application();
  const tcp = chatService({ port: options.port ?? 8001, host: options.host, room });
  const web = chatWebService({ port: options.webPort ?? 8088, host: options.host, room });
  app.addService(tcp).addService(web);
  await app.start();
  return { app, room, tcpPort: tcp.port, webPort: web.port };
}

/** Serves the chat on the ports in `argv` (TCP 8001, web 8088) until SIGINT or SIGTERM; prints where it listens. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, tcpPort, webPort } = await startChat({ port: Number(argv[0] ?? 8001), webPort: Number(argv[1] ?? 8088) });
  app.haltOnSignals();
  console.log(`chat listening: nc -C localhost ${tcpPort}, or http://localhost:${webPort}/`);
  await app.halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
