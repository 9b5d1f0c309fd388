import { describe, expect, it } from 'vitest';
import { InputBuffer } from '../src/input-buffer.js';

// Small buffers share Node's allocation pool, so "the same memory" is a byte range, not
// an ArrayBuffer: a fresh copy may well sit in the same pool as the chunk it came from.
const overlaps = (x: Buffer, y: Buffer): boolean =>
  x.buffer === y.buffer && x.byteOffset < y.byteOffset + y.length && y.byteOffset < x.byteOffset + x.length;

// A deterministic byte pattern, so a misplaced or repeated byte shows up.
const pattern = (n: number, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

/** The three ways every read-path test runs: whole, split at each offset, one byte at a time. */
function splits(data: Buffer): Array<[string, Buffer[]]> {
  const out: Array<[string, Buffer[]]> = [['whole', [data]]];
  for (let at = 1; at < data.length; at++) out.push([`split at ${at}`, [data.subarray(0, at), data.subarray(at)]]);
  out.push(['one byte at a time', Array.from(data, (_, i) => data.subarray(i, i + 1))]);
  return out;
}

describe('InputBuffer', () => {
  it('take(n) returns the same bytes however the input was chunked', () => {
    const data = pattern(300);
    for (const [how, chunks] of splits(data)) {
      const input = new InputBuffer();
      for (const chunk of chunks) input.append(chunk);
      const got = Buffer.concat([input.take(7), input.take(100), input.take(1), input.take(192)]);
      expect(got.equals(data), how).toBe(true);
      expect(input.length, how).toBe(0);
    }
  });

  it('reads interleaved with appends see every byte once, in order', () => {
    const data = pattern(1000, 5);
    for (const [how, chunks] of splits(data)) {
      const input = new InputBuffer();
      const out: Buffer[] = [];
      let i = 0;
      for (const chunk of chunks) {
        input.append(chunk);
        // Alternate read sizes that straddle chunk boundaries.
        const want = [13, 64, 1, 200][i % 4]!;
        if (input.length >= want) {
          out.push(input.take(want));
          i++;
        }
      }
      out.push(input.takeAll());
      expect(Buffer.concat(out).equals(data), how).toBe(true);
    }
  });

  it('hands over the chunk itself when it is exactly the read, and a view when a read lies in one chunk', () => {
    const input = new InputBuffer();
    const a = pattern(64);
    const b = pattern(64, 1);
    input.append(a);
    input.append(b);
    expect(input.take(64)).toBe(a);
    const view = input.take(10);
    expect(overlaps(view, b)).toBe(true);
    expect(input.chunkCount).toBe(1);
  });

  it('a read spanning chunks is one buffer of exactly n bytes, and views handed out stay valid', () => {
    const input = new InputBuffer();
    input.append(pattern(10));
    const first = input.take(4);
    const before = Buffer.from(first);
    for (let i = 0; i < 20; i++) input.append(pattern(10, i + 1));
    const big = input.take(150);
    expect(big.length).toBe(150);
    expect(first.equals(before)).toBe(true);
    expect(input.length).toBe(6 + 200 - 150);
  });

  it('takeSome gives the head chunk as it is when it is big, gathers small chunks, never more than max', () => {
    const input = new InputBuffer();
    const big = pattern(20_000);
    input.append(big);
    input.append(pattern(5));
    expect(input.takeSome(65536)).toBe(big);
    expect(input.takeSome(65536).length).toBe(5);
    for (let i = 0; i < 10; i++) input.append(pattern(3, i));
    expect(input.takeSome(65536).length).toBe(30);
    input.append(pattern(100));
    expect(input.takeSome(40).length).toBe(40);
    expect(input.takeSome(100).length).toBe(60);
    expect(input.length).toBe(0);
  });

  it('indexOf finds a sentinel however the input was chunked, including across chunk boundaries', () => {
    const data = Buffer.from(`${'x'.repeat(120)}--END--${'y'.repeat(300)}--END--tail`);
    const needle = Buffer.from('--END--');
    for (const [how, chunks] of splits(data)) {
      const input = new InputBuffer();
      let from = 0;
      const lines: string[] = [];
      for (const chunk of chunks) {
        input.append(chunk);
        for (;;) {
          const at = input.indexOf(needle, from);
          if (at === -1) {
            from = Math.max(0, input.length - needle.length + 1);
            break;
          }
          lines.push(input.takeString(at + needle.length, 'latin1'));
          from = 0;
        }
      }
      expect(lines, how).toEqual([`${'x'.repeat(120)}--END--`, `${'y'.repeat(300)}--END--`]);
      expect(input.takeAll().toString(), how).toBe('tail');
    }
  });

  it('decodes utf-8 split across chunks whole', () => {
    const text = Buffer.from('héllo wörld ✓');
    for (const [how, chunks] of splits(text)) {
      const input = new InputBuffer();
      for (const chunk of chunks) input.append(chunk);
      expect(input.takeString(text.length, 'utf8'), how).toBe('héllo wörld ✓');
    }
  });

  it('a long line in many chunks is joined with amortised copies (the head grows by doubling)', () => {
    const input = new InputBuffer();
    const needle = Buffer.from('\r\n');
    let from = 0;
    for (let i = 0; i < 1000; i++) {
      input.append(Buffer.alloc(64, 97));
      expect(input.indexOf(needle, from)).toBe(-1);
      from = Math.max(0, input.length - 1);
      expect(input.chunkCount).toBe(1);
    }
    input.append(Buffer.from('\r\n'));
    expect(input.indexOf(needle, from)).toBe(64_000);
  });
});

describe('InputBuffer joins only what a search needs', () => {
  it('a line ending just inside a big chunk copies a few KiB, and the rest of the chunk is handed over as a view', () => {
    const input = new InputBuffer();
    const tail = Buffer.from('partial line');
    const big = Buffer.concat([Buffer.from(' ends here\r\n'), Buffer.alloc(65536 - 12, 98)]);
    input.append(tail);
    input.append(big);
    const at = input.indexOf(Buffer.from('\r\n'), 0);
    expect(at).toBe(tail.length + 10);
    expect(input.takeString(at + 2, 'latin1')).toBe('partial line ends here\r\n');
    // The joined part (at most 4 KiB) comes first; then the chunk's remainder as a view of it.
    const joined = input.takeSome(65536);
    expect(joined.length).toBeLessThanOrEqual(4096);
    const rest = input.takeSome(65536);
    expect(overlaps(rest, big)).toBe(true);
    expect(input.length).toBe(0);
    expect(joined.length + rest.length + at + 2).toBe(tail.length + big.length);
  });
});

describe('InputBuffer reusing socket chunks (reuseChunks)', () => {
  // Results are kept as handed out (not copied), so a later read that wrote over memory
  // still in use would show up as corrupted bytes at the end.
  it('every result stays intact while later reads reuse chunk memory, whatever the chunking and read sizes', () => {
    const data = pattern(200_000, 9);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return 1 + (seed % n);
    };
    for (let trial = 0; trial < 40; trial++) {
      const input = new InputBuffer();
      input.reuseChunks = true;
      const results: Buffer[] = [];
      let at = 0;
      while (at < data.length || input.length > 0) {
        if (at < data.length) {
          // Fresh chunks, as a socket gives them.
          const size = Math.min(data.length - at, rand(trial % 2 === 0 ? 70_000 : 3000));
          input.append(Buffer.from(data.subarray(at, at + size)));
          at += size;
        }
        const kind = rand(3);
        const want = rand(trial % 3 === 0 ? 65536 : 9000);
        if (kind === 1 && input.length >= want) results.push(input.take(want));
        else if (kind === 2 && input.length > 0) results.push(input.takeSome(want));
        else if (at >= data.length && input.length > 0) results.push(input.takeAll());
      }
      expect(Buffer.concat(results).equals(data), `trial ${trial}`).toBe(true);
    }
  });

  it('a read spanning chunks reuses the head chunk when none of it was handed out, and copies when some was', () => {
    const input = new InputBuffer();
    input.reuseChunks = true;
    const a = Buffer.from(pattern(1000));
    const b = Buffer.from(pattern(1000, 3));
    input.append(a);
    input.append(b);
    input.takeString(100, 'latin1');
    const spanning = input.take(1000);
    expect(overlaps(spanning, a)).toBe(true);
    expect(spanning.equals(Buffer.concat([pattern(1000).subarray(100), pattern(1000, 3).subarray(0, 100)]))).toBe(true);
    // The head is now b, of which 100 bytes were copied (not viewed): a view now...
    const view = input.take(10);
    expect(overlaps(view, b)).toBe(true);
    input.append(Buffer.from(pattern(1000, 5)));
    // ...so the next spanning read must not write over b: it copies.
    const copied = input.take(1500);
    expect(overlaps(copied, b)).toBe(false);
    expect(view.equals(pattern(1000, 3).subarray(100, 110))).toBe(true);
  });

  it('never reuses chunks when the source may still hold them (the default)', () => {
    const input = new InputBuffer();
    const a = Buffer.from(pattern(1000));
    const keep = Buffer.from(a);
    input.append(a);
    input.append(Buffer.from(pattern(1000, 3)));
    input.takeString(100, 'latin1');
    input.take(1000);
    expect(a.equals(keep)).toBe(true);
  });
});
