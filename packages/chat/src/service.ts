import { Service } from '@diesel/core';
import { ChatRoom } from './room.js';
import { type ChatHandlerOptions, chatHandler } from './tcp.js';

/**
 * What `chatService(options)` takes: where to listen, the room, and each client's limits.
 * @example
 * const room = new ChatRoom();
 * app.addService(chatService({ port: 8001, host: '127.0.0.1', room, idleTimeout: 600 }));
 */
export interface ChatServiceOptions extends ChatHandlerOptions {
  /** TCP port (0 picks a free one; read it back from `service.port`). */
  port: number;
  /** Address to bind (default: every interface). */
  host?: string;
  /** The room (default: a new one); pass the same room to `chatRoutes` to put browsers in it too. */
  room?: ChatRoom;
}

/**
 * The chat line protocol as a ready `Service`, on `options.room` or a room of its own.
 * Suspends: no (it builds the service; `app.addService` runs it).
 * @example
 * const app = new Application();
 * app.addService(chatService({ port: 8001 }));
 * await app.run();
 */
export function chatService(options: ChatServiceOptions): Service {
  const room = options.room ?? new ChatRoom();
  const handler = chatHandler(room, {
    ...(options.maxLineLength === undefined ? {} : { maxLineLength: options.maxLineLength }),
    ...(options.nickTimeout === undefined ? {} : { nickTimeout: options.nickTimeout }),
    ...(options.idleTimeout === undefined ? {} : { idleTimeout: options.idleTimeout }),
    ...(options.greeting === undefined ? {} : { greeting: options.greeting }),
  });
  return new Service(handler, { port: options.port, host: options.host, name: 'chat' });
}
