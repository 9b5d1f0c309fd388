import { afterEach, expect, it } from 'vitest';
import { startChat } from '../examples/chat-server.js';
import { LineClient, cleanup, track } from './helpers.js';

afterEach(cleanup);

it('examples/chat-server.ts: TCP clients chat, and the page is served', async () => {
  const { app, tcpPort, webPort } = await startChat({ port: 0, webPort: 0, host: '127.0.0.1' });
  track(() => app.halt());
  const alice = await LineClient.join(tcpPort, 'alice');
  const bob = await LineClient.join(tcpPort, 'bob');
  bob.send('hi');
  await alice.until('bob: hi');
  const page = await fetch(`http://127.0.0.1:${webPort}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('diesel chat');
});
