import { describe, expect, it } from 'vitest';
import { parseByteRange } from '../src/byte-range.js';

describe('parseByteRange', () => {
  it('reads the three forms of one byte range', () => {
    expect(parseByteRange('bytes=2-4', 10)).toEqual([2, 4]);
    expect(parseByteRange('bytes=7-', 10)).toEqual([7, 9]);
    expect(parseByteRange('bytes=-2', 10)).toEqual([8, 9]);
    expect(parseByteRange('BYTES= 2 - 4 ', 10)).toEqual([2, 4]);
    expect(parseByteRange('bytes=5-100', 10)).toEqual([5, 9]);
    expect(parseByteRange('bytes=-100', 10)).toEqual([0, 9]);
  });

  it('answers 416 for a range past the end and ignores what is not one byte range', () => {
    expect(parseByteRange('bytes=20-30', 10)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 10)).toBe('unsatisfiable');
    for (const ignored of ['bytes=-', 'bytes=4-2', 'bytes=1-2,4-5', 'items=1-2', 'bytes=a-b', 'bytes', 'bytes=1-2x', 'bytes=\u00a01-2']) {
      expect(parseByteRange(ignored, 10), ignored).toBeNull();
    }
  });

  it('reads pathological values in one pass (they used to take cubic time in a regex)', () => {
    // 100 KB of spaces, digits and spaces without a dash: each would have backtracked for hours.
    for (const filler of [' '.repeat(100_000), `${'1'.repeat(50_000)}${' '.repeat(50_000)}`, ` 1`.repeat(50_000), `-${' '.repeat(100_000)}x`, `${' '.repeat(50_000)}-${' '.repeat(50_000)}x`]) {
      expect(parseByteRange(`bytes=${filler}`, 10)).toBeNull();
    }
  });
});
