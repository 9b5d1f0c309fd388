/**
 * The room's cross-process protocol over an in-memory event bus (two Applications in
 * this process, JSON in between, delivered a macrotask later, never to the sender):
 * wake-ups stay local, and a process that vanishes without a word is noticed.
 */
import { Application, type EventBus, type EventBusContext, type Routine, run } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatMember, ChatRoom } from '../src/index.js';

class MemoryBus implements EventBus {
  context: EventBusContext | null = null;
  /** A vanished process: it neither sends nor receives, and says no bye. */
  cut = false;
  readonly published: string[] = [];
  constructor(readonly peers: Set<MemoryBus>) {}
  open(context: EventBusContext): void {
    this.context = context;
    this.peers.add(this);
  }
  publish(event: string, json: string | undefined): void {
    if (this.cut) return;
    this.published.push(event);
    for (const other of this.peers) {
      if (other !== this && !other.cut) setImmediate(() => other.context?.deliver(event, json === undefined ? undefined : JSON.parse(json)));
    }
  }
  close(): void {
    this.peers.delete(this);
  }
}

const apps: Application[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) {
    app.halt();
    await app.halted();
  }
});

async function node(peers: Set<MemoryBus>): Promise<{ app: Application; bus: MemoryBus; room: ChatRoom }> {
  const bus = new MemoryBus(peers);
  const app = new Application({ events: bus, logger: new MemoryLogger() });
  await app.start();
  apps.push(app);
  return { app, bus, room: new ChatRoom({ rosterInterval: 0.1, announceInterval: 0 }) };
}

/** Lines for `member` until one matches. */
async function until(app: Application, member: ChatMember, pattern: RegExp): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const lines = await run(member.next(), { hub: app.hub });
    seen.push(...lines);
    if (lines.some((line) => pattern.test(line))) return seen;
    if (member.left) throw new Error(`member left before ${pattern}; saw ${JSON.stringify(seen)}`);
  }
}

describe('ChatRoom across processes (in-memory bus)', () => {
  it('lines cross; only the room event goes on the bus (wake-ups stay local)', async () => {
    const peers = new Set<MemoryBus>();
    const a = await node(peers);
    const b = await node(peers);
    const alice = await run(a.room.join('alice'), { hub: a.app.hub });
    const bob = await run(b.room.join('bob'), { hub: b.app.hub });
    await until(a.app, alice, /bob.* joined/);
    await run(
      (function* (): Routine<void> {
        yield* alice.say('hello bob');
        yield* alice.notice('a notice for alice only');
      })(),
      { hub: a.app.hub },
    );
    expect(await until(b.app, bob, /^alice: hello bob$/)).not.toContain('a notice for alice only');
    expect(new Set([...a.bus.published, ...b.bus.published])).toEqual(new Set(['diesel-chat:lobby']));
    expect(a.room.nicks).toEqual(['alice', 'bob']);
    expect(a.room.size).toBe(1);
    expect(a.room.spansProcesses).toBe(true);
  });

  it('the members of a process that vanished are announced as left after three silent rosters', async () => {
    const peers = new Set<MemoryBus>();
    const a = await node(peers);
    const b = await node(peers);
    const alice = await run(a.room.join('alice'), { hub: a.app.hub });
    await run(b.room.join('bob'), { hub: b.app.hub });
    await until(a.app, alice, /bob.* joined/);
    b.bus.cut = true;
    const lines = await until(a.app, alice, /^\* bob left$/);
    expect(lines.at(-1)).toBe('* bob left');
    expect(a.room.nicks).toEqual(['alice']);
  });

  it('malformed room messages on the bus are ignored; the next good one is delivered', async () => {
    const peers = new Set<MemoryBus>();
    const a = await node(peers);
    const alice = await run(a.room.join('alice'), { hub: a.app.hub });
    const deliver = (value: unknown): number => a.bus.context!.deliver('diesel-chat:lobby', value);
    for (const junk of [null, 'text', 42, { k: 'say', line: 'no sender' }, { r: 'x', k: 'say', line: 7 }, { r: 'x', k: 'join' }, { r: 'x', k: 'leave', nicks: 'alice' }, { r: 'x', k: 'what' }]) {
      deliver(junk);
    }
    deliver({ r: 'x', k: 'say', line: 'mallory: \u001b[2Jhi' });
    const lines = await until(a.app, alice, /^mallory: /);
    // Control characters from the bus are cleaned like a local member's.
    expect(lines.at(-1)).toBe('mallory: [2Jhi');
    expect(a.room.nicks).toEqual(['alice']);
  });

  it('without a spanning bus the room stays in the process and publishes nothing', async () => {
    const app = new Application({ logger: new MemoryLogger() });
    await app.start();
    apps.push(app);
    const room = new ChatRoom();
    await run(room.join('solo'), { hub: app.hub });
    expect(room.spansProcesses).toBe(false);
    expect(room.nicks).toEqual(['solo']);
  });
});
