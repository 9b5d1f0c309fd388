/**
 * The mistakes a newcomer makes first get a clear error with a code, thrown where the
 * mistake is — and the application that was running goes on serving.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Application, Loop, Service, UsageError, until } from '../src/index.js';
import { MemoryLogger } from '../src/testing/index.js';

const apps: Application[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) {
    app.halt();
    await app.halted();
  }
});

function* echo() {
  while (true) yield `you said: ${yield* until('\r\n')}`;
}

function echoApp(): { app: Application; service: Service } {
  const service = new Service(echo, { port: 0, host: '127.0.0.1' });
  const app = new Application({ logger: new MemoryLogger() }).addService(service);
  apps.push(app);
  return { app, service };
}

/** One line from the echo service, over real TCP. */
function askEcho(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${text}\r\n`));
    let got = '';
    socket.on('data', (chunk) => {
      got += chunk.toString();
      if (got.endsWith('\r\n')) {
        socket.end();
        resolve(got);
      }
    });
    socket.on('error', reject);
  });
}

describe('Application misuse', () => {
  it('start() after start() rejects with DIESEL_ERR_ALREADY_RUNNING, and the running app still serves', async () => {
    const { app, service } = echoApp();
    await app.start();
    const error = await app.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('DIESEL_ERR_ALREADY_RUNNING');
    expect((error as UsageError).message).toMatch(/already running.*await app\.start\(\).*service\.port/);
    expect(await askEcho(service.port, 'still here')).toBe('you said: still here\r\n');
  });

  it('start() while run() is running rejects the same way', async () => {
    const { app, service } = echoApp();
    const running = app.run();
    while (service.address === null) await new Promise((resolve) => setImmediate(resolve));
    await expect(app.start()).rejects.toMatchObject({ code: 'DIESEL_ERR_ALREADY_RUNNING' });
    await expect(app.run()).rejects.toMatchObject({ code: 'DIESEL_ERR_ALREADY_RUNNING' });
    expect(await askEcho(service.port, 'hi')).toBe('you said: hi\r\n');
    app.halt();
    await running;
  });

  it('after halt, start() works again', async () => {
    const { app, service } = echoApp();
    await app.start();
    app.halt();
    await app.halted();
    await app.start();
    expect(await askEcho(service.port, 'again')).toBe('you said: again\r\n');
  });

  it('addLoop() and addService() name what they take, with DIESEL_ERR_INVALID_ARGUMENT', () => {
    const app = new Application({ logger: new MemoryLogger() });
    const notALoop = (() => app.addLoop(echo as never)) as () => unknown;
    expect(notALoop).toThrow(UsageError);
    expect(notALoop).toThrow(/addLoop\(\) takes a Loop: app\.addLoop\(new Loop\(fn, \.\.\.args\)\)/);
    try {
      app.addService(echo as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'DIESEL_ERR_INVALID_ARGUMENT', message: expect.stringMatching(/addService\(\) takes a Service/) });
    }
    expect(app.addLoop(new Loop(echo))).toBe(app);
  });
});
