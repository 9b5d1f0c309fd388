import { ChatError } from './errors.js';

/**
 * What `diesel-chat`'s arguments ask for: `parseChatCommandLine` returns it (null for `--help`).
 * @example
 * const command: ChatCommand | null = parseChatCommandLine(['--port', '9001', '--no-web']);
 * // { port: 9001, webPort: null, host: undefined, origins: [] }
 */
export interface ChatCommand {
  /** TCP port of the line protocol (`--port`, default 8001). */
  port: number;
  /** HTTP port of the page and its WebSocket (`--web-port`, default 8088); null with `--no-web`. */
  webPort: number | null;
  /** Address to bind both on (`--host`, default every interface). */
  host: string | undefined;
  /** Origins allowed to open the WebSocket (`--origin`, repeatable; `*` for any); empty: the page's own origin only. */
  origins: string[];
  /** Seconds a client has to send its nick (`--nick-timeout`; absent: the handler's default, 30). */
  nickTimeout?: number;
  /** Seconds a member may stay silent before it is closed (`--idle-timeout`, 0 for never; absent: the default, 1800). */
  idleTimeout?: number;
  /** Worker processes sharing the ports (`--workers N`, 2 or more, or `auto`: one per core); absent: this process alone. */
  workers?: number | 'auto';
  /** Redis to span processes with (`--redis redis://host:port`); absent: the room lives in this process. */
  redis?: string;
  /** The room's name across processes (`--room`, default `lobby`). */
  room?: string;
}

/**
 * The TCP port `diesel-chat` serves the line protocol on without `--port`.
 * @example
 * app.addService(chatService({ port: DEFAULT_CHAT_PORT, host: '127.0.0.1' }));
 */
export const DEFAULT_CHAT_PORT = 8001;
/**
 * The HTTP port `diesel-chat` serves the browser page on without `--web-port`.
 * @example
 * parseChatCommandLine([])?.webPort === DEFAULT_WEB_PORT; // true: no --web-port given
 */
export const DEFAULT_WEB_PORT = 8088;

/**
 * The text `diesel-chat --help` prints.
 * @example
 * process.stdout.write(CHAT_USAGE);
 */
export const CHAT_USAGE = `usage: diesel-chat [--port N] [--web-port M | --no-web] [--host ADDRESS] [--origin URL]...
                   [--nick-timeout S] [--idle-timeout S] [--workers N] [--redis URL [--room NAME]]

The diesel chat room: a line protocol on TCP port N (send your nick, then lines) and a
browser page with a WebSocket on HTTP port M, both in the same room.

  --port N         TCP port for the line protocol (default ${DEFAULT_CHAT_PORT}; 0 picks one)
  --web-port M     HTTP port for the page (default ${DEFAULT_WEB_PORT}; 0 picks one)
  --no-web         serve only the TCP line protocol
  --host ADDRESS   address to listen on (default: every interface)
  --origin URL     the page origins allowed to open the WebSocket, instead of the page's
                   own only (repeatable; '*' allows any, e.g. behind a proxy)
  --nick-timeout S seconds a TCP client has to send its nick (default 30)
  --idle-timeout S seconds a TCP member may send nothing before it is closed
                   (default 1800; 0: never)
  --workers N      run N worker processes sharing the ports (2 or more; 'auto': one
                   per core); without --redis each worker has a
                   room of its own
  --redis URL      one room across every diesel-chat process on this Redis
                   (redis://[:password@]host[:port][/db]; needs @diesel/redis)
  --room NAME      the room's name on Redis (default lobby): processes with the same
                   --redis and --room share one room
  -h, --help       show this text
`;

function secondsFlag(text: string | undefined, flag: string): number {
  const n = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
  if (!(n >= 0) || !Number.isFinite(n)) throw new ChatError('DIESEL_ERR_CHAT_USAGE', `${flag} needs a number of seconds >= 0, got ${JSON.stringify(text ?? '')}`);
  return n;
}

function port(text: string | undefined, flag: string): number {
  if (text === undefined || !/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new ChatError('DIESEL_ERR_CHAT_USAGE', `${flag} needs a port from 0 to 65535, got ${JSON.stringify(text ?? '')}`);
  }
  return Number(text);
}

/**
 * Parses `diesel-chat`'s arguments (without `node` and the script); null for `--help`.
 * Throws `ChatError` (`DIESEL_ERR_CHAT_USAGE`). A pure function; suspends: no.
 * @example
 * parseChatCommandLine(['--port', '9001', '--web-port', '9088']);
 * // { port: 9001, webPort: 9088, host: undefined, origins: [] }
 */
export function parseChatCommandLine(args: readonly string[]): ChatCommand | null {
  const command: ChatCommand = { port: DEFAULT_CHAT_PORT, webPort: DEFAULT_WEB_PORT, host: undefined, origins: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return null;
      case '--port':
        command.port = port(value(), '--port');
        break;
      case '--web-port':
        command.webPort = port(value(), '--web-port');
        break;
      case '--nick-timeout':
        command.nickTimeout = secondsFlag(value(), '--nick-timeout');
        break;
      case '--idle-timeout':
        command.idleTimeout = secondsFlag(value(), '--idle-timeout');
        break;
      case '--workers': {
        const workers = value();
        if (workers === 'auto') command.workers = 'auto';
        else if (workers !== undefined && /^\d+$/.test(workers) && Number(workers) >= 2) command.workers = Number(workers);
        else throw new ChatError('DIESEL_ERR_CHAT_USAGE', `--workers needs a number of processes, 2 or more, or auto, got ${JSON.stringify(workers ?? '')}`);
        break;
      }
      case '--redis': {
        const url = value();
        if (url === undefined || !/^rediss?:\/\/[^/]/.test(url)) throw new ChatError('DIESEL_ERR_CHAT_USAGE', `--redis needs a redis:// or rediss:// URL, got ${JSON.stringify(url ?? '')}`);
        command.redis = url;
        break;
      }
      case '--room': {
        const room = value();
        if (room === undefined || !/^[\w.-]{1,64}$/.test(room)) throw new ChatError('DIESEL_ERR_CHAT_USAGE', `--room needs a name of 1 to 64 letters, digits, _ . -, got ${JSON.stringify(room ?? '')}`);
        command.room = room;
        break;
      }
      case '--no-web':
        command.webPort = null;
        break;
      case '--host': {
        const host = value();
        if (host === undefined || host === '') throw new ChatError('DIESEL_ERR_CHAT_USAGE', '--host needs an address');
        command.host = host;
        break;
      }
      case '--origin': {
        const origin = value();
        if (origin === undefined || (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin))) throw new ChatError('DIESEL_ERR_CHAT_USAGE', `--origin needs scheme://host[:port], got ${JSON.stringify(origin ?? '')}`);
        command.origins.push(origin);
        break;
      }
      default:
        throw new ChatError('DIESEL_ERR_CHAT_USAGE', `unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  return command;
}
