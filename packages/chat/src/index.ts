/**
 * @diesel/chat — diesel's chat daemon: a line protocol over TCP and a browser page over
 * WebSocket sharing one room, as a library and as the `diesel-chat` CLI.
 */
export { handleLine, whoLine } from './commands.js';
export { ChatError, type ChatErrorCode } from './errors.js';
export { chatPage } from './page.js';
export {
  ChatMember,
  ChatRoom,
  DEFAULT_ANNOUNCE_INTERVAL,
  DEFAULT_MAX_BACKLOG,
  DEFAULT_MAX_MESSAGE_LENGTH,
  DEFAULT_MAX_NICK_LENGTH,
  DEFAULT_ROOM_NAME,
  DEFAULT_ROSTER_INTERVAL,
  type ChatRoomOptions,
} from './room.js';
export { chatRoutes, type ChatRoutesOptions } from './routes.js';
export { chatService, type ChatServiceOptions } from './service.js';
export { DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_LINE_LENGTH, DEFAULT_NICK_TIMEOUT, chatHandler, type ChatHandlerOptions } from './tcp.js';
export { chatSocket, type ChatSocketOptions } from './web-socket.js';
export { CHAT_USAGE, DEFAULT_CHAT_PORT, DEFAULT_WEB_PORT, parseChatCommandLine, type ChatCommand } from './command-line.js';
export { chatWebService, type ChatWebServiceOptions } from './web-service.js';
