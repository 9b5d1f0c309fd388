/**
 * Bytes received but not yet consumed, kept as the list of chunks the socket delivered.
 *
 * Appending never copies: a chunk is adopted as it came. A read copies only when the
 * bytes it returns span chunks, and then exactly once, into a buffer of the size asked
 * for — so `bytes(65536)` over a stream of 64 KiB chunks costs one copy per byte at
 * most, and none when a chunk lines up with the read (the chunk itself is handed over).
 * Searching (`until()`) needs the bytes in one piece; the head is grown into an owned
 * buffer, doubling, by as much of the next chunk as fits, so a long line arriving in
 * many chunks is copied O(1) times per byte and only as far as the search has to look.
 *
 * Bytes handed out stay valid: a view returned by `take` is never written again. The one
 * place bytes move in place is a read that spans chunks when the head chunk is ours to
 * reuse (see `reuseChunks`) and none of it was handed out: its unread tail is moved to
 * its front and the rest of the read copied after it, so the result lives in memory the
 * socket already filled (warm, faulted in) instead of a fresh allocation — on a 64 KiB
 * stream that is most of the cost of a misaligned `bytes(65536)`.
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

/**
 * Below this, `takeSome` gathers bytes from several small chunks into one result
 * (cheap to copy); at or above it, it hands over the head chunk's bytes as they are.
 */
const GATHER_BELOW = 16 * 1024;

export class InputBuffer {
  // The head: bytes [#start, #end) of #head are the oldest unread. One shared empty
  // buffer while idle, so an idle connection allocates no buffer of its own.
  #head: Buffer = EMPTY;
  #start = 0;
  #end = 0;
  // True when #head is ours (made by growing), so bytes past #end may be written.
  #owned = false;
  // Whole chunks after the head, oldest first; #rest[#restFrom] is the next.
  #rest: Buffer[] = [];
  #restFrom = 0;
  #restLength = 0;
  // True while no view of the head was handed out and the head is ours to overwrite.
  #headFree = false;

  /**
   * Whether appended chunks belong to this buffer alone, so their memory may be reused
   * for a result. True for a net.Socket (and TLS over it): Node allocates every chunk it
   * emits afresh and keeps no reference. False for other streams, whose chunks may be
   * the very buffers a writer passed in and may reuse.
   */
  reuseChunks = false;

  get length(): number {
    return this.#end - this.#start + this.#restLength;
  }

  /** Number of chunks holding the unread bytes (for tests and diagnostics). */
  get chunkCount(): number {
    return (this.#end > this.#start ? 1 : 0) + this.#rest.length - this.#restFrom;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#end === this.#start) {
      this.#head = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      this.#owned = false;
      this.#headFree = this.reuseChunks;
      return;
    }
    this.#rest.push(chunk);
    this.#restLength += chunk.length;
  }

  /** Index (relative to the unread data) of `needle`, searching from `from`, or -1. */
  indexOf(needle: Buffer, from: number): number {
    const n = needle.length;
    for (;;) {
      const at = this.#searchHead(needle, from);
      if (at !== -1 || this.#restLength === 0) return at;
      // A hit may start in the head and end in the next chunk: search again from the
      // last place one could start, once more bytes are joined on.
      from = Math.max(from, this.#end - this.#start - n + 1);
      this.#joinNext();
    }
  }

  #searchHead(needle: Buffer, from: number): number {
    const start = this.#start + from;
    const end = this.#end;
    const n = needle.length;
    if (end - start < n) return -1;
    const buf = this.#head;
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

  /**
   * Moves bytes of the next chunk onto the end of the head: as many as fit, growing the
   * head (doubling, at least 4 KiB) when it is full. Only that much of the chunk is
   * copied; its remainder stays a chunk of its own, so a line that ends just inside a
   * 64 KiB chunk costs a few KiB of copying, not the whole chunk.
   */
  #joinNext(): void {
    const chunk = this.#rest[this.#restFrom]!;
    let room = this.#owned ? this.#head.length - this.#end : 0;
    if (room === 0) {
      const used = this.#end - this.#start;
      const next = Buffer.allocUnsafe(Math.max(used * 2, 4096));
      this.#head.copy(next, 0, this.#start, this.#end);
      this.#head = next;
      this.#start = 0;
      this.#end = used;
      this.#owned = true;
      this.#headFree = true;
      room = next.length - used;
    }
    if (chunk.length <= room) {
      chunk.copy(this.#head, this.#end);
      this.#end += chunk.length;
      this.#shiftRest();
      return;
    }
    chunk.copy(this.#head, this.#end, 0, room);
    this.#end += room;
    this.#rest[this.#restFrom] = chunk.subarray(room);
    this.#restLength -= room;
  }

  #shiftRest(): Buffer {
    const chunk = this.#rest[this.#restFrom]!;
    this.#rest[this.#restFrom++] = EMPTY;
    this.#restLength -= chunk.length;
    if (this.#restFrom === this.#rest.length) {
      this.#rest.length = 0;
      this.#restFrom = 0;
    } else if (this.#restFrom >= 64 && this.#restFrom * 2 >= this.#rest.length) {
      // Drop the consumed front now and then, so a long backlog is not shifted per chunk.
      this.#rest = this.#rest.slice(this.#restFrom);
      this.#restFrom = 0;
    }
    return chunk;
  }

  /** The head is used up: the next chunk (if any) becomes the head, as it is. */
  #advanceHead(): void {
    if (this.#restLength === 0) {
      this.#head = EMPTY;
      this.#start = this.#end = 0;
      this.#owned = false;
      this.#headFree = false;
      return;
    }
    const chunk = this.#shiftRest();
    this.#head = chunk;
    this.#start = 0;
    this.#end = chunk.length;
    this.#owned = false;
    // Whatever of this chunk went before (a join) was copied, never viewed.
    this.#headFree = this.reuseChunks;
  }

  /**
   * Removes and returns the first `n` bytes (`n <= length`). A view when they lie in one
   * chunk (the chunk itself when it is exactly the rest); otherwise one copy into a
   * buffer of exactly `n` bytes.
   */
  take(n: number): Buffer {
    const inHead = this.#end - this.#start;
    if (n <= inHead) {
      const head = this.#head;
      const view = this.#start === 0 && n === head.length ? head : head.subarray(this.#start, this.#start + n);
      this.#start += n;
      this.#headFree = false;
      if (this.#start === this.#end) this.#advanceHead();
      return view;
    }
    const head = this.#head;
    let out: Buffer;
    if (this.#headFree && head.length >= n) {
      // Reuse the head chunk's own memory (see the header comment): nothing else holds it.
      if (this.#start > 0) head.copyWithin(0, this.#start, this.#end);
      out = n === head.length ? head : head.subarray(0, n);
    } else {
      out = Buffer.allocUnsafe(n);
      head.copy(out, 0, this.#start, this.#end);
    }
    let filled = inHead;
    this.#advanceHead();
    while (filled < n) {
      const avail = this.#end - this.#start;
      const want = n - filled;
      if (want >= avail) {
        this.#head.copy(out, filled, this.#start, this.#end);
        filled += avail;
        this.#advanceHead();
      } else {
        this.#head.copy(out, filled, this.#start, this.#start + want);
        this.#start += want;
        filled = n;
      }
    }
    return out;
  }

  /**
   * Removes and returns at least one and at most `max` bytes (`length > 0`): the head
   * chunk's bytes as a view when there are plenty, or small chunks gathered into one.
   */
  takeSome(max: number): Buffer {
    const inHead = this.#end - this.#start;
    // Gather only small pieces: a big next chunk is handed over on the next read rather
    // than copied to join a small head.
    if (inHead >= max || inHead >= GATHER_BELOW || this.#restLength === 0 || this.#rest[this.#restFrom]!.length >= GATHER_BELOW) {
      return this.take(Math.min(inHead, max));
    }
    return this.take(Math.min(max, GATHER_BELOW, this.length));
  }

  /** Removes the first `n` bytes and decodes them. */
  takeString(n: number, encoding: BufferEncoding): string {
    if (n > this.#end - this.#start) return decode(this.take(n), encoding, 0, n);
    const text = decode(this.#head, encoding, this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) this.#advanceHead();
    return text;
  }

  /** Removes and returns everything. */
  takeAll(): Buffer {
    return this.take(this.length);
  }
}
