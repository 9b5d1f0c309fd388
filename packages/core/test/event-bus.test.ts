import { describe, expect, it } from 'vitest';
import {
  Application,
  EventNotJson,
  Hub,
  Loop,
  eventJson,
  fire,
  localEvents,
  run,
  wait,
  type EventBus,
  type EventBusContext,
  type Routine,
} from '../src/index.js';
import { until } from './helpers.js';

/**
 * Two or more applications in this process joined by an in-memory bus that behaves as a
 * remote one: JSON text in between, delivered later (a macrotask), never to the sender.
 */
class MemoryNetwork {
  readonly members = new Set<MemoryBus>();
  bus(): MemoryBus {
    return new MemoryBus(this);
  }
}

class MemoryBus implements EventBus {
  context: EventBusContext | null = null;
  readonly published: [string, string | undefined][] = [];
  opened = 0;
  closed = 0;
  constructor(readonly network: MemoryNetwork) {}
  open(context: EventBusContext): void {
    this.opened++;
    this.context = context;
    this.network.members.add(this);
  }
  publish(event: string, json: string | undefined): void {
    this.published.push([event, json]);
    for (const other of this.network.members) {
      if (other === this) continue;
      setImmediate(() => other.context?.deliver(event, json === undefined ? undefined : JSON.parse(json)));
    }
  }
  close(): void {
    this.closed++;
    this.network.members.delete(this);
  }
}

function* waitFor(event: string, into: unknown[], count = 1): Routine<void> {
  for (let i = 0; i < count; i++) into.push(yield* wait(event));
}

describe('event bus', () => {
  it('a fire in one application wakes the waiters of another, with a JSON copy; local waiters get the value itself at once', async () => {
    const network = new MemoryNetwork();
    const busA = network.bus();
    const busB = network.bus();
    const a = new Application({ events: busA });
    const b = new Application({ events: busB });
    await a.start();
    await b.start();
    expect(a.hub.spansProcesses).toBe(true);
    const seenB: unknown[] = [];
    const seenA: unknown[] = [];
    const waitingB = run(waitFor('news', seenB), { hub: b.hub });
    const waitingA = run(waitFor('news', seenA), { hub: a.hub });
    const value = { text: 'hi', n: [1, 2, { deep: true }] };
    // Counts this process's waiters only: B's waiter is not known here.
    const woken = await run(fire('news', value), { hub: a.hub });
    expect(woken).toBe(1);
    // Local: woken in the same turn, with the very object.
    await waitingA;
    expect(seenA[0]).toBe(value);
    await waitingB;
    expect(seenB[0]).toEqual(value);
    expect(seenB[0]).not.toBe(value);
    expect(busA.published).toEqual([['news', JSON.stringify(value)]]);
    a.halt();
    b.halt();
    await a.halted();
    await b.halted();
    expect(busA.closed).toBe(1);
    expect(busB.closed).toBe(1);
  });

  it('keeps one publisher’s order, and a process never gets its own events back', async () => {
    const network = new MemoryNetwork();
    const a = new Application({ events: network.bus() });
    const b = new Application({ events: network.bus() });
    await a.start();
    await b.start();
    const got: unknown[] = [];
    const stop = b.hub.listen('n', (value) => got.push(value));
    const own: unknown[] = [];
    const stopOwn = a.hub.listen('n', (value) => own.push(value));
    await run(
      (function* (): Routine<void> {
        for (let i = 0; i < 100; i++) yield* fire('n', i);
      })(),
      { hub: a.hub },
    );
    await until(() => got.length === 100, 'B to receive 100 events');
    expect(got).toEqual([...Array(100).keys()]);
    // The listener on A saw its 100 local fires, once each: nothing came back.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(own).toHaveLength(100);
    stop();
    stopOwn();
    a.halt();
    b.halt();
    await Promise.all([a.halted(), b.halted()]);
  });

  it('a value JSON cannot carry is a clear error at fire, and nothing is woken or sent', async () => {
    const network = new MemoryNetwork();
    const bus = network.bus();
    const app = new Application({ events: bus });
    await app.start();
    const seen: unknown[] = [];
    const waiting = run(waitFor('x', seen), { hub: app.hub });
    const bad: [unknown, string][] = [
      [new Date(0), 'value'],
      [{ when: new Map() }, 'value.when'],
      [[1, undefined], 'value[1]'],
      [{ n: Number.NaN }, 'value.n'],
      [{ f: () => 1 }, 'value.f'],
      [10n, 'value'],
      [Buffer.from('x'), 'value'],
    ];
    for (const [value, path] of bad) {
      const error = await run(fire('x', value), { hub: app.hub }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventNotJson);
      expect((error as EventNotJson).code).toBe('DIESEL_ERR_EVENT_NOT_JSON');
      expect((error as EventNotJson).path).toBe(path);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(run(fire('x', cyclic), { hub: app.hub })).rejects.toThrow(/cycle/);
    expect(seen).toEqual([]);
    expect(bus.published).toEqual([]);
    // The routine that caught it goes on; a good value still works, and { local: true } takes anything.
    expect(await run(fire('x', new Map(), { local: true }), { hub: app.hub })).toBe(1);
    await waiting;
    expect(seen[0]).toBeInstanceOf(Map);
    expect(bus.published).toEqual([]);
    app.halt();
    await app.halted();
  });

  it('eventJson: undefined properties are left out as JSON does; a bare fire carries no value', () => {
    expect(eventJson('e', undefined)).toBeUndefined();
    expect(eventJson('e', { a: 1, b: undefined, c: null })).toBe('{"a":1,"c":null}');
    expect(eventJson('e', Object.assign(Object.create(null) as object, { a: 'x' }))).toBe('{"a":"x"}');
    expect(eventJson('e', 'text')).toBe('"text"');
    expect(() => eventJson('e', Symbol('s'))).toThrow(EventNotJson);
  });

  it('without a bus (or with localEvents()) any value works and nothing is checked', async () => {
    for (const events of [undefined, localEvents()]) {
      const hub = new Hub(events === undefined ? {} : { events });
      expect(hub.spansProcesses).toBe(false);
      const seen: unknown[] = [];
      const waiting = run(waitFor('x', seen), { hub });
      const date = new Date();
      expect(await run(fire('x', date), { hub })).toBe(1);
      await waiting;
      expect(seen[0]).toBe(date);
    }
  });

  it('remote events reach listeners and waiters as a local fire would; the bus reopens on a second run', async () => {
    const network = new MemoryNetwork();
    const busB = network.bus();
    const a = new Application({ events: network.bus() });
    const b = new Application({ events: busB });
    const heard: unknown[] = [];
    b.addLoop(
      new Loop(function* listener(): Routine<void> {
        for (;;) heard.push(yield* wait('tick'));
      }),
    );
    await a.start();
    await b.start();
    await run(fire('tick', 'one'), { hub: a.hub });
    await until(() => heard.length === 1, 'the loop in B to hear it');
    b.halt();
    await b.halted();
    await b.start();
    expect(busB.opened).toBe(2);
    await run(fire('tick', 'two'), { hub: a.hub });
    await until(() => heard.length === 2, 'the restarted B to hear it');
    expect(heard).toEqual(['one', 'two']);
    a.halt();
    b.halt();
    await Promise.all([a.halted(), b.halted()]);
  });

  it('start() resolves only once the bus is open, so a fire right after it reaches the others', async () => {
    const network = new MemoryNetwork();
    const slow = network.bus();
    const open = slow.open.bind(slow);
    slow.open = (context) => new Promise<void>((resolve) => setTimeout(() => resolve(open(context)), 50));
    const a = new Application({ events: slow });
    const b = new Application({ events: network.bus() });
    await b.start();
    const got: unknown[] = [];
    b.hub.listen('e', (value) => got.push(value));
    await a.start();
    await run(fire('e', 'first'), { hub: a.hub });
    await until(() => got.length === 1, 'B to hear the first fire');
    a.halt();
    b.halt();
    await Promise.all([a.halted(), b.halted()]);
  });

  it('halting: what finally blocks publish (hub.publish; a yielded token is not run while halting) still reaches the bus, then it closes', async () => {
    const network = new MemoryNetwork();
    const bus = network.bus();
    const order: string[] = [];
    const publish = bus.publish.bind(bus);
    bus.publish = (event, json) => {
      order.push(`publish ${event}`);
      publish(event, json);
    };
    const close = bus.close.bind(bus);
    bus.close = () => {
      order.push('close');
      close();
    };
    const app = new Application({ events: bus });
    app.addLoop(
      new Loop(function* goodbye(): Routine<void> {
        try {
          yield* wait('never');
        } finally {
          app.hub.publish('bye', 'from the finally block');
        }
      }),
    );
    await app.start();
    app.halt();
    await app.halted();
    expect(order).toEqual(['publish bye', 'close']);
    expect(bus.published).toEqual([['bye', '"from the finally block"']]);
  });

  it('a bus that cannot open fails run() with its error, and nothing listens', async () => {
    const failing: EventBus = {
      open: () => Promise.reject(new Error('no route to the bus')),
      publish: () => {},
      close: () => {},
    };
    const app = new Application({ events: failing });
    await expect(app.run()).rejects.toThrow('no route to the bus');
    expect(app.running).toBe(false);
  });

  it('a listener that throws is logged and the others still hear the event', async () => {
    const lines: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (m: string) => lines.push(m), critical() {} };
    const hub = new Hub({ logger });
    const heard: unknown[] = [];
    hub.listen('e', () => {
      throw new Error('listener bug');
    });
    const stop = hub.listen('e', (value) => heard.push(value));
    await run(fire('e', 1), { hub });
    stop();
    await run(fire('e', 2), { hub });
    expect(heard).toEqual([1]);
    expect(lines.some((line) => line.includes('listener bug'))).toBe(true);
  });
});
