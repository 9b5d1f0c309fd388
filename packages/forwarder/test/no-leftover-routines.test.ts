import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, collect, dial, echoServer, listen, startForwarder } from './helpers.js';

afterEach(cleanup);

/** Polls until `check` holds (the hub ends routines on I/O callbacks, not synchronously with the test). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('both directions are tasks of the connection', () => {
  it('while forwarding, a connection has two routines; after the client leaves, none remains', async () => {
    const echo = await echoServer();
    const fwd = await startForwarder({ host: '127.0.0.1', port: echo.port });
    const client = await dial(fwd.port);
    const received = collect(client);
    client.write('ping\r\n');
    await new Promise<void>((resolve) => client.once('data', () => resolve()));
    // The handler (client → target) and its child task (target → client).
    expect(fwd.app.hub.size).toBe(2);
    client.end();
    await received;
    await fwd.closed();
    await eventually(() => fwd.app.hub.size === 0, 'no routine left');
  });

  it('a client that resets leaves no routine behind, even when the target never closes', async () => {
    // This target reads and never answers nor closes: only the reset can end the session.
    const target = await listen((socket) => socket.resume());
    const fwd = await startForwarder({ host: '127.0.0.1', port: target.port });
    const client = await dial(fwd.port);
    client.write('hello');
    await fwd.opened();
    await eventually(() => fwd.app.hub.size === 2, 'both directions running');
    client.resetAndDestroy();
    await fwd.closed();
    await eventually(() => fwd.app.hub.size === 0, 'no routine left');
    // A neighbour is still served afterwards.
    const echo = await echoServer();
    const next = await startForwarder({ host: '127.0.0.1', port: echo.port });
    const other = await dial(next.port);
    const got = collect(other);
    other.end('still here');
    expect((await got).data.toString()).toBe('still here');
  });
});
