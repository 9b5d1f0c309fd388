/**
 * Formats bytes like `hexdump -C`: an offset, sixteen bytes in hex (two groups of
 * eight), and the printable ASCII, one line per sixteen bytes, each line ending in `\n`.
 * `offset` is where `data` starts in its stream, so successive chunks number on.
 * A pure function; suspends: no.
 * @example
 * hexdump(Buffer.from('GET / HTTP/1.1\r\n'));
 * // '00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|\n'
 */
export function hexdump(data: Uint8Array, offset = 0): string {
  let out = '';
  for (let line = 0; line < data.length; line += 16) {
    let hex = '';
    let text = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      const at = line + i;
      if (at < data.length) {
        const byte = data[at]!;
        hex += HEX[byte]! + ' ';
        text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
      } else {
        hex += '   ';
      }
    }
    out += `${(offset + line).toString(16).padStart(8, '0')}  ${hex} |${text}|\n`;
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
