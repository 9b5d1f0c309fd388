/**
 * The `Range` request header (RFC 9110 §14.2), one byte range, parsed in one pass over
 * the value. A regular expression with neighbouring optional whitespace runs
 * (`\s*(\d*)\s*-`) backtracks in cubic time on a value of spaces, and a header is
 * attacker-controlled, so this is a plain scanner: each character is looked at once.
 */

/** What a `Range` header asks of a representation of `size` bytes. */
export type RangeAnswer = readonly [start: number, end: number] | null | 'unsatisfiable';

const SP = 0x20;
const HTAB = 0x09;

function skipSpace(text: string, at: number): number {
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c !== SP && c !== HTAB) break;
    at++;
  }
  return at;
}

/** Index just past the run of ASCII digits starting at `at`. */
function skipDigits(text: string, at: number): number {
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c < 0x30 || c > 0x39) break;
    at++;
  }
  return at;
}

/**
 * One byte range of a `size`-byte representation: `[start, end]` inclusive; `null` when
 * the header is to be ignored and the whole representation sent (another unit, several
 * ranges, a malformed value, an empty `bytes=-`); `'unsatisfiable'` for a 416. Linear in
 * the length of `header`; never throws.
 * @example
 * parseByteRange('bytes=2-5', 10); // [2, 5]
 * parseByteRange('bytes=-3', 10); // [7, 9]
 * parseByteRange('bytes=20-', 10); // 'unsatisfiable'
 */
export function parseByteRange(header: string, size: number): RangeAnswer {
  if (header.length < 6 || header.slice(0, 6).toLowerCase() !== 'bytes=') return null;
  let at = skipSpace(header, 6);
  const firstEnd = skipDigits(header, at);
  const first = header.slice(at, firstEnd);
  at = skipSpace(header, firstEnd);
  if (header.charCodeAt(at) !== 0x2d) return null; // '-'
  at = skipSpace(header, at + 1);
  const lastEnd = skipDigits(header, at);
  const last = header.slice(at, lastEnd);
  // Anything else after the range (a comma, another range, junk): not one byte range.
  if (skipSpace(header, lastEnd) !== header.length) return null;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return [start, end];
}
