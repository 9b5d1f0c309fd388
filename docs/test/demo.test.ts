import net from 'node:net';
import { MemoryLogger } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Demo, DEFAULT_PORTS, demoOptions, startDemo } from '../demo/main.js';
import { lineClient } from './lines.js';

let demo: Demo | null = null;
const sockets: { close(): void }[] = [];
const track = (socket: net.Socket): void => void sockets.push({ close: () => socket.destroy() });

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
  demo?.app.halt();
  demo = null;
});

/** A `ws` client whose messages queue up to be awaited one by one. */
async function openWs(url: string, origin: string): Promise<{ ws: WebSocket; next(): Promise<string> }> {
  const ws = new WebSocket(url, { origin });
  sockets.push({ close: () => ws.terminate() });
  const queue: string[] = [];
  const waiting: ((m: string) => void)[] = [];
  ws.on('message', (data) => {
    const text = String(data);
    const waiter = waiting.shift();
    if (waiter) waiter(text);
    else queue.push(text);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    next: () => {
      const m = queue.shift();
      return m !== undefined ? Promise.resolve(m) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** Skips to the line `wanted` (a chat line client's, or a WebSocket's messages). */
async function until(next: () => Promise<string | null>, wanted: string): Promise<void> {
  for (let line = await next(); line !== wanted; line = await next()) {
    if (line === null) throw new Error(`connection ended before ${JSON.stringify(wanted)}`);
  }
}

describe('the one-process demo', () => {
  it('serves the index, live graph, chat (page, WebSocket and TCP, one room) and echo from one Application', async () => {
    demo = await startDemo({ httpPort: 0, echoPort: 0, chatPort: 0, host: '127.0.0.1', logger: new MemoryLogger() });
    const { http, echo, chat } = demo.ports;
    expect(new Set([http, echo, chat]).size).toBe(3);
    const base = `http://127.0.0.1:${http}`;

    // The index links every part, with the real ports.
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain('href="/graph"');
    expect(html).toContain('href="/chat"');
    expect(html).toContain(`nc 127.0.0.1 ${chat}`);
    expect(html).toContain(`nc 127.0.0.1 ${echo}`);

    // Live graph: the page, and values in [0, 1) over its WebSocket.
    const graphPage = await fetch(`${base}/graph`);
    expect(graphPage.status).toBe(200);
    expect(await graphPage.text()).toContain('"/graph/ws"');
    const graph = await openWs(`ws://127.0.0.1:${http}/graph/ws`, base);
    for (let i = 0; i < 3; i++) {
      const value = Number(await graph.next());
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }

    // Chat: the page, a browser-like `ws` client and a TCP client in the same room.
    const chatPage = await fetch(`${base}/chat`);
    expect(chatPage.status).toBe(200);
    expect(await chatPage.text()).toContain('"/chat/ws"');
    const term = await lineClient(chat, track);
    term.send('terminal');
    await until(term.next, '* in the room: terminal');
    const web = await openWs(`ws://127.0.0.1:${http}/chat/ws`, base);
    web.ws.send('browser');
    await until(web.next, '* in the room: terminal, browser');
    await until(term.next, '* browser joined');
    web.ws.send('hello from the page');
    expect(await term.next()).toBe('browser: hello from the page');
    term.send('hello from nc');
    await until(web.next, 'terminal: hello from nc');
    expect(demo.room.nicks).toEqual(['terminal', 'browser']);

    // A page from another origin may not open the chat socket.
    await expect(openWs(`ws://127.0.0.1:${http}/chat/ws`, 'http://evil.example')).rejects.toThrow('403');

    // Echo.
    const echoClient = await lineClient(echo, track);
    echoClient.send('ping');
    expect(await echoClient.next()).toBe('you said: ping');
  });

  it('halting stops every part', async () => {
    demo = await startDemo({ httpPort: 0, echoPort: 0, chatPort: 0, host: '127.0.0.1', logger: new MemoryLogger() });
    const { echo } = demo.ports;
    const client = net.connect({ port: echo, host: '127.0.0.1' });
    sockets.push({ close: () => client.destroy() });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', () => {});
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    demo.app.halt();
    await closed;
    await expect(
      new Promise((resolve, reject) => {
        const again = net.connect({ port: echo, host: '127.0.0.1' }, () => {
          again.destroy();
          resolve('connected');
        });
        again.once('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('takes ports from flags, then the environment, then defaults', () => {
    expect(demoOptions([], {})).toEqual({ httpPort: DEFAULT_PORTS.http, echoPort: DEFAULT_PORTS.echo, chatPort: DEFAULT_PORTS.chat });
    expect(demoOptions(['--http-port', '9088', '--chat-port=9001'], { DIESEL_DEMO_HTTP_PORT: '1', DIESEL_DEMO_ECHO_PORT: '9000', DIESEL_DEMO_HOST: '127.0.0.1' })).toEqual({
      httpPort: 9088,
      echoPort: 9000,
      chatPort: 9001,
      host: '127.0.0.1',
    });
    expect(() => demoOptions(['--echo-port', 'x'], {})).toThrow(/not a port/);
  });
});
