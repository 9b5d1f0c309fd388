import { describe, expect, it } from 'vitest';
import { FakeClock } from '@diesel/core/testing';
import { createPrintLoopsApp } from '../examples/print-loops.js';

describe('example: print every second / every two seconds', () => {
  it('over four fake seconds, one loop prints five times and the other three, in time order', async () => {
    const clock = new FakeClock();
    const printed: { at: number; line: string }[] = [];
    const app = createPrintLoopsApp({ clock, print: (line) => printed.push({ at: clock.now() / 1000, line }) });
    await app.start();
    try {
      await clock.advance(4);
    } finally {
      app.halt();
    }
    const every = (line: string): number[] => printed.filter((p) => p.line === line).map((p) => p.at);
    expect(every('hello from the every-second loop')).toEqual([0, 1, 2, 3, 4]);
    expect(every('hello from the every-two-seconds loop')).toEqual([0, 2, 4]);
    expect(printed).toHaveLength(8);
    // The two loops interleave by time: neither sleep holds the other loop up.
    const times = printed.map((p) => p.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // At t=0 the loops start in the order they were added.
    expect(printed.slice(0, 2).map((p) => p.line)).toEqual(['hello from the every-second loop', 'hello from the every-two-seconds loop']);
  });

  it('halting stops both loops: no line after halt, no timer left behind', async () => {
    const clock = new FakeClock();
    const printed: string[] = [];
    const app = createPrintLoopsApp({ clock, print: (line) => printed.push(line) });
    await app.start();
    await clock.advance(1);
    app.halt();
    const count = printed.length;
    expect(count).toBe(3);
    expect(clock.pending).toBe(0);
    await clock.advance(10);
    expect(printed).toHaveLength(count);
  });
});
