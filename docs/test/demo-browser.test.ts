import type { ChildProcess } from 'node:child_process';
import { MemoryLogger } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Demo, startDemo } from '../demo/main.js';
import { launchChromium } from './chromium.js';
import { lineClient } from './lines.js';

/**
 * The demo in a real browser: headless Chromium, driven over the DevTools protocol (a
 * WebSocket, through the `ws` package), opens the chat page, joins, and talks with a TCP
 * client in the same room; and opens the live graph and watches points arrive.
 */

const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The least of a DevTools client: one page session, `evaluate`, and polling. */
class Browser {
  #nextId = 1;
  #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(
    readonly process: ChildProcess,
    readonly socket: WebSocket,
  ) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error.message));
      else pending?.resolve(message.result);
    });
    // A browser that closes (Browser.close, a crash) answers nothing more.
    socket.once('close', () => {
      for (const pending of this.#pending.values()) pending.reject(new Error('the DevTools connection closed'));
      this.#pending.clear();
    });
  }

  static async launch(): Promise<Browser> {
    const chromium = await launchChromium();
    cleanups.push(() => chromium.stop());
    const socket = new WebSocket(chromium.endpoint, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const browser = new Browser(chromium.process, socket);
    // Runs before the stop() above (cleanups run in reverse): close the browser over
    // DevTools while the socket is still open, so it exits on its own first.
    cleanups.push(async () => {
      await chromium.stop(() => browser.send('Browser.close'));
      socket.terminate();
    });
    return browser;
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
    });
  }

  /** Opens `url` in a new tab; returns a function evaluating an expression there. */
  async open(url: string): Promise<(expression: string) => Promise<unknown>> {
    const { targetId } = (await this.send('Target.createTarget', { url })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    return async (expression) => {
      const result = (await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId)) as {
        result: { value?: unknown };
        exceptionDetails?: { text: string };
      };
      if (result.exceptionDetails) throw new Error(`page: ${result.exceptionDetails.text}`);
      return result.result.value;
    };
  }
}

/** Polls `expression` in the page until it is truthy (an event in the page, not a timing guess). */
async function waitInPage(evaluate: (e: string) => Promise<unknown>, expression: string): Promise<unknown> {
  for (;;) {
    let value: unknown = null;
    try {
      value = await evaluate(expression);
    } catch {
      // the page is still loading
    }
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the demo in headless Chromium', () => {
  it('chats between the browser page and a TCP client, and draws the live graph', async () => {
    const demo: Demo = await startDemo({ httpPort: 0, echoPort: 0, chatPort: 0, host: '127.0.0.1', logger: new MemoryLogger() });
    cleanups.push(() => demo.app.halt());
    const browser = await Browser.launch();
    const base = `http://127.0.0.1:${demo.ports.http}`;

    const term = await lineClient(demo.ports.chat, (socket) => cleanups.push(() => void socket.destroy()));
    term.send('terminal');
    await term.untilLine('* terminal joined');

    const chat = await browser.open(`${base}/chat`);
    await waitInPage(chat, `document.getElementById('status')?.textContent === 'connected: choose a nick'`);
    await chat(`document.getElementById('nick').value = 'chromium'; document.getElementById('nick-form').requestSubmit(); true`);
    await waitInPage(chat, `document.getElementById('status').textContent === 'in the room as chromium'`);
    await term.untilLine('* chromium joined');

    await chat(`document.getElementById('say').value = 'hello from the browser'; document.getElementById('say-form').requestSubmit(); true`);
    await term.untilLine('chromium: hello from the browser');
    term.send('hello from the terminal');
    await waitInPage(chat, `window.chatLines.includes('terminal: hello from the terminal')`);
    const shown = (await chat(`[...document.querySelectorAll('#log div')].map((d) => d.textContent)`)) as string[];
    expect(shown).toContain('terminal: hello from the terminal');
    expect(shown).toContain('chromium: hello from the browser');
    expect(demo.room.nicks).toEqual(['terminal', 'chromium']);

    const graph = await browser.open(`${base}/graph`);
    const points = await waitInPage(graph, `(window.pointCount ?? 0) >= 10 && window.pointCount`);
    expect(points).toBeGreaterThanOrEqual(10);
  }, 120_000);
});
