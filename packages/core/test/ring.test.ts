import { describe, expect, it } from 'vitest';
import { Ring } from '../src/sync/ring.js';

/** Drains the ring, front first. */
function drain<T>(ring: Ring<T>): T[] {
  const out: T[] = [];
  while (ring.size > 0) out.push(ring.shift());
  return out;
}

describe('Ring (a queue’s items)', () => {
  it('is FIFO across wrap-arounds and growth, with items given back at the front', () => {
    const ring = new Ring<number>();
    const model: number[] = [];
    let next = 0;
    // A deterministic mix of pushes, takes and give-backs that wraps the head around
    // many times and grows the ring past its first sizes.
    for (let step = 0; step < 20_000; step++) {
      const roll = (step * 7919) % 10;
      if (roll < 5 || model.length === 0) {
        ring.push(next);
        model.push(next++);
      } else if (roll < 9) {
        expect(ring.shift()).toBe(model.shift());
      } else {
        const item = model.shift()!;
        expect(ring.shift()).toBe(item);
        ring.unshift(item);
        model.unshift(item);
      }
      expect(ring.size).toBe(model.length);
    }
    expect(drain(ring)).toEqual(model);
  });

  it('grows to hold a burst and gives the memory back once drained, keeping every item in order', () => {
    const ring = new Ring<string>();
    for (let i = 0; i < 100_000; i++) ring.push(`item ${i}`);
    expect(ring.size).toBe(100_000);
    expect(ring.capacity).toBe(131_072);
    for (let i = 0; i < 99_990; i++) expect(ring.shift()).toBe(`item ${i}`);
    expect(ring.capacity).toBe(1024);
    // What is left is still in order after the ring halved itself on the way down.
    expect(drain(ring)).toEqual(Array.from({ length: 10 }, (_, i) => `item ${99_990 + i}`));
    ring.unshift('front');
    ring.push('back');
    expect(drain(ring)).toEqual(['front', 'back']);
  });

  it('unshift into a full ring grows it instead of overwriting the back', () => {
    const ring = new Ring<number>();
    for (let i = 1; i <= 16; i++) ring.push(i);
    expect(ring.capacity).toBe(16);
    ring.unshift(0);
    expect(ring.capacity).toBe(32);
    expect(drain(ring)).toEqual(Array.from({ length: 17 }, (_, i) => i));
  });
});
