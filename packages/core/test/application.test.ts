import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Application,
  Client,
  ConnectError,
  ConnectionClosed,
  ListenError,
  Loop,
  Service,
  bytes,
  call,
  connect,
  fire,
  on,
  receive,
  registerHaltGoodbye,
  response,
  run,
  sleep,
  thisConnection,
  until,
  wait,
  type Connection,
  type Routine,
} from '../src/index.js';
import { MemoryLogger } from '../src/testing/index.js';
import { closed, dial, line, serve, until as poll } from './helpers.js';

const apps: Application[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) app.halt();
});

async function served(handler: Parameters<typeof serve>[0], options: Parameters<typeof serve>[1] = {}) {
  const result = await serve(handler, options);
  apps.push(result.app);
  return result;
}

function* echo(): Routine<void> {
  for (;;) {
    const message = yield* until('\r\n');
    yield `you said: ${message}`;
  }
}

describe('Service', () => {
  it('a handler that throws is logged and closes only its own connection; others are served', async () => {
    const { port, logger } = await served(function* () {
      for (;;) {
        const message = yield* until('\r\n');
        if (message === 'crash\r\n') throw new Error('handler exploded');
        yield `ok ${message}`;
      }
    });
    const good = await dial(port);
    const bad = await dial(port);
    bad.write('crash\r\n');
    await closed(bad);
    good.write('still there?\r\n');
    expect(await line(good)).toBe('ok still there?\r\n');
    expect(logger.lines.some((l) => l.startsWith('error') && l.includes('handler exploded'))).toBe(true);
    const again = await dial(port);
    again.write('new\r\n');
    expect(await line(again)).toBe('ok new\r\n');
    good.destroy();
    again.destroy();
  });

  it('a peer leaving is not logged as an error', async () => {
    const { port, logger } = await served(echo);
    const socket = await dial(port);
    socket.write('x\r\n');
    await line(socket);
    socket.end();
    await closed(socket);
    await poll(() => logger.lines.some((l) => l.includes('disconnected')), 'disconnect log');
    expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it('a port already in use makes run() reject with the address, and nothing is left listening', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const app = new Application({ logger: new MemoryLogger() });
    const other = new Service(echo, { port: 0, host: '127.0.0.1' });
    app.addService(other);
    app.addService(new Service(echo, { port, host: '127.0.0.1' }));
    const error = await app.run().then(() => null, (e: unknown) => e);
    blocker.close();
    expect(error).toBeInstanceOf(ListenError);
    expect((error as ListenError).code).toBe('DIESEL_ERR_LISTEN');
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).toMatch(/EADDRINUSE/);
    expect(other.address).toBeNull();
  });

  it('rejects bad ports clearly', () => {
    expect(() => new Service(echo, -1)).toThrow(/port must be an integer/);
    expect(() => new Service(echo, { port: 70000 })).toThrow(RangeError);
  });

  it('an unknown option is a clear error naming the package that provides it', () => {
    expect(() => new Service(echo, { port: 0, tls: {} } as never)).toThrow(/unknown option 'tls'.*@diesel\/tls/);
  });

  it('reading pauses when input is not consumed: the buffer stays near its high-water mark', async () => {
    let conn: Connection | null = null;
    const { port } = await served(
      function* () {
        conn = yield* thisConnection();
        yield* wait('never');
      },
      { inputHighWaterMark: 16 * 1024 },
    );
    const socket = await dial(port);
    const chunk = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    // Write until the kernel buffers are full too (write() returns false and stays so).
    for (let i = 0; i < 400 && socket.write(chunk); i++) written += chunk.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(conn).not.toBeNull();
    expect(conn!.bufferedLength).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
    expect(socket.writableLength).toBeGreaterThan(0); // the sender is being held back
    socket.destroy();
    void written;
  });

  it('a writer to a slow reader waits (backpressure) instead of growing memory', async () => {
    let sent = 0;
    const { port } = await served(function* () {
      const chunk = Buffer.alloc(64 * 1024, 2);
      for (let i = 0; i < 1000; i++) {
        yield chunk;
        sent += chunk.length;
      }
    });
    const socket = await dial(port);
    socket.pause(); // a reader that does not read
    await new Promise((r) => setTimeout(r, 300));
    const stalledAt = sent;
    expect(stalledAt).toBeLessThan(64 * 1024 * 1000);
    // the writer is blocked: nothing more is accepted while the reader stays paused
    await new Promise((r) => setTimeout(r, 200));
    expect(sent).toBe(stalledAt);
    // and resumes when the reader reads; every byte arrives
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.resume();
    await closed(socket);
    expect(received).toBe(64 * 1024 * 1000);
  });

  it('a peer that resets mid-write: ConnectionClosed in the writer, the service goes on', async () => {
    const failures: unknown[] = [];
    const { port } = await served(function* () {
      const first = yield* until('\n');
      if (first === 'flood\n') {
        try {
          for (;;) yield Buffer.alloc(256 * 1024, 3);
        } catch (error) {
          failures.push(error);
          throw error;
        }
      }
      yield 'pong\n';
    });
    const socket = await dial(port);
    socket.write('flood\n');
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.resetAndDestroy();
    await poll(() => failures.length === 1, 'writer failure');
    expect(failures[0]).toBeInstanceOf(ConnectionClosed);
    const next = await dial(port);
    next.write('ping\n');
    expect(await line(next, '\n')).toBe('pong\n');
    next.destroy();
  });
});

describe('Application and Loop', () => {
  it('halt() runs every routine\'s finally blocks, closes every socket, and run() resolves', async () => {
    const order: string[] = [];
    const app = new Application({ logger: new MemoryLogger() });
    const service = new Service(function* () {
      try {
        try {
          yield* until('\n');
        } finally {
          order.push('inner');
        }
      } finally {
        order.push('outer');
      }
    }, { port: 0, host: '127.0.0.1' });
    app.addService(service);
    app.addLoop(new Loop(function* () {
      try {
        yield* sleep(1000);
      } finally {
        order.push('loop');
      }
    }));
    const running = app.run();
    while (service.address === null) await new Promise((r) => setImmediate(r));
    const socket = await dial(service.port);
    await poll(() => service.connectionCount === 1, 'connection');
    await new Promise((r) => setTimeout(r, 20));
    app.halt();
    await running;
    await closed(socket);
    expect(order.sort()).toEqual(['inner', 'loop', 'outer']);
    expect(app.hub.size).toBe(0);
    expect(service.address).toBeNull();
  });

  it('a routine may halt its own application', async () => {
    const app = new Application({ logger: new MemoryLogger() });
    let cleaned = false;
    app.addLoop(new Loop(function* () {
      try {
        yield* sleep(0);
        app.halt();
        yield* sleep(1000);
      } finally {
        cleaned = true;
      }
    }));
    await app.run();
    expect(cleaned).toBe(true);
    expect(app.hub.size).toBe(0);
  });

  it('a keepAlive loop is restarted when it ends and when it throws (after its delay)', async () => {
    const app = new Application({ logger: new MemoryLogger() });
    apps.push(app);
    let runs = 0;
    app.addLoop(new Loop({ keepAlive: true, restartDelay: 0.01 }, function* () {
      runs++;
      yield* sleep(0);
      if (runs % 2 === 0) throw new Error('flaky');
    }));
    void app.run();
    await poll(() => runs >= 5, 'restarts');
    expect(runs).toBeGreaterThanOrEqual(5);
    expect((app.logger as MemoryLogger).lines.some((l) => l.includes('flaky'))).toBe(true);
  });

  it('Loop rejects a function that is not a generator function', async () => {
    const app = new Application({ logger: new MemoryLogger() });
    expect(() => app.addLoop((() => 1) as never)).toThrow(/takes a Loop/);
    const loop = new Loop((() => 1) as never);
    expect(() => loop.create()).toThrow(/generator function/);
  });
});

class EchoClient extends Client {
  @call
  *echo(message: string): Routine<string> {
    yield `${message}\r\n`;
    return yield* until('\r\n');
  }

  @call
  *echoWithResponse(message: string): Routine<string> {
    yield `${message}\r\n`;
    const reply = yield* until('\r\n');
    yield response(`[${reply.trim()}]`);
    throw new Error('not reached');
  }
}

describe('Client and @call', () => {
  it('calls run on the client connection; return and response() both resume the caller', async () => {
    const { port } = await served(echo);
    const client = new EchoClient();
    const replies = await run((function* () {
      yield* client.connect('127.0.0.1', port);
      const a = yield* client.echo('one');
      const b = (yield client.echoWithResponse('two')) as string; // the untyped form
      return [a, b];
    })());
    expect(replies).toEqual(['you said: one\r\n', '[you said: two]']);
    client.close();
  });

  it('two routines sharing a client take turns; no call interleaves', async () => {
    const { port, app } = await served(function* () {
      for (;;) {
        const m = yield* until('\r\n');
        yield* sleep(0.001); // make interleaving likely if the client did not lock
        yield `you said: ${m}`;
      }
    });
    const client = new EchoClient();
    await run(client.connect('127.0.0.1', port), { hub: app.hub });
    const results = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        run((function* () {
          const got: string[] = [];
          for (let i = 0; i < 20; i++) got.push(yield* client.echo(`${name}${i}`));
          return got;
        })(), { hub: app.hub }),
      ),
    );
    results.forEach((got, k) => {
      const name = ['a', 'b', 'c'][k]!;
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `you said: ${name}${i}\r\n`));
    });
    client.close();
  });

  it('a refused connect is thrown into the generator as ConnectError with the address', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r)); // nothing listens there now
    const error = await run((function* (): Routine<unknown> {
      try {
        yield* new EchoClient().connect('127.0.0.1', port);
      } catch (e) {
        return e;
      }
      return null;
    })());
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe('DIESEL_ERR_CONNECT');
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('a call on a client that is not connected is a clear error', async () => {
    await expect(run(new EchoClient().echo('x'))).rejects.toThrow(/not connected/);
  });

  it('connect() and on() let one routine drive two connections (a tiny proxy)', async () => {
    const { port: echoPort } = await served(echo);
    const { port } = await served(function* () {
      const down = yield* thisConnection();
      const up = yield* connect('127.0.0.1', echoPort);
      for (;;) {
        const request = yield* until('\r\n');
        yield* on(up, request);
        const reply = yield* on(up, until('\r\n'));
        yield* on(down, reply.toUpperCase());
      }
    });
    const socket = await dial(port);
    socket.write('via proxy\r\n');
    expect(await line(socket)).toBe('YOU SAID: VIA PROXY\r\n');
    socket.destroy();
  });

  it('fire from a service handler reaches a loop (wait/fire across routines)', async () => {
    const got: unknown[] = [];
    const { port, app } = await served(function* () {
      const data = yield* bytes(5);
      yield* fire('got', data.toString());
      yield 'ok';
    });
    app.addLoop(new Loop(function* () {
      got.push(yield* wait('got'));
    }));
    const socket = await dial(port);
    socket.write('hello');
    await new Promise<void>((r) => socket.once('data', () => r()));
    expect(got).toEqual(['hello']);
    socket.destroy();
    void receive;
  });
});

describe('halting closes what routines opened', () => {
  it('connections opened with connect() and Client.connect() are closed by halt()', async () => {
    const { port: echoPort } = await served(echo);
    const app = new Application({ logger: new MemoryLogger() });
    const client = new EchoClient();
    let raw: Connection | null = null;
    app.addLoop(new Loop(function* () {
      raw = yield* connect('127.0.0.1', echoPort);
      yield* client.connect('127.0.0.1', echoPort);
      yield* client.echo('hello');
      yield* sleep(1000);
    }));
    const running = app.run();
    await poll(() => client.connected && raw !== null, 'both connected');
    app.halt();
    await running;
    await poll(() => raw!.closed && client.connection!.closed, 'both closed');
    expect(raw!.stream.destroyed).toBe(true);
    expect(client.connection!.stream.destroyed).toBe(true);
  });

  it('a goodbye registered for a stream (registerHaltGoodbye) is said on it before halt() destroys the connection; one that throws is logged', async () => {
    // The peer records what each connection sent before its FIN.
    const heard: string[] = [];
    const peer = net.createServer((socket) => {
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => {
        heard.push(text);
        socket.end();
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    const { port } = peer.address() as net.AddressInfo;
    try {
      const logger = new MemoryLogger();
      const app = new Application({ logger });
      const opened: Connection[] = [];
      app.addLoop(new Loop(function* () {
        const polite = yield* connect('127.0.0.1', port);
        registerHaltGoodbye(polite.stream, (connection) =>
          connection.replaceStream((real) => {
            real.end('bye\n');
            return new PassThrough();
          }),
        );
        const clumsy = yield* connect('127.0.0.1', port);
        registerHaltGoodbye(clumsy.stream, () => {
          throw new Error('no words');
        });
        const plain = yield* connect('127.0.0.1', port);
        opened.push(polite, clumsy, plain);
        yield* sleep(1000);
      }));
      const running = app.run();
      await poll(() => opened.length === 3, 'three connected');
      app.halt();
      await running;
      await poll(() => opened.every((c) => c.closed) && heard.length === 3, 'all three closed and heard');
      expect(heard.sort()).toEqual(['', '', 'bye\n']);
      expect(logger.lines.filter((l) => l.includes('error saying goodbye on a connection on halt: ') && l.includes('no words'))).toHaveLength(1);
      for (const connection of opened) expect(connection.stream.destroyed).toBe(true);
    } finally {
      peer.close();
    }
  });
});

describe('halting cancels what is scheduled', () => {
  it('a keepAlive loop waiting to restart leaves no timer behind after halt()', async () => {
    const { FakeClock } = await import('../src/testing/index.js');
    const clock = new FakeClock();
    const app = new Application({ logger: new MemoryLogger(), clock });
    let runs = 0;
    app.addLoop(new Loop({ keepAlive: true, restartDelay: 5 }, function* () {
      runs++;
      yield* sleep(0);
      throw new Error('always fails');
    }));
    const running = app.run();
    await clock.advance(0);
    expect(runs).toBe(1);
    expect(clock.pending).toBe(1); // the restart, 5 s away
    app.halt();
    await running;
    expect(clock.pending).toBe(0);
    await clock.advance(10);
    expect(runs).toBe(1);
  });
});
