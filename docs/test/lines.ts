/**
 * The TCP line client the demo tests talk to the chat and echo services with, as `nc`
 * would: `send` writes a line with CRLF, `next()` is the next line without its end of
 * line (null once the connection closed), `until(pattern)` skips to the first line that
 * matches, `untilLine(text)` to the first line that is exactly `text`. The socket goes
 * to `track` before it connects, so the test's cleanup closes it even when the connect
 * fails.
 */
import net from 'node:net';

export interface LineClient {
  send(line: string): void;
  next(): Promise<string | null>;
  until(pattern: RegExp): Promise<string>;
  untilLine(text: string): Promise<string>;
}

export async function lineClient(port: number, track: (socket: net.Socket) => void): Promise<LineClient> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  track(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const lines: string[] = [];
  const waiters: ((line: string | null) => void)[] = [];
  let buffer = '';
  let ended = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let at = buffer.indexOf('\n'); at !== -1; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at).replace(/\r$/, '');
      buffer = buffer.slice(at + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  socket.on('close', () => {
    ended = true;
    for (const waiter of waiters.splice(0)) waiter(null);
  });
  // A reset after the test is done with the client (the demo halting) is no failure of it.
  socket.on('error', () => {});
  const next = (): Promise<string | null> => {
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.resolve(null);
    return new Promise((resolve) => waiters.push(resolve));
  };
  const until = async (pattern: RegExp): Promise<string> => {
    const before: string[] = [];
    for (;;) {
      const line = await next();
      if (line === null) throw new Error(`connection ended before ${pattern}; got ${JSON.stringify(before)}`);
      if (pattern.test(line)) return line;
      before.push(line);
    }
  };
  const untilLine = (text: string): Promise<string> => until(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  return { send: (line) => socket.write(`${line}\r\n`), next, until, untilLine };
}
