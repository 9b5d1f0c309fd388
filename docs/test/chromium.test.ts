import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Chromium, groupAlive, launchChromium } from './chromium.js';

/** The browser's DevTools WebSocket, open. */
async function devTools(chromium: Chromium): Promise<WebSocket> {
  const socket = new WebSocket(chromium.endpoint, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** The browser tests' cleanup: nothing of the browser or its profile is left behind. */
describe('launchChromium().stop()', () => {
  it('after a page was opened, leaves no browser process and no profile (killed)', async () => {
    const chromium = await launchChromium();
    const pid = chromium.process.pid!;
    // A page makes Chromium start its helpers and write the profile's Default/ folder.
    const socket = await devTools(chromium);
    socket.send(JSON.stringify({ id: 1, method: 'Target.createTarget', params: { url: 'about:blank' } }));
    await new Promise<void>((resolve) => socket.on('message', (data) => String(data).includes('"id":1') && resolve()));
    expect(readdirSync(chromium.profile).length).toBeGreaterThan(0);
    socket.terminate();
    await chromium.stop();
    expect(existsSync(chromium.profile)).toBe(false);
    expect(groupAlive(pid)).toBe(false);
  }, 120_000);

  it('closed over DevTools first, also leaves nothing; stop() twice is one stop', async () => {
    const chromium = await launchChromium();
    const pid = chromium.process.pid!;
    const socket = await devTools(chromium);
    const close = () => new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.send(JSON.stringify({ id: 1, method: 'Browser.close' }));
    });
    await Promise.all([chromium.stop(close), chromium.stop()]);
    expect(existsSync(chromium.profile)).toBe(false);
    expect(groupAlive(pid)).toBe(false);
    expect(chromium.process.exitCode !== null || chromium.process.signalCode !== null).toBe(true);
  }, 120_000);
});
