import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Application,
  DatagramService,
  Loop,
  SocketClosed,
  first,
  run,
  sleep,
  udpSocket,
  wait,
  fire,
  type DatagramSocket,
  type ErrorSite,
  type Routine,
} from '../src/index.js';
import { MemoryLogger } from '../src/testing/index.js';
import { until as poll } from './helpers.js';

const apps: Application[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) app.halt();
});

function* udpEcho(socket: DatagramSocket): Routine<void> {
  for (;;) {
    const { data, address, port } = yield* socket.receive();
    socket.send(`echo: ${data.toString()}`, port, address);
  }
}

async function serveUdp(handler: (socket: DatagramSocket) => Routine, options: { maxQueued?: number } = {}, onError?: (error: unknown, where: ErrorSite) => void) {
  const app = new Application({ logger: new MemoryLogger(), onError });
  apps.push(app);
  const service = new DatagramService(handler, { port: 0, host: '127.0.0.1', ...options });
  app.addService(service);
  await app.start();
  return { app, service, port: service.port };
}

/** Runs a peer program, feeds it `input`, resolves with its output once `done(output)` says so. */
function peer(program: string, args: string[], input: string, done: (output: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (done(output)) {
        child.kill();
        resolve(output);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!done(output)) reject(new Error(`${program} exited (${code}) with ${JSON.stringify(output)}: ${errors}`));
    });
    child.stdin.write(input);
  });
}

describe('DatagramService', () => {
  it('echoes datagrams to socat', async () => {
    const { port } = await serveUdp(udpEcho);
    const output = await peer('socat', ['-t', '10', '-', `UDP:127.0.0.1:${port}`], 'hello over udp\n', (o) => o.includes('\n'));
    expect(output).toBe('echo: hello over udp\n');
  });

  it('echoes datagrams to ncat -u, several in a row', async () => {
    const { port } = await serveUdp(udpEcho);
    const output = await peer('ncat', ['-u', '127.0.0.1', String(port)], 'one\n', (o) => o.includes('one'));
    expect(output).toBe('echo: one\n');
    const again = await peer('ncat', ['-u', '127.0.0.1', String(port)], 'two\n', (o) => o.includes('two'));
    expect(again).toBe('echo: two\n');
  });

  it('a tiny request/reply protocol: a client times out and retries against a server that drops the first request', async () => {
    let seen = 0;
    const { port } = await serveUdp(function* lossy(socket): Routine<void> {
      for (;;) {
        const { data, address, port: from } = yield* socket.receive();
        seen++;
        if (seen === 1) continue; // lost on the way
        socket.send(`reply to ${data.toString()}`, from, address);
      }
    });
    const app = apps[0]!;
    function* request(body: string, tries: number, wait: number): Routine<{ reply: string; attempts: number }> {
      const socket = yield* udpSocket({ host: '127.0.0.1' });
      try {
        for (let attempt = 1; attempt <= tries; attempt++) {
          socket.send(body, port);
          const [datagram] = yield* first(socket.receive(), sleep(wait));
          if (datagram !== undefined) return { reply: datagram.data.toString(), attempts: attempt };
        }
        throw new Error('no reply');
      } finally {
        socket.close();
      }
    }
    const result = await run(request('ping', 5, 0.5), { hub: app.hub });
    expect(result).toEqual({ reply: 'reply to ping', attempts: 2 });
    expect(seen).toBe(2);
  });

  it('the receive queue is bounded: datagrams past maxQueued are dropped and counted', async () => {
    let socketSeen: DatagramSocket | null = null;
    const got: string[] = [];
    const { app, port } = await serveUdp(
      function* slow(socket): Routine<void> {
        socketSeen = socket;
        yield* wait('go'); // not receiving yet
        for (;;) got.push((yield* socket.receive()).data.toString());
      },
      { maxQueued: 2 },
    );
    const client = dgram.createSocket('udp4');
    for (const n of [1, 2, 3, 4, 5]) client.send(`d${n}`, port, '127.0.0.1');
    await poll(() => socketSeen !== null && socketSeen.queued + socketSeen.dropped === 5, 'all five to arrive');
    expect(socketSeen!.queued).toBe(2);
    expect(socketSeen!.dropped).toBe(3);
    await run(fire('go'), { hub: app.hub });
    await poll(() => got.length === 2, 'the queued two');
    expect(got).toEqual(['d1', 'd2']);
    client.send('d6', port, '127.0.0.1');
    await poll(() => got.length === 3, 'a later one');
    expect(got[2]).toBe('d6');
    client.close();
  });

  it("a handler's error goes to onError; halting closes the socket", async () => {
    const errors: ErrorSite[] = [];
    const { app, service, port } = await serveUdp(
      function* fragile(socket): Routine<void> {
        const { data } = yield* socket.receive();
        throw new Error(`bad datagram ${data.toString()}`);
      },
      {},
      (_error, where) => errors.push(where),
    );
    const client = dgram.createSocket('udp4');
    client.send('x', port, '127.0.0.1');
    await poll(() => errors.length === 1, 'onError');
    expect(errors[0]!.kind).toBe('datagram');
    expect(service.socket!.closed).toBe(true); // the handler ended: its socket closed
    client.close();
    app.halt();
    await app.halted();
  });

  it('halting closes sockets routines opened, and their receive() sees nothing more', async () => {
    const app = new Application({ logger: new MemoryLogger() });
    let opened: DatagramSocket | null = null;
    let ending: unknown = null;
    app.addLoop(
      new Loop(function* client(): Routine<void> {
        opened = yield* udpSocket();
        try {
          yield* opened.receive();
        } catch (error) {
          ending = error;
          throw error;
        }
      }),
    );
    await app.start();
    await poll(() => opened !== null, 'the socket');
    expect(opened!.port).toBeGreaterThan(0);
    app.halt();
    await app.halted();
    expect(opened!.closed).toBe(true);
    expect(ending).toBe(null); // killed at its suspension point, not woken with an error
    expect(() => opened!.send('x', 9)).toThrow(SocketClosed);
  });

  it('receive() on a closed socket throws SocketClosed once what was queued is taken', async () => {
    const app = new Application({ logger: new MemoryLogger() });
    apps.push(app);
    await app.start();
    const outcome = await run(
      (function* (): Routine<string[]> {
        const a = yield* udpSocket({ host: '127.0.0.1' });
        const b = yield* udpSocket({ host: '127.0.0.1' });
        b.send('queued', a.port);
        while (a.queued === 0) yield* sleep(0.01);
        b.close();
        a.close();
        const seen: string[] = [(yield* a.receive()).data.toString()];
        try {
          yield* a.receive();
        } catch (error) {
          seen.push((error as SocketClosed).code);
        }
        return seen;
      })(),
      { hub: app.hub },
    );
    expect(outcome).toEqual(['queued', 'DIESEL_ERR_SOCKET_CLOSED']);
  });
});
