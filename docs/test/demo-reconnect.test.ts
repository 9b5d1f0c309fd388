/**
 * Halting the demo closes its WebSockets with 1001 "going away", and the pages come back
 * by themselves once the server is up again: headless Chromium (driven over the DevTools
 * protocol) keeps the live graph and the chat page open while the demo is halted and
 * started again on the same port.
 */
import { MemoryLogger } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Demo, startDemo } from '../demo/main.js';
import { launchChromium } from './chromium.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts headless Chromium (the shared launcher: its whole process group is stopped before the profile goes); returns a DevTools `send`. */
async function chromium(): Promise<(method: string, params?: Record<string, unknown>, sessionId?: string) => Promise<unknown>> {
  const browser = await launchChromium();
  cleanups.push(() => browser.stop());
  const endpoint = browser.endpoint;
  const socket = new WebSocket(endpoint, { perMessageDeflate: false });
  cleanups.push(() => void socket.terminate());
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  return (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
    });
}

type Evaluate = (expression: string) => Promise<unknown>;

async function openPage(send: Awaited<ReturnType<typeof chromium>>, url: string): Promise<Evaluate> {
  const { targetId } = (await send('Target.createTarget', { url })) as { targetId: string };
  const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
  return async (expression) => {
    const result = (await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as { result: { value?: unknown }; exceptionDetails?: { text: string } };
    if (result.exceptionDetails) throw new Error(`page: ${result.exceptionDetails.text}`);
    return result.result.value;
  };
}

/** Polls until `expression` is truthy in the page (an event there, not a timing guess). */
async function waitInPage(evaluate: Evaluate, expression: string): Promise<unknown> {
  for (;;) {
    const value = await evaluate(expression).catch(() => null);
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function halt(demo: Demo): Promise<void> {
  demo.app.halt();
  await demo.app.halted();
}

describe('the demo pages across a server restart', () => {
  it('see 1001 "going away" on halt and reconnect once the demo is back; the chat page rejoins', async () => {
    let demo = await startDemo({ httpPort: 0, echoPort: 0, chatPort: 0, logger: new MemoryLogger() });
    cleanups.push(() => halt(demo));
    const port = demo.ports.http;
    const send = await chromium();
    const graph = await openPage(send, `http://127.0.0.1:${port}/graph`);
    const chat = await openPage(send, `http://127.0.0.1:${port}/chat`);
    await waitInPage(graph, `(window.pointCount ?? 0) >= 3`);
    await waitInPage(chat, `document.getElementById('status')?.textContent === 'connected: choose a nick'`);
    await chat(`document.getElementById('nick').value = 'chromium'; document.getElementById('nick-form').requestSubmit(); true`);
    await waitInPage(chat, `document.getElementById('status').textContent === 'in the room as chromium'`);

    await halt(demo);
    expect(await waitInPage(graph, `window.lastClose && window.lastClose.code + ' ' + window.lastClose.reason`)).toBe('1001 going away');
    expect(await waitInPage(chat, `window.lastClose && window.lastClose.code + ' ' + window.lastClose.reason`)).toBe('1001 going away');
    const before = (await graph(`window.pointCount`)) as number;

    demo = await startDemo({ httpPort: port, echoPort: 0, chatPort: 0, logger: new MemoryLogger() });
    expect(await waitInPage(graph, `window.connections >= 2 && window.connections`)).toBe(2);
    await waitInPage(graph, `window.pointCount > ${before + 3}`);
    expect(await waitInPage(chat, `window.connections >= 2 && window.connections`)).toBe(2);
    await waitInPage(chat, `document.getElementById('status').textContent === 'in the room as chromium'`);
    expect(demo.room.nicks).toEqual(['chromium']);
  }, 180_000);
});
