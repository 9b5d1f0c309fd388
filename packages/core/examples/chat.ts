/**
 * The wait/fire chat daemon. The first line a client sends is its nick; after that,
 * every line it sends is fired as a `chat` event, and every connected client (the
 * sender too) receives it as `<nick> text`. Each connection's handler waits for
 * whichever comes first: a line from its own client, or a `chat` event from another
 * handler.
 *
 *   node examples-dist/chat.js [port]      (default 8001)
 *   then, in two terminals: nc localhost 8001
 */
import { pathToFileURL } from 'node:url';
import { Application, Service, fire, first, untilEol, wait, type RemoteAddress } from '@diesel/core';

/** The event every handler waits on. */
export const CHAT_EVENT = 'chat';

/** What travels through `fire(CHAT_EVENT, ...)`. */
export interface ChatMessage {
  /** The sender's nick, or `*` for joins and leaves. */
  from: string;
  text: string;
}

/** The line a client sees for one message. */
export function formatChatLine(message: ChatMessage): string {
  return message.from === '*' ? `* ${message.text}\r\n` : `<${message.from}> ${message.text}\r\n`;
}

/**
 * The connection handler.
 * @example
 * app.addService(new Service(handleChat, 8001));
 */
export function* handleChat(remote: RemoteAddress) {
  yield 'nick? ';
  const nick = (yield* untilEol()).trim() || `${remote.host}:${remote.port}`;
  yield `welcome, ${nick}\r\n`;
  yield* fire(CHAT_EVENT, { from: '*', text: `${nick} joined` } satisfies ChatMessage);
  try {
    while (true) {
      // Suspends until the client sends a line or another handler fires a message.
      const [line, message] = yield* first(untilEol(), wait<ChatMessage>(CHAT_EVENT));
      if (line !== undefined) {
        const text = line.trim();
        if (text === '') continue;
        const mine: ChatMessage = { from: nick, text };
        // fire does not suspend: the others wake once this handler next suspends.
        yield* fire(CHAT_EVENT, mine);
        yield formatChatLine(mine); // we were not waiting when we fired, so tell ourselves
      } else if (message !== undefined) {
        yield formatChatLine(message);
      }
    }
  } finally {
    // Reached when the client leaves (ConnectionClosed unwinds through here) or on halt.
    yield* fire(CHAT_EVENT, { from: '*', text: `${nick} left` } satisfies ChatMessage);
  }
}

/**
 * The application serving the chat daemon.
 * @example
 * const { app, service } = createChatApp(0);
 */
export function createChatApp(port = 8001): { app: Application; service: Service } {
  const app = new Application();
  const service = new Service(handleChat, port);
  app.addService(service);
  return { app, service };
}

/** Serves until Ctrl-C; prints the port once listening. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { app, service } = createChatApp(Number(argv[0] ?? 8001));
  await app.start();
  console.log(`chat daemon listening on port ${service.port}`);
  await app.haltOnSignals().halted();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
