import { type Application, type Routine, run } from '@diesel/core';
import { WebSocketClient, type WebSocketClientOptions, WebSocketError } from '@diesel/http';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatRoom, chatService, chatSocket, chatWebService } from '../src/index.js';
import { LineClient, cleanup, startApp, track } from './helpers.js';

afterEach(cleanup);

/** A WebSocket client driven from async test code (core's `run` bridges into diesel). */
class Browserish {
  private constructor(readonly ws: WebSocketClient) {}

  static async open(url: string, options: WebSocketClientOptions = {}): Promise<Browserish> {
    const ws = await run(WebSocketClient.connect(url, options) as Routine<WebSocketClient>);
    track(() => ws.terminate());
    return new Browserish(ws);
  }

  send(text: string): Promise<unknown> {
    return run(this.ws.send(text));
  }

  next(): Promise<string | Buffer | null> {
    return run(this.ws.wait() as Routine<string | Buffer | null>);
  }

  async until(line: string): Promise<string[]> {
    const before: string[] = [];
    for (;;) {
      const next = await this.next();
      if (next === null) throw new Error(`socket closed before ${JSON.stringify(line)}; got ${JSON.stringify(before)}`);
      if (next === line) return before;
      before.push(String(next));
    }
  }
}

async function startBoth(): Promise<{ tcp: number; web: number; room: ChatRoom; app: Application }> {
  const room = new ChatRoom();
  const tcp = chatService({ port: 0, host: '127.0.0.1', room });
  const web = chatWebService({ port: 0, host: '127.0.0.1', room });
  const { app } = await startApp((app) => app.addService(tcp).addService(web));
  return { tcp: tcp.port, web: web.port, room, app };
}

/** Polls until `check` holds: routines end on I/O callbacks, not in step with the test. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('chat page and WebSocket', () => {
  it('a WebSocket member is two routines (reader and sender task); when its socket vanishes, neither remains', async () => {
    const { tcp, web, room, app } = await startBoth();
    const alice = await LineClient.join(tcp, 'alice');
    await alice.until('* in the room: alice');
    const aliceOnly = app.hub.size;
    const bob = await Browserish.open(`ws://127.0.0.1:${web}/ws`, { origin: `http://127.0.0.1:${web}` });
    await bob.send('bob');
    expect(await bob.next()).toBe('* bob joined');
    expect(await bob.next()).toBe('* in the room: alice, bob');
    expect(app.hub.size).toBe(aliceOnly + 2);
    bob.ws.terminate();
    await alice.until('* bob left');
    await eventually(() => app.hub.size === aliceOnly, "bob's routines to end");
    expect(room.nicks).toEqual(['alice']);
    // The neighbour is still served.
    alice.send('anyone?');
    expect(await alice.next()).toBe('alice: anyone?');
  });

  it('serves the page, which opens the socket on the same port', async () => {
    const { web } = await startBoth();
    const page = await fetch(`http://127.0.0.1:${web}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<title>diesel chat</title>');
    expect(html).toContain('location.host + "/ws"');
    expect(html).toContain('div.textContent = line'); // lines are shown as text, never as HTML
    const post = await fetch(`http://127.0.0.1:${web}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
  });

  it('puts WebSocket and TCP clients in one room, both ways', async () => {
    const { tcp, web, room } = await startBoth();
    const alice = await LineClient.join(tcp, 'alice');
    await alice.until('* in the room: alice');
    const bob = await Browserish.open(`ws://127.0.0.1:${web}/ws`, { origin: `http://127.0.0.1:${web}` });
    await bob.send('bob');
    expect(await bob.next()).toBe('* bob joined');
    expect(await bob.next()).toBe('* in the room: alice, bob');
    expect(await alice.next()).toBe('* bob joined');
    await bob.send('hello from the browser');
    expect(await alice.next()).toBe('bob: hello from the browser');
    expect(await bob.next()).toBe('bob: hello from the browser');
    alice.send('hello from the terminal');
    expect(await bob.next()).toBe('alice: hello from the terminal');
    expect(room.nicks).toEqual(['alice', 'bob']);
    bob.ws.terminate();
    expect(await alice.until('* bob left')).toEqual(['alice: hello from the terminal']);
    expect(room.nicks).toEqual(['alice']);
  });

  it('asks again for a taken nick, answers /who, and says bye on /quit', async () => {
    const { tcp, web } = await startBoth();
    const alice = await LineClient.join(tcp, 'alice');
    await alice.until('* in the room: alice');
    const page = await Browserish.open(`ws://127.0.0.1:${web}/ws`);
    await page.send('alice');
    expect(await page.next()).toBe('! nick "alice" is taken; send another nick');
    await page.send('carol');
    await page.until('* in the room: alice, carol');
    await page.send('/who');
    expect(await page.next()).toBe('* in the room: alice, carol');
    await page.send('/quit');
    expect(await page.next()).toBe('* bye');
    expect(await page.next()).toBeNull();
    await alice.until('* carol left');
  });

  it('sends the greeting as the first message, before reading the nick', async () => {
    const room = new ChatRoom();
    const web = chatWebService({ port: 0, host: '127.0.0.1', room, greeting: '* diesel-chat worker 3' });
    await startApp((app) => app.addService(web));
    const page = await Browserish.open(`ws://127.0.0.1:${web.port}/ws`);
    expect(await page.next()).toBe('* diesel-chat worker 3');
    await page.send('carol');
    expect(await page.next()).toBe('* carol joined');
    expect(() => chatSocket(room, { greeting: 'a\nb' })).toThrow('chatSocket: greeting must be one line');
  });

  it('refuses a page from another origin (403)', async () => {
    const { web } = await startBoth();
    let error: unknown = null;
    try {
      await Browserish.open(`ws://127.0.0.1:${web}/ws`, { origin: 'http://evil.example' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WebSocketError);
    expect((error as WebSocketError).status).toBe(403);
  });

  it('closes a socket that sends binary (1003): the chat speaks text', async () => {
    const { web, room } = await startBoth();
    const page = await Browserish.open(`ws://127.0.0.1:${web}/ws`);
    await run(page.ws.send(new Uint8Array([1, 2, 3])));
    expect(await page.next()).toBeNull();
    expect(page.ws.closeCode).toBe(1003);
    expect(room.size).toBe(0);
  });

  it('many pages and terminals: every line reaches everyone once, in order', async () => {
    const { tcp, web } = await startBoth();
    const pages = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const page = await Browserish.open(`ws://127.0.0.1:${web}/ws`);
        await page.send(`page${i}`);
        await page.until(`* page${i} joined`);
        return page;
      }),
    );
    const terms = await Promise.all(Array.from({ length: 10 }, (_, i) => LineClient.join(tcp, `term${i}`)));
    for (let i = 0; i < 5; i++) terms[0]!.send(`line ${i}`);
    const expected = Array.from({ length: 5 }, (_, i) => `term0: line ${i}`);
    for (const page of pages) expect((await page.until('term0: line 4')).filter((l) => l.startsWith('term0:'))).toEqual(expected.slice(0, 4));
    for (const term of terms) expect((await term.until('term0: line 4')).filter((l) => l.startsWith('term0:'))).toEqual(expected.slice(0, 4));
  });
});
