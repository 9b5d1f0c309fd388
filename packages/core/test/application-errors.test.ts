import { afterEach, describe, expect, it } from 'vitest';
import { Application, Loop, Service, until, type ErrorSite, type Routine } from '../src/index.js';
import { MemoryLogger } from '../src/testing/index.js';
import { closed, dial, line, until as poll } from './helpers.js';

const apps: Application[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) app.halt();
});

function* crashOnRequest(): Routine<void> {
  for (;;) {
    const message = yield* until('\r\n');
    if (message === 'crash\r\n') throw new Error('handler exploded');
    yield `ok ${message}`;
  }
}

describe('Application({ onError })', () => {
  it("gets a handler's uncaught error with the service and peer; the neighbour is still served", async () => {
    const seen: { error: unknown; where: ErrorSite }[] = [];
    const logger = new MemoryLogger();
    const app = new Application({ logger, onError: (error, where) => seen.push({ error, where }) });
    apps.push(app);
    const service = new Service(crashOnRequest, { port: 0, host: '127.0.0.1', name: 'crashy' });
    app.addService(service);
    await app.start();
    const good = await dial(service.port);
    const bad = await dial(service.port);
    const badPort = bad.localPort;
    bad.write('crash\r\n');
    await closed(bad);
    await poll(() => seen.length === 1, 'onError');
    expect(seen[0]!.error).toBeInstanceOf(Error);
    expect((seen[0]!.error as Error).message).toBe('handler exploded');
    expect(seen[0]!.where.kind).toBe('handler');
    expect(seen[0]!.where.name).toBe('crashy');
    expect(seen[0]!.where.remote?.host).toBe('127.0.0.1');
    expect(seen[0]!.where.remote?.port).toBe(badPort);
    // Handed over, not logged as well.
    expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([]);
    good.write('still there?\r\n');
    expect(await line(good)).toBe('ok still there?\r\n');
    good.destroy();
  });

  it("gets a loop's uncaught error; a peer leaving is not an error", async () => {
    const seen: ErrorSite[] = [];
    const app = new Application({ logger: new MemoryLogger(), onError: (_error, where) => seen.push(where) });
    apps.push(app);
    const service = new Service(crashOnRequest, { port: 0, host: '127.0.0.1' });
    app.addService(service);
    app.addLoop(
      new Loop(function* broken(): Routine<void> {
        yield* until('never'); // a socket wait in a loop: InvalidYield, uncaught
      }),
    );
    await app.start();
    await poll(() => seen.length === 1, 'the loop error');
    expect(seen[0]).toEqual({ kind: 'loop', name: 'broken' });
    const client = await dial(service.port);
    client.write('hi\r\n');
    await line(client);
    client.destroy();
    await poll(() => service.connectionCount === 0, 'the connection to end');
    expect(seen).toHaveLength(1);
  });

  it('a throwing onError is logged and the application keeps serving', async () => {
    const logger = new MemoryLogger();
    const app = new Application({
      logger,
      onError: () => {
        throw new Error('onError broke');
      },
    });
    apps.push(app);
    const service = new Service(crashOnRequest, { port: 0, host: '127.0.0.1' });
    app.addService(service);
    await app.start();
    const bad = await dial(service.port);
    bad.write('crash\r\n');
    await closed(bad);
    await poll(() => logger.lines.some((l) => l.includes('onError failed') && l.includes('handler exploded')), 'the log line');
    const good = await dial(service.port);
    good.write('next\r\n');
    expect(await line(good)).toBe('ok next\r\n');
    good.destroy();
  });

  it('without onError, the error is logged with its stack', async () => {
    const logger = new MemoryLogger();
    const app = new Application({ logger });
    apps.push(app);
    const service = new Service(crashOnRequest, { port: 0, host: '127.0.0.1', name: 'svc' });
    app.addService(service);
    await app.start();
    const bad = await dial(service.port);
    bad.write('crash\r\n');
    await closed(bad);
    await poll(() => logger.lines.some((l) => l.startsWith('error svc: handler for 127.0.0.1:')), 'the log line');
    expect(logger.lines.find((l) => l.startsWith('error'))).toMatch(/handler exploded\n\s+at /);
  });

  it('logs "Starting diesel application" at info when it runs', async () => {
    const logger = new MemoryLogger();
    const app = new Application({ logger });
    apps.push(app);
    await app.start();
    expect(logger.lines[0]).toBe('info Starting diesel application');
  });
});
