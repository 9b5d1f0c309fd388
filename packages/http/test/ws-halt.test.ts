/**
 * Halting the application closes every WebSocket cleanly: a close frame 1001 "going
 * away" reaches each client (the `ws` library as the peer), instead of a dropped
 * connection (1006) — whether the handler was waiting for a message or sending.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '@diesel/core';
import { type WebSocket } from '../src/index.js';
import { serveWs, type WsServer } from './ws/harness.js';
import { WsPeer } from './ws/peer.js';

let server: WsServer | null = null;
const peers: WsPeer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) peer.terminate();
  await server?.stop();
  server = null;
});

async function open(url: string): Promise<WsPeer> {
  const peer = await WsPeer.open(url);
  peers.push(peer);
  return peer;
}

function* echo(ws: WebSocket) {
  for (let m = yield* ws.wait(); m !== null; m = yield* ws.wait()) yield* ws.send(m);
}

function* ticker(ws: WebSocket) {
  for (let i = 0; ; i++) {
    yield* ws.send(String(i));
    yield* sleep(0.01);
  }
}

describe('WebSocket on halt', () => {
  it('every open socket gets 1001 "going away", and the handler\'s finally blocks run', async () => {
    server = await serveWs(echo);
    const [a, b] = [await open(server.url), await open(server.url)];
    a.socket.send('hi');
    expect((await a.next()).data.toString()).toBe('hi');
    server.app.halt();
    await server.app.halted();
    expect(await a.closed).toEqual({ code: 1001, reason: 'going away' });
    expect(await b.closed).toEqual({ code: 1001, reason: 'going away' });
  });

  it('a socket whose handler is sending (not waiting) gets 1001 too', async () => {
    server = await serveWs(ticker);
    const peer = await open(server.url);
    await peer.next();
    server.app.halt();
    expect(await peer.closed).toEqual({ code: 1001, reason: 'going away' });
  });

  it('after a restart, a new socket works again', async () => {
    server = await serveWs(echo);
    const first = await open(server.url);
    server.app.halt();
    await server.app.halted();
    expect((await first.closed).code).toBe(1001);
    await server.app.start();
    // Port 0 again: the restarted service has a port of its own.
    const again = await open(`ws://127.0.0.1:${server.app.services[0]!.port}/ws`);
    again.socket.send('back');
    expect((await again.next()).data.toString()).toBe('back');
  });
});
