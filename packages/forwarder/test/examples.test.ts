import { afterEach, expect, it } from 'vitest';
import type { ForwardEvent } from '../src/index.js';
import { startExample } from '../examples/forward-echo.js';
import { cleanup, collect, dial, track } from './helpers.js';

afterEach(cleanup);

it('examples/forward-echo.ts: the echo service answers through the forwarder', async () => {
  const events: ForwardEvent[] = [];
  const { app, forward } = await startExample({ echoPort: 0, forwardPort: 0, log: (event) => events.push(event) });
  track({ close: () => app.halt() });
  const client = await dial(forward.port);
  const received = collect(client);
  client.write('hello\n');
  await new Promise<void>((resolve) => client.once('data', () => resolve()));
  client.end();
  expect((await received).data.toString()).toBe('you said: hello\n');
  expect(events[0]).toMatchObject({ type: 'open' });
});
