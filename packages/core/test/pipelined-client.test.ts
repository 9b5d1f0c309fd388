/**
 * A pipelined `Client` (`super({ pipelined: true })`) against a real line server on
 * loopback: requests from many routines share one connection, leave together, and each
 * reply reaches the call that asked for it.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, ConnectionClosed, Hub, call, first, readTurn, receive, run, sleep, until } from '../src/index.js';
import { MemoryLogger } from '../src/testing/index.js';

/**
 * The server: answers each line in order with `=line`, or with `-boom` for `fail…`
 * lines. `hold` lines are answered only when released; `die` closes the connection at
 * once. It counts connections and the chunks it received (≈ the client's writes).
 */
interface LineServer {
  port: number;
  connections: number;
  chunks: number;
  lines: string[];
  /** Sends the replies held back so far, one byte per write, and stops holding. */
  release(): void;
  /** Resets every open connection. */
  kill(): void;
  close(): Promise<void>;
}

async function lineServer(): Promise<LineServer> {
  const sockets = new Set<net.Socket>();
  const held: { socket: net.Socket; reply: string }[] = [];
  const state = { connections: 0, chunks: 0, lines: [] as string[], holding: false };
  const server = net.createServer((socket) => {
    state.connections++;
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (chunk) => {
      state.chunks++;
      pending += chunk.toString('latin1');
      let out = '';
      for (let at = pending.indexOf('\r\n'); at !== -1; at = pending.indexOf('\r\n')) {
        const text = pending.slice(0, at);
        pending = pending.slice(at + 2);
        state.lines.push(text);
        if (text === 'die') {
          socket.end(out);
          return;
        }
        const reply = text.startsWith('fail') ? '-boom\r\n' : `=${text}\r\n`;
        // Once one reply is held, the rest wait too: replies stay in request order.
        if (text.startsWith('hold')) state.holding = true;
        if (state.holding) held.push({ socket, reply });
        else out += reply;
      }
      if (out !== '') socket.write(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return state.connections;
    },
    get chunks() {
      return state.chunks;
    },
    get lines() {
      return state.lines;
    },
    release() {
      state.holding = false;
      const all = held.splice(0).map(({ socket, reply }) => ({ socket, bytes: Buffer.from(reply) }));
      for (const { socket, bytes } of all) for (const byte of bytes) socket.write(Buffer.from([byte]));
    },
    kill() {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

class LineClient extends Client {
  constructor(pipelined = true) {
    super({ pipelined });
  }

  /** Suspends: until this call's reply line has arrived. Throws `Error('boom')` on a `-` reply. */
  @call
  *ask(text: string) {
    if (text.includes('\r')) throw new TypeError('no CR in a line'); // validated before any write
    yield `${text}\r\n`;
    const reply = yield* until('\r\n');
    if (reply.startsWith('-')) throw new Error(reply.slice(1, -2));
    return reply.slice(1, -2);
  }

  /** Asks, but gives up after `seconds` (a group: the read and a sleep). */
  @call
  *askWithin(text: string, seconds: number) {
    yield `${text}\r\n`;
    const [reply] = yield* first(until('\r\n'), sleep(seconds));
    if (reply === undefined) throw new Error('too slow');
    return reply.slice(1, -2);
  }
}

/**
 * A client whose protocol keeps its own buffer of received bytes (as a RESP parser does):
 * replies for calls further back may already sit in it, so it takes its turn first.
 */
class BufferingClient extends Client {
  #pending = '';
  constructor(readonly takeTurn: boolean) {
    super({ pipelined: true });
  }

  @call
  *ask(text: string) {
    yield `${text}\r\n`;
    if (this.takeTurn) yield* readTurn();
    for (;;) {
      const at = this.#pending.indexOf('\r\n');
      if (at !== -1) {
        const line = this.#pending.slice(1, at);
        this.#pending = this.#pending.slice(at + 2);
        return line;
      }
      this.#pending += (yield* receive()).toString('latin1');
    }
  }
}

let server: LineServer;
let hub: Hub;
afterEach(async () => {
  hub?.halt();
  await server?.close();
});

async function connected(pipelined = true): Promise<LineClient> {
  server = await lineServer();
  hub = new Hub({ logger: new MemoryLogger() });
  const client = new LineClient(pipelined);
  await run(client.connect('127.0.0.1', server.port), { hub });
  return client;
}

describe('pipelined Client', () => {
  it('100 routines share one connection; every reply reaches its own call, in order', async () => {
    const client = await connected();
    expect(client.pipelined).toBe(true);
    const rounds = 20;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, r) =>
        run(
          (function* routine() {
            const got: string[] = [];
            for (let i = 0; i < rounds; i++) got.push(yield* client.ask(`r${r}-${i}`));
            return got;
          })(),
          { hub },
        ),
      ),
    );
    results.forEach((got, r) => expect(got).toEqual(Array.from({ length: rounds }, (_, i) => `r${r}-${i}`)));
    expect(server.connections).toBe(1);
    expect(server.lines).toHaveLength(100 * rounds);
    // Requests written in one turn of the event loop leave together: the server sees far
    // fewer chunks than requests (one per request without coalescing).
    expect(server.chunks).toBeLessThan((100 * rounds) / 4);
    expect(client.inFlight).toBe(0);
  });

  it('writes every request before the first reply comes back', async () => {
    const client = await connected();
    const calls = ['hold-0', 'a', 'b', 'c'].map((text) => run(client.ask(text), { hub }));
    while (server.lines.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(client.inFlight).toBe(4);
    // Replies dribble in one byte per write; each call still gets its own.
    server.release();
    expect(await Promise.all(calls)).toEqual(['hold-0', 'a', 'b', 'c']);
  });

  it('a server error stays on its own call; the calls around it are answered', async () => {
    const client = await connected();
    const settled = await Promise.allSettled(['one', 'fail-two', 'three', 'fail-four', 'five'].map((text) => run(client.ask(text), { hub })));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual(['one', 'boom', 'three', 'boom', 'five']);
    expect(await run(client.ask('after'), { hub })).toBe('after');
    expect(server.connections).toBe(1);
  });

  it('a call that fails before writing leaves the connection in use', async () => {
    const client = await connected();
    const settled = await Promise.allSettled(['a', 'bad\r', 'c'].map((text) => run(client.ask(text), { hub })));
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 'a' });
    expect(settled[1].status === 'rejected' && settled[1].reason).toBeInstanceOf(TypeError);
    expect(settled[2]).toEqual({ status: 'fulfilled', value: 'c' });
    expect(client.connected).toBe(true);
  });

  it('a lost connection fails every call in flight with ConnectionClosed', async () => {
    const client = await connected();
    const calls = ['first', 'hold-1', 'x', 'y', 'z'].map((text) => run(client.ask(text), { hub }));
    while (server.lines.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    server.kill();
    const settled = await Promise.allSettled(calls);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 'first' });
    for (const outcome of settled.slice(1)) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionClosed);
    }
    expect(client.inFlight).toBe(0);
    // A call made afterwards fails the same way, at once.
    await expect(run(client.ask('later'), { hub })).rejects.toBeInstanceOf(ConnectionClosed);
  });

  it('the server closing mid-pipeline fails the rest cleanly', async () => {
    const client = await connected();
    const settled = await Promise.allSettled(['a', 'b', 'die', 'c', 'd'].map((text) => run(client.ask(text), { hub })));
    expect(settled.slice(0, 2)).toEqual([
      { status: 'fulfilled', value: 'a' },
      { status: 'fulfilled', value: 'b' },
    ]);
    for (const outcome of settled.slice(2)) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionClosed);
  });

  it('a call that gives up waiting for its turn closes the connection rather than let replies shift', async () => {
    const client = await connected();
    const slow = run(client.ask('hold-slow'), { hub });
    const impatient = run(client.askWithin('second', 0.05), { hub });
    const third = run(client.ask('third'), { hub });
    await expect(impatient).rejects.toThrow('too slow');
    // 'second' wrote a request and left: its reply would have gone to 'third'.
    await expect(slow).rejects.toBeInstanceOf(ConnectionClosed);
    await expect(third).rejects.toBeInstanceOf(ConnectionClosed);
    expect(client.connected).toBe(false);
  });

  it('a group inside a pipelined call answers with the reply when it wins', async () => {
    const client = await connected();
    const results = await Promise.all(['a', 'b', 'c'].map((text) => run(client.askWithin(text, 30), { hub })));
    expect(results).toEqual(['a', 'b', 'c']);
  });

  it('readTurn(): a protocol with a buffer of its own still hands each reply to its own call', async () => {
    server = await lineServer();
    hub = new Hub({ logger: new MemoryLogger() });
    const check = async (takeTurn: boolean): Promise<boolean> => {
      const client = new BufferingClient(takeTurn);
      await run(client.connect('127.0.0.1', server.port), { hub });
      const settled = await Promise.allSettled(
        Array.from({ length: 20 }, (_, r) =>
          run(
            (function* routine() {
              const got: string[] = [];
              for (let i = 0; i < 10; i++) got.push(yield* client.ask(`r${r}-${i}`));
              return got;
            })(),
            { hub },
          ),
        ),
      );
      client.close();
      return settled.every((outcome, r) => outcome.status === 'fulfilled' && outcome.value.every((line, i) => line === `r${r}-${i}`));
    };
    expect(await check(true)).toBe(true);
    // Without it, a call takes replies meant for the calls ahead of it from the buffer
    // (and ends without passing the gate, so the client closes the connection).
    expect(await check(false)).toBe(false);
  });

  it('without the option a client still runs one call at a time', async () => {
    const client = await connected(false);
    expect(client.pipelined).toBe(false);
    const calls = ['hold-0', 'a', 'b'].map((text) => run(client.ask(text), { hub }));
    while (server.lines.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Only the first request was written: the others wait for its reply.
    expect(server.lines).toEqual(['hold-0']);
    server.release();
    expect(await Promise.all(calls)).toEqual(['hold-0', 'a', 'b']);
  });
});
