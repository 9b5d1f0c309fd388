/**
 * The chat daemon in a few lines: one room, the TCP line protocol on one port and the
 * browser page on another, one Application. `nc localhost 8001` and
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

export async function main(): Promise<void> {
  const { tcpPort, webPort } = await startChat();
  console.log(`chat: nc localhost ${tcpPort}, or http://localhost:${webPort}/`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
