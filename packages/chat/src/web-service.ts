import { Service } from '@diesel/core';
import { HttpServer, router } from '@diesel/http';
import { ChatRoom } from './room.js';
import { type ChatRoutesOptions, chatRoutes } from './routes.js';

/**
 * What `chatWebService(options)` takes: where to listen, the room, and `chatRoutes`' options.
 * @example
 * app.addService(chatWebService({ port: 8088, host: '127.0.0.1', room, origins: ['http://localhost:8088'] }));
 */
export interface ChatWebServiceOptions extends ChatRoutesOptions {
  /** HTTP port (0 picks a free one; read it back from `service.port`). */
  port: number;
  /** Address to bind (default: every interface). */
  host?: string;
  /** The room (default: a new one); give `chatService` the same room to share it with TCP clients. */
  room?: ChatRoom;
}

/**
 * The chat page (at `/`) and its WebSocket (at `/ws`) as a ready HTTP `Service`.
 * To mount the chat beside other pages instead, use `chatRoutes` in your own `router()`.
 * Suspends: no (it builds the service).
 * @example
 * const room = new ChatRoom();
 * app.addService(chatService({ port: 8001, room }));
 * app.addService(chatWebService({ port: 8088, room }));
 */
export function chatWebService(options: ChatWebServiceOptions): Service {
  const { port, host, room = new ChatRoom(), ...routeOptions } = options;
  const server = new HttpServer(router(chatRoutes(room, '', routeOptions)));
  return new Service(server, { port, host, name: 'chat-web' });
}
