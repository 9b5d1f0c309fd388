import { Hub, type Routine, Service, run } from '@diesel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatError, type ChatHandlerOptions, type ChatMember, ChatRoom, chatHandler, parseChatCommandLine } from '../src/index.js';
import { LineClient, cleanup, startApp } from './helpers.js';

afterEach(cleanup);

function go<T>(routine: Routine<T>, hub = new Hub()): Promise<T> {
  return run(routine, { hub });
}

async function startChat(room: ChatRoom, options: ChatHandlerOptions = {}): Promise<{ port: number; service: Service }> {
  const service = new Service(chatHandler(room, options), { port: 0, host: '127.0.0.1' });
  await startApp((app) => app.addService(service));
  return { port: service.port, service };
}

async function eventually(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (test()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

describe('chat hardening', () => {
  it('drops many stalled members at once without pushing a member that reads past the backlog', async () => {
    const room = new ChatRoom({ maxBacklog: 50 });
    await go(
      (function* () {
        const stalled: ChatMember[] = [];
        // They read until the reader comes, then all stall together.
        for (let i = 0; i < 120; i++) {
          stalled.push(yield* room.join(`stalled${i}`));
          for (const member of stalled) member.take();
        }
        const reader = yield* room.join('reader');
        reader.take();
        for (const member of stalled) member.take();
        expect(room.size).toBe(121);
        for (let i = 0; i < 60; i++) {
          yield* reader.say(`line ${i}`);
          reader.take(); // keeps up: takes everything after every line
        }
        expect(stalled.every((member) => member.dropped)).toBe(true);
        expect(reader.dropped).toBe(false);
        expect(room.nicks).toEqual(['reader']);
      })(),
    );
  });

  it('costs each member a bounded number of lines in a join storm, not one per join', async () => {
    const room = new ChatRoom({ maxBacklog: 100_000 });
    const members: ChatMember[] = [];
    await go(
      (function* () {
        for (let i = 0; i < 2000; i++) members.push(yield* room.join(`m${i}`));
      })(),
    );
    // Every join announced to every member would be about 2,000,000 lines.
    const lines = members.reduce((sum, member) => sum + member.pending, 0);
    expect(lines).toBeLessThan(20 * members.length);
    expect(members[0]!.take().at(-1)).toMatch(/^\* .* and \d+ others joined$|^\* m\d+ joined$/);
  });

  it('closes a dropped member that never reads again, and serves the rest', async () => {
    const room = new ChatRoom({ maxBacklog: 50 });
    const { port, service } = await startChat(room);
    const stalled = await LineClient.join(port, 'stalled');
    stalled.socket.pause();
    const talker = await LineClient.join(port, 'talker');
    const line = 'x'.repeat(1000);
    let sent = 0;
    while (room.nicks.includes('stalled') && sent < 64_000) {
      talker.socket.write(`${line}\n`.repeat(100));
      sent += 100;
      await talker.until(`talker: ${line}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sent).toBeLessThan(64_000);
    expect(room.nicks).toEqual(['talker']);
    // The stalled client never reads again: its connection still goes (after a short linger).
    await eventually(() => service.connectionCount === 1, 'the dropped connection closed');
    talker.send('still here');
    await talker.until('talker: still here');
  });

  it('closes a client that sends no nick within nickTimeout', async () => {
    const { port } = await startChat(new ChatRoom(), { nickTimeout: 0.3 });
    const silent = await LineClient.connect(port);
    expect(await silent.rest()).toEqual(['* your nick?', '! no nick in 0.3 seconds; bye']);
  });

  it('closes a member that sends nothing within idleTimeout, while one that talks stays', async () => {
    const room = new ChatRoom();
    const { port } = await startChat(room, { idleTimeout: 1 });
    const quiet = await LineClient.join(port, 'quiet');
    const talker = await LineClient.join(port, 'talker');
    const rest = quiet.rest();
    const talking = setInterval(() => talker.send('hello'), 200);
    try {
      expect((await rest).at(-1)).toBe('! nothing from you in 1 seconds; bye');
      await eventually(() => !room.nicks.includes('quiet'), 'quiet left');
      expect(room.nicks).toEqual(['talker']);
    } finally {
      clearInterval(talking);
    }
  });

  it('takes --nick-timeout and --idle-timeout on the command line', () => {
    expect(parseChatCommandLine(['--nick-timeout', '10', '--idle-timeout=0'])).toMatchObject({ nickTimeout: 10, idleTimeout: 0 });
    expect(parseChatCommandLine([])).not.toHaveProperty('nickTimeout');
    for (const bad of [['--nick-timeout', '-1'], ['--idle-timeout', 'soon'], ['--nick-timeout']]) {
      expect(() => parseChatCommandLine(bad), bad.join(' ')).toThrow(ChatError);
    }
  });
});
