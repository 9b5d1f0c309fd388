/**
 * Bytes received but not yet consumed. Data is never moved in place: consumed regions are
 * handed out as views, so a view returned by `take` stays valid after later appends.
 * The first chunk after the buffer drains is adopted without a copy, which makes the
 * common case (one message per chunk) zero-copy.
 */
const EMPTY = Buffer.alloc(0);

/** Buffer's own per-encoding slicers: no argument checks, no encoding lookup. */
interface SlicingBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}
const proto = Buffer.prototype as Partial<SlicingBuffer>;
// They are a fifth of the cost of decoding a short line; toString stays the fallback
// should a Node version drop them.
const FAST_SLICE = typeof proto.utf8Slice === 'function' && typeof proto.latin1Slice === 'function';

function decode(buf: Buffer, encoding: BufferEncoding, start: number, end: number): string {
  if (FAST_SLICE) {
    if (encoding === 'utf8') return (buf as SlicingBuffer).utf8Slice(start, end);
    if (encoding === 'latin1') return (buf as SlicingBuffer).latin1Slice(start, end);
  }
  return buf.toString(encoding, start, end);
}

export class InputBuffer {
  // One shared empty buffer: an idle connection allocates no buffer of its own.
  #buf: Buffer = EMPTY;
  #start = 0;
  #end = 0;
  #owned = false;

  get length(): number {
    return this.#end - this.#start;
  }

  append(chunk: Buffer): void {
    const length = this.#end - this.#start;
    if (length === 0) {
      this.#buf = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      this.#owned = false;
      return;
    }
    if (this.#owned && this.#buf.length - this.#end >= chunk.length) {
      chunk.copy(this.#buf, this.#end);
      this.#end += chunk.length;
      return;
    }
    // Grow into a fresh buffer (never in place, see above); doubling keeps appends amortised O(1).
    const next = Buffer.allocUnsafe(Math.max(length + chunk.length, length * 2, 4096));
    this.#buf.copy(next, 0, this.#start, this.#end);
    chunk.copy(next, length);
    this.#buf = next;
    this.#start = 0;
    this.#end = length + chunk.length;
    this.#owned = true;
  }

  /** Index (relative to the unread data) of `needle`, searching from `from`, or -1. */
  indexOf(needle: Buffer, from: number): number {
    const start = this.#start + from;
    const end = this.#end;
    const n = needle.length;
    if (end - start < n) return -1;
    const buf = this.#buf;
    if (end - start <= 256) {
      // Short spans (a typical line): a plain loop is cheaper than the native call.
      const first = needle[0];
      outer: for (let i = start, last = end - n; i <= last; i++) {
        if (buf[i] !== first) continue;
        for (let k = 1; k < n; k++) if (buf[i + k] !== needle[k]) continue outer;
        return i - this.#start;
      }
      return -1;
    }
    // Search the backing buffer in place (no view allocated); a hit must end by #end.
    const at = buf.indexOf(needle, start);
    return at === -1 || at + n > end ? -1 : at - this.#start;
  }

  /** Removes and returns the first `n` bytes as a view. */
  take(n: number): Buffer {
    const view = this.#buf.subarray(this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) {
      this.#buf = EMPTY;
      this.#start = this.#end = 0;
      this.#owned = false;
    }
    return view;
  }

  /** Removes the first `n` bytes and decodes them. */
  takeString(n: number, encoding: BufferEncoding): string {
    const text = decode(this.#buf, encoding, this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) {
      this.#buf = EMPTY;
      this.#start = this.#end = 0;
      this.#owned = false;
    }
    return text;
  }

  /** Removes and returns everything. */
  takeAll(): Buffer {
    return this.take(this.length);
  }
}

