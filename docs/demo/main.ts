/**
 * The diesel demo: ONE process, ONE Application, serving
 *   - an HTTP page (index with links) on the HTTP port,
 *   - the live graph (a page and a WebSocket streaming values) under /graph,
 *   - the chat page and its WebSocket under /chat,
 *   - the chat line protocol on its own TCP port (the same room as the page),
 *   - and the echo service on its own TCP port.
 *
 * Ports come from flags, then environment variables, then defaults:
 *   --http-port / DIESEL_DEMO_HTTP_PORT (8088), --echo-port / DIESEL_DEMO_ECHO_PORT (8000),
 *   --chat-port / DIESEL_DEMO_CHAT_PORT (8001), --host / DIESEL_DEMO_HOST (every interface).
 * With --redis URL / DIESEL_DEMO_REDIS, the chat room spans every demo process on that
 * Redis (start a second one on other ports: a line said in one reaches the other).
 * With --workers N|auto / DIESEL_DEMO_WORKERS, N worker processes (node:cluster) share the
 * ports, each running this same Application; each prints where it listens.
 * Run it with `bash scripts/demo.sh` (builds everything, then runs this file's build).
 */
import { pathToFileURL } from 'node:url';
import { Application, DieselError, type DieselLogger, type RemoteAddress, type Routine, Service, untilEol } from '@diesel/core';
import { ChatRoom, chatRoutes, chatService } from '@diesel/chat';
import { HttpHeaders, HttpServer, type HttpRequest, type HttpResponse, router } from '@diesel/http';
import { LOGLVL_INFO, Logger } from '@diesel/log';
import { redisEvents } from '@diesel/redis';
import { liveGraphRoutes } from '../../packages/http/examples/live-graph/live-graph.js';

export interface DemoOptions {
  /** HTTP port for the pages and WebSockets (default 8088; 0 picks a free one). */
  httpPort?: number;
  /** TCP port of the echo service (default 8000). */
  echoPort?: number;
  /** TCP port of the chat line protocol (default 8001). */
  chatPort?: number;
  /** Address to listen on (default 127.0.0.1: a demo is not for the network unless asked, `--host 0.0.0.0`). */
  host?: string;
  /** Where the Application logs (default: `@diesel/log`'s Logger at info, to stdout). */
  logger?: DieselLogger;
  /** Redis URL: the chat room spans every demo process on it (`redisEvents`); default: in this process. */
  redis?: string;
  /** Worker processes sharing the ports (`app.start({ workers })`: 2 or more, or `'auto'`, one per core); default: this process alone. */
  workers?: number | 'auto';
}

export interface Demo {
  app: Application;
  /** The bound ports (the real ones when 0 was asked for; in the primary of `workers`, the ones asked for: only the workers listen). */
  ports: { http: number; echo: number; chat: number };
  /** The chat room the TCP clients and the page share. */
  room: ChatRoom;
}

export const DEFAULT_PORTS = { http: 8088, echo: 8000, chat: 8001 } as const;

/** Where the demo listens unless `--host` / `DIESEL_DEMO_HOST` says otherwise. */
export const DEFAULT_HOST = '127.0.0.1';

/** The tab icon: a small SVG, so no page of the demo logs a 404 for /favicon.ico. */
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f6feb"/><text x="8" y="12" font-size="11" text-anchor="middle" fill="#fff" font-family="sans-serif">d</text></svg>';

function favicon(): HttpResponse {
  return { status: 200, headers: new HttpHeaders({ 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=86400' }), body: FAVICON };
}

/** The echo service of diesel's seed: every line comes back as `you said: <line>`. */
export function* handleEcho(_remote: RemoteAddress): Routine<void> {
  while (true) {
    const line = yield* untilEol();
    yield `you said: ${line}`;
  }
}

function indexPage(ports: () => Demo['ports'], worker: number | null): (request: HttpRequest) => HttpResponse {
  return (request) => {
    const host = (request.headers.first('host') ?? 'localhost').replace(/:\d+$/, '');
    const { echo, chat } = ports();
    const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>diesel demo</title>
<style>body { font: 16px system-ui, sans-serif; margin: 32px; max-width: 720px; color: #222; } code { background: #eee; padding: 1px 4px; border-radius: 3px; }</style>
</head>
<body>
<h1>diesel demo</h1>
<p>One Node.js process, one diesel <code>Application</code>, every connection a generator.${worker === null ? '' : ` This page was served by worker ${worker}.`}</p>
<ul>
  <li><a href="/graph">Live graph</a>: values streamed over a WebSocket.</li>
  <li><a href="/chat">Chat</a>: a browser page over WebSocket, in the same room as the TCP chat.</li>
  <li>Chat line protocol: <code>nc ${escapeHtml(host)} ${chat}</code>, send your nick, then lines.</li>
  <li>Echo: <code>nc ${escapeHtml(host)} ${echo}</code>, every line comes back.</li>
</ul>
</body>
</html>
`;
    return { status: 200, headers: new HttpHeaders({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }), body: html };
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Builds the demo's Application and starts it; resolves once every service listens.
 * `demo.app.halt()` stops it.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const host = options.host ?? DEFAULT_HOST;
  const events = options.redis === undefined ? {} : { events: redisEvents({ url: options.redis }) };
  const app = new Application({ logger: options.logger ?? new Logger({ verbosity: LOGLVL_INFO, outputs: process.stdout }), ...events });
  const room = new ChatRoom();
  // With workers, a chat client is told which worker serves it: its room is that worker's unless Redis spans them.
  const greeting = app.worker === null ? {} : { greeting: `* diesel demo worker ${app.worker}` };
  const echo = new Service(handleEcho, { port: options.echoPort ?? DEFAULT_PORTS.echo, host, name: 'echo' });
  const chat = chatService({ port: options.chatPort ?? DEFAULT_PORTS.chat, host, room, ...greeting });
  const ports = (): Demo['ports'] => ({ http: web.port, echo: echo.port, chat: chat.port });
  const routes = router({
    '/': indexPage(ports, app.worker),
    '/favicon.ico': favicon,
    ...liveGraphRoutes('/graph'),
    ...chatRoutes(room, '/chat', greeting),
  });
  const web = new Service(new HttpServer(routes), { port: options.httpPort ?? DEFAULT_PORTS.http, host, name: 'http' });
  app.addService(web).addService(echo).addService(chat);
  await app.start(options.workers === undefined ? {} : { workers: options.workers });
  return { app, ports: ports(), room };
}

/** Reads `--name N` / `--name=N` from argv, then the environment variable, then the default. */
export function demoOptions(argv: readonly string[], env: NodeJS.ProcessEnv): DemoOptions {
  const flag = (name: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === `--${name}`) return argv[i + 1];
      if (argv[i]!.startsWith(`--${name}=`)) return argv[i]!.slice(name.length + 3);
    }
    return undefined;
  };
  const port = (name: string, variable: string, fallback: number): number => {
    const text = flag(name) ?? env[variable];
    if (text === undefined || text === '') return fallback;
    if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new Error(`--${name} / ${variable}: not a port: ${JSON.stringify(text)}`);
    return Number(text);
  };
  const host = flag('host') ?? env.DIESEL_DEMO_HOST;
  const redis = flag('redis') ?? env.DIESEL_DEMO_REDIS;
  const workers = flag('workers') ?? env.DIESEL_DEMO_WORKERS;
  if (workers !== undefined && workers !== '' && workers !== 'auto' && !(/^\d+$/.test(workers) && Number(workers) >= 2)) {
    throw new Error(`--workers / DIESEL_DEMO_WORKERS: not 2 or more, or auto: ${JSON.stringify(workers)}`);
  }
  if (redis !== undefined && redis !== '' && !/^rediss?:\/\/[^/]/.test(redis)) throw new Error(`--redis / DIESEL_DEMO_REDIS: not a redis:// URL: ${JSON.stringify(redis)}`);
  return {
    httpPort: port('http-port', 'DIESEL_DEMO_HTTP_PORT', DEFAULT_PORTS.http),
    echoPort: port('echo-port', 'DIESEL_DEMO_ECHO_PORT', DEFAULT_PORTS.echo),
    chatPort: port('chat-port', 'DIESEL_DEMO_CHAT_PORT', DEFAULT_PORTS.chat),
    ...(host === undefined || host === '' ? {} : { host }),
    ...(redis === undefined || redis === '' ? {} : { redis }),
    ...(workers === undefined || workers === '' ? {} : { workers: workers === 'auto' ? 'auto' : Number(workers) }),
  };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let options: DemoOptions;
  try {
    options = demoOptions(argv, process.env);
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  let demo: Demo;
  try {
    demo = await startDemo(options);
  } catch (error) {
    // A port in use is the usual case: one line that names the address is all it takes.
    if (error instanceof DieselError) {
      process.stderr.write(`demo: ${error.name} ${error.code}: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  // With workers, the primary only forks and watches them: each worker prints where it listens.
  if (options.workers !== undefined && demo.app.worker === null) {
    demo.app.haltOnSignals();
    return;
  }
  const name = options.host === undefined ? DEFAULT_HOST : options.host;
  const { http, echo, chat } = demo.ports;
  const worker = demo.app.worker;
  process.stdout.write(
    [
      '',
      worker === null ? 'diesel demo — one process, one Application:' : `diesel demo — worker ${worker} (pid ${process.pid}), one Application in each worker:`,
      `  page        http://${name}:${http}/`,
      `  live graph  http://${name}:${http}/graph`,
      `  chat page   http://${name}:${http}/chat`,
      `  chat (TCP)  nc ${name} ${chat}     send your nick, then lines`,
      `  echo (TCP)  nc ${name} ${echo}`,
      ...(options.redis === undefined ? [] : [`  the chat room is shared with every demo on ${options.redis.replace(/\/\/([^@/]*)@/, '//***@')}`]),
      ...(worker === null || options.redis !== undefined ? [] : ['  the chat room is this worker\'s own (--redis URL shares one across the workers)']),
      worker === null ? 'Ctrl-C stops it.' : 'Ctrl-C (or SIGTERM to the primary) stops every worker.',
      '',
    ].join('\n'),
  );
  demo.app.haltOnSignals();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
