/**
 * Character classes and the method table of HTTP/1.1 (RFC 9110 / 9112), as lookup
 * tables the parser indexes by byte. Kept apart from the parser so the serializer and
 * the headers class agree with it.
 */

function table(test: (byte: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = test(b) ? 1 : 0;
  return t;
}

const TCHAR_EXTRA = "!#$%&'*+-.^_`|~";

/** tchar: the characters of a token (method, field name, coding name). */
export const TOKEN: Uint8Array = table(
  (b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || TCHAR_EXTRA.includes(String.fromCharCode(b)),
);

/** field-value bytes: HTAB, SP, VCHAR and obs-text; never CR, LF, NUL or other controls. */
export const FIELD_VALUE: Uint8Array = table((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80);

/** Request-target bytes: visible ASCII only (no space, no control, no raw UTF-8). */
export const TARGET: Uint8Array = table((b) => b >= 0x21 && b <= 0x7e);

/** Reason-phrase bytes: HTAB, SP, VCHAR, obs-text. */
export const REASON: Uint8Array = FIELD_VALUE;

/** Hex digit value, or 255. */
export const HEX: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

/** qdtext of a quoted-string (chunk extensions). */
export const QDTEXT: Uint8Array = table((b) => b === 0x09 || b === 0x20 || b === 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b <= 0x7e) || b >= 0x80);

/**
 * Methods this parser knows. An unknown but well-formed method is refused with 501
 * (Not Implemented), as RFC 9110 §9.1 asks of a server that does not implement it.
 */
export const HTTP_METHODS: ReadonlySet<string> = new Set([
  'DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'LINK', 'UNLINK',
  // WebDAV
  'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND', 'UNBIND', 'ACL',
  // Subversion, UPnP, CalDAV, others in common use
  'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'MKCALENDAR', 'PURGE', 'QUERY', 'SOURCE',
]);

/** RTSP (RFC 2326) methods, accepted only with an `RTSP/` version. */
export const RTSP_METHODS: ReadonlySet<string> = new Set([
  'OPTIONS', 'DESCRIBE', 'ANNOUNCE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER', 'REDIRECT', 'RECORD', 'FLUSH', 'GET', 'POST',
]);

/** The protocol names a start line may carry. Servers accept only `HTTP`. */
export type Protocol = 'HTTP' | 'RTSP' | 'ICE';

/** Versions a start line may carry: 0.9, 1.0, 1.1 and 2.0 (the last only to refuse it with 505). */
export function validVersion(major: number, minor: number): boolean {
  return (major === 1 && (minor === 0 || minor === 1)) || (major === 0 && minor === 9) || (major === 2 && minor === 0);
}
