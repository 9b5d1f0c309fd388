import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Application, Service, run, spawn, until, type Routine } from '@diesel/core';
import {
  EchoClient,
  cancellableWorker,
  createSlowEchoApp,
  echoWithin,
  everyReply,
  fastestReply,
  handleRequest,
  heartbeatHandler,
} from '../examples/tasks.js';
import { closed, connectTcp, eventually, readLine } from './examples-helpers.js';

let app: Application;
let service: Service;

beforeAll(async () => {
  ({ app, service } = createSlowEchoApp(0, '127.0.0.1'));
  await app.start();
});
afterAll(() => app?.halt());

function* connected(): Routine<EchoClient> {
  const client = new EchoClient();
  yield* client.connect('127.0.0.1', service.port);
  return client;
}

describe('example: tasks, timeouts and cancellation', () => {
  it('echoWithin: the reply in time, null after the deadline, and the client works again after', async () => {
    const result = await run(
      (function* () {
        const client = yield* connected();
        const quick = yield* echoWithin(client, 'hello', 10);
        const late = yield* echoWithin(client, '30 too slow', 0.2);
        client.close();
        const fresh = yield* connected();
        const again = yield* echoWithin(fresh, 'again', 10);
        fresh.close();
        return [quick, late, again];
      })(),
    );
    expect(result).toEqual(['you said: hello\r\n', null, 'you said: again\r\n']);
  });

  it('fastestReply: the server that answers wins, the other call is cancelled; everyReply: all replies in order', async () => {
    // A server that reads and never answers.
    const stalled = new Application();
    const stalledService = new Service(
      function* () {
        while (true) yield* until('\r\n');
      },
      { port: 0, host: '127.0.0.1' },
    );
    stalled.addService(stalledService);
    await stalled.start();
    try {
      const result = await run(
        (function* () {
          const mute = new EchoClient();
          yield* mute.connect('127.0.0.1', stalledService.port);
          const a = yield* connected();
          const b = yield* connected();
          const winner = yield* fastestReply([mute, a], 'who answers?');
          const both = yield* everyReply([a, b], 'all');
          for (const client of [mute, a, b]) client.close();
          return [winner, both];
        })(),
      );
      expect(result).toEqual(['you said: who answers?\r\n', ['you said: all\r\n', 'you said: all\r\n']]);
    } finally {
      stalled.halt();
    }
  });

  it('heartbeatHandler: beats while the client talks; after "bye" the connection closes and no routine remains', async () => {
    const beats = { sent: 0, stopped: false };
    const beating = new Application();
    const beatService = new Service(heartbeatHandler(0.02, beats), { port: 0, host: '127.0.0.1' });
    beating.addService(beatService);
    await beating.start();
    try {
      const socket = await connectTcp(beatService.port);
      expect(await readLine(socket)).toBe('beat\r\n');
      expect(beating.hub.size).toBe(2); // the handler and its heartbeat
      socket.write('bye\r\n');
      await closed(socket);
      await eventually(() => beating.hub.size === 0, 'the heartbeat to end with its handler');
      expect(beats.stopped).toBe(true);
      const sent = beats.sent;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(beats.sent).toBe(sent); // nothing beats after the connection is gone
    } finally {
      beating.halt();
    }
  });

  it('cancellableWorker: sees Cancelled, cleans up (yielding once more), and cancel() returns after', async () => {
    const log: string[] = [];
    const result = await run(
      (function* () {
        const worker = yield* spawn(cancellableWorker, log);
        yield* worker.cancel();
        return [...log];
      })(),
    );
    expect(result).toEqual(['cancelled', 'cleaned up']);
  });

  it('handleRequest: each request logs its own id, and its child the same one', async () => {
    const lines: string[] = [];
    await Promise.all([run(handleRequest('r1', lines)), run(handleRequest('r2', lines))]);
    expect(lines.filter((line) => line.startsWith('[r1]'))).toEqual(['[r1] start', '[r1] child looked it up', '[r1] done']);
    expect(lines.filter((line) => line.startsWith('[r2]'))).toEqual(['[r2] start', '[r2] child looked it up', '[r2] done']);
  });
});
