import { Service } from '@diesel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatRoom, chatHandler, chatService } from '../src/index.js';
import { LineClient, cleanup, startApp } from './helpers.js';

afterEach(cleanup);

async function startChat(room = new ChatRoom(), maxLineLength?: number): Promise<{ port: number; room: ChatRoom }> {
  const service = new Service(chatHandler(room, maxLineLength === undefined ? {} : { maxLineLength }), { port: 0, host: '127.0.0.1' });
  await startApp((app) => app.addService(service));
  return { port: service.port, room };
}

describe('chat over TCP', () => {
  it('broadcasts every line as "nick: text" to everyone, and announces joins and leaves', async () => {
    const { port, room } = await startChat();
    const alice = await LineClient.join(port, 'alice');
    expect(await alice.next()).toBe('* in the room: alice');
    const bob = await LineClient.join(port, 'bob');
    expect(await bob.next()).toBe('* in the room: alice, bob');
    expect(await alice.next()).toBe('* bob joined');
    bob.send('hi alice');
    expect(await alice.next()).toBe('bob: hi alice');
    expect(await bob.next()).toBe('bob: hi alice');
    alice.send('hello bob\n'); // a "\n"-terminated line within, trimmed
    expect(await bob.next()).toBe('alice: hello bob');
    expect(await alice.next()).toBe('alice: hello bob');
    expect(room.nicks).toEqual(['alice', 'bob']);
    bob.close();
    expect(await alice.next()).toBe('* bob left');
    expect(room.nicks).toEqual(['alice']);
  });

  it('accepts lines ending in \\n alone, and keeps a line split across packets whole', async () => {
    const { port } = await startChat();
    const alice = await LineClient.join(port, 'alice');
    await alice.until('* in the room: alice');
    alice.socket.write('one\ntw');
    await new Promise((r) => setTimeout(r, 20));
    alice.socket.write('o\r\n');
    expect(await alice.next()).toBe('alice: one');
    expect(await alice.next()).toBe('alice: two');
  });

  it('asks again when the nick is taken or invalid', async () => {
    const { port } = await startChat();
    await LineClient.join(port, 'alice');
    const second = await LineClient.connect(port);
    expect(await second.next()).toBe('* your nick?');
    second.send('alice');
    expect(await second.next()).toBe('! nick "alice" is taken; send another nick');
    second.send('no spaces');
    expect(await second.next()).toBe('! nick "no spaces" may only have letters, digits, _ - and .; send another nick');
    second.send('x'.repeat(33));
    expect(await second.next()).toBe('! a nick has at most 32 characters; send another nick');
    second.send('');
    expect(await second.next()).toBe('! a nick must not be empty; send another nick');
    second.send('alice2');
    expect(await second.next()).toBe('* alice2 joined');
  });

  it('answers /who to the asker only, and /quit closes with "* bye"', async () => {
    const { port } = await startChat();
    const alice = await LineClient.join(port, 'alice');
    await alice.until('* in the room: alice');
    const bob = await LineClient.join(port, 'bob');
    await alice.until('* bob joined');
    bob.send('/who');
    await bob.until('* in the room: alice, bob'); // the one after joining
    expect(await bob.next()).toBe('* in the room: alice, bob');
    bob.send('/nope');
    expect(await bob.next()).toBe('! unknown command /nope; try /who or /quit');
    bob.send('//who is there');
    expect(await alice.next()).toBe('bob: /who is there');
    bob.send('/quit');
    expect(await bob.rest()).toEqual(['bob: /who is there', '* bye']);
    expect(await alice.next()).toBe('* bob left');
  });

  it('strips control characters (no terminal escapes reach others) and skips empty lines', async () => {
    const { port } = await startChat();
    const alice = await LineClient.join(port, 'alice');
    await alice.until('* in the room: alice');
    alice.send('   ');
    alice.send('\x1b[2Jred\x07 text\x00');
    expect(await alice.next()).toBe('alice: [2Jred text');
  });

  it('closes a client whose line is longer than maxLineLength', async () => {
    const { port, room } = await startChat(new ChatRoom(), 64);
    const alice = await LineClient.join(port, 'alice');
    await alice.until('* in the room: alice');
    alice.socket.write('y'.repeat(200));
    expect(await alice.rest()).toEqual(['! line too long (the limit is 64 bytes)']);
    expect(room.size).toBe(0);
  });

  it('delivers every line, in order, to 50 clients', async () => {
    const { port } = await startChat();
    const clients = await Promise.all(Array.from({ length: 50 }, (_, i) => LineClient.join(port, `user${i}`)));
    const speaker = await LineClient.join(port, 'speaker');
    for (let i = 0; i < 20; i++) speaker.send(`message ${i}`);
    const expected = Array.from({ length: 20 }, (_, i) => `speaker: message ${i}`);
    for (const client of clients) {
      const before = await client.until('speaker: message 19');
      expect(before.filter((l) => l.startsWith('speaker: '))).toEqual(expected.slice(0, 19));
    }
  });

  it('a client that disconnects mid-line leaves the room', async () => {
    const { port, room } = await startChat();
    const alice = await LineClient.join(port, 'alice');
    await alice.until('* in the room: alice');
    const bob = await LineClient.join(port, 'bob');
    bob.socket.write('half a li');
    bob.socket.destroy();
    await alice.until('* bob left');
    expect(room.nicks).toEqual(['alice']);
  });

  it('chatService() makes a ready service with its own room', async () => {
    const service = chatService({ port: 0, host: '127.0.0.1' });
    await startApp((app) => app.addService(service));
    const alice = await LineClient.join(service.port, 'alice');
    expect(await alice.next()).toBe('* in the room: alice');
  });

  it('on halt closes every client', async () => {
    const room = new ChatRoom();
    const service = new Service(chatHandler(room), { port: 0, host: '127.0.0.1' });
    const { app } = await startApp((a) => a.addService(service));
    const alice = await LineClient.join(service.port, 'alice');
    const rest = alice.rest();
    app.halt();
    expect(await rest).toEqual(['* in the room: alice']);
    expect(room.size).toBe(0);
  });
});

describe('chat over TCP, bursts and slow readers', () => {
  it('a burst of 5000 lines in one write reaches readers that keep up, none dropped (maxBacklog 100)', async () => {
    const { port, room } = await startChat(new ChatRoom({ maxBacklog: 100 }));
    const readers = await Promise.all([0, 1, 2].map((i) => LineClient.join(port, `reader${i}`)));
    const burst = await LineClient.join(port, 'burst');
    burst.socket.write(Array.from({ length: 5000 }, (_, i) => `l${i}\n`).join(''));
    for (const reader of readers) {
      const seen = (await reader.until('burst: l4999')).filter((l) => l.startsWith('burst: '));
      expect(seen).toHaveLength(4999);
      expect(seen[4998]).toBe('burst: l4998');
    }
    expect(room.size).toBe(4);
  });

  it('drops a client that stops reading, and the room carries on', async () => {
    const { port, room } = await startChat(new ChatRoom({ maxBacklog: 50 }));
    const stalled = await LineClient.join(port, 'stalled');
    stalled.socket.pause(); // reads nothing more: the kernel buffers fill, then its writes stall
    const talker = await LineClient.join(port, 'talker');
    const line = 'x'.repeat(1000);
    // Talk until the room gives up on the stalled client (bounded: 64 MB at most).
    let sent = 0;
    while (room.nicks.includes('stalled') && sent < 64_000) {
      talker.socket.write(`${line}\n`.repeat(100));
      sent += 100;
      await talker.until(`talker: ${line}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(room.nicks).toEqual(['talker']);
    await talker.until('* stalled left (too slow)');
    stalled.socket.resume();
    const rest = await stalled.rest();
    expect(rest[rest.length - 1]).toBe('! you fell more than 50 lines behind and were dropped');
  });

  it('sends the greeting line before the nick prompt, and refuses a greeting of several lines', async () => {
    const service = chatService({ port: 0, host: '127.0.0.1', greeting: '* diesel-chat worker 2' });
    await startApp((app) => app.addService(service));
    const alice = await LineClient.connect(service.port);
    expect(await alice.next()).toBe('* diesel-chat worker 2');
    expect(await alice.next()).toBe('* your nick?');
    alice.send('alice');
    expect(await alice.next()).toBe('* alice joined');
    expect(() => chatHandler(new ChatRoom(), { greeting: 'one\r\n* two' })).toThrow('chatHandler: greeting must be one line');
  });
});
