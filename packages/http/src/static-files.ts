/**
 * Static files from a directory: content types, validators (`ETag`, `Last-Modified`,
 * 304), single byte ranges (206, 416), HEAD, index files — and no way out of the root:
 * `..` segments (raw or percent-encoded), NUL bytes, backslashes and symlinks that point
 * outside are refused before any file is opened.
 */
import { createReadStream, promises as fs, statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { parseByteRange } from './byte-range.js';
import { HttpError } from './errors.js';
import { HttpHeaders } from './headers.js';
import { contentType } from './mime-types.js';
import { pathOf } from './router.js';
import type { HttpHandler, HttpRequest, HttpResponse } from './types.js';

/**
 * What `staticFiles(root, options)` takes; all optional.
 * @example
 * staticFiles('./public', { index: ['index.html', 'index.htm'], cacheControl: 'max-age=3600' });
 */
export interface StaticFilesOptions {
  /** Files tried, in order, when a directory is asked for (default `['index.html']`). */
  index?: readonly string[];
  /** `Cache-Control` sent with every file (default `no-cache`: revalidate with the ETag). */
  cacheControl?: string;
  /** Serve names starting with a dot (default false: 404). */
  dotfiles?: boolean;
  /** Read size for streaming a file (default 64 KiB). */
  chunkSize?: number;
}

/**
 * A handler serving the files under `root`. Mounted on a router pattern ending in `*`
 * it serves the rest of the path; used alone, the whole path. GET and HEAD only (405
 * otherwise). A directory without its trailing slash is redirected (301) so relative
 * links work. Suspends: while the file system answers and the file streams.
 *
 * Throws `HttpError` `DIESEL_ERR_HTTP_STATIC_ROOT` at once when `root` is not a
 * directory, rather than answering every request with a 500 later.
 * @example
 * app.addService(new Service(new HttpServer(router({ '/static/*': staticFiles('./public') })), 8000));
 */
export function staticFiles(root: string, options: StaticFilesOptions = {}): HttpHandler {
  const absoluteRoot = path.resolve(root);
  checkRoot(root, absoluteRoot);
  const index = options.index ?? ['index.html'];
  const cacheControl = options.cacheControl ?? 'no-cache';
  const chunkSize = options.chunkSize ?? 64 * 1024;
  let realRoot: Promise<string> | null = null;

  return async function serveStatic(request: HttpRequest): Promise<HttpResponse> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const r = plain(405, 'method not allowed');
      r.headers.set('Allow', 'GET, HEAD');
      return r;
    }
    realRoot ??= fs.realpath(absoluteRoot);
    const rootDir = await realRoot;
    const fullPath = pathOf(request.url);
    if (fullPath === null) return plain(400, 'bad request target');
    const rest = request.params?.['*'] ?? fullPath.slice(1);
    const segments = decodeSegments(rest);
    if (segments === null) return plain(400, 'bad percent-encoding in the path');
    if (segments === 'forbidden') return plain(403, 'forbidden');
    if (!options.dotfiles && segments.some((s) => s.startsWith('.'))) return plain(404, 'not found');
    let file = path.join(rootDir, ...segments);
    if (!inside(rootDir, file)) return plain(403, 'forbidden');

    let stats: Stats;
    try {
      // Follow symlinks, then check the real target is still under the root.
      const real = await fs.realpath(file);
      if (!inside(rootDir, real)) return plain(403, 'forbidden');
      file = real;
      stats = await fs.stat(file);
      if (stats.isDirectory()) {
        if (!fullPath.endsWith('/')) {
          const r = plain(301, 'moved permanently');
          const q = request.url.indexOf('?');
          r.headers.set('Location', `${fullPath}/${q === -1 ? '' : request.url.slice(q)}`);
          return r;
        }
        let found = false;
        for (const name of index) {
          const candidate = path.join(file, name);
          try {
            const real2 = await fs.realpath(candidate);
            if (!inside(rootDir, real2)) return plain(403, 'forbidden');
            const s = await fs.stat(real2);
            if (s.isFile()) {
              file = real2;
              stats = s;
              found = true;
              break;
            }
          } catch {
            // try the next index name
          }
        }
        if (!found) return plain(404, 'not found');
      }
      if (!stats.isFile()) return plain(404, 'not found');
    } catch {
      return plain(404, 'not found');
    }

    const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
    const lastModified = stats.mtime.toUTCString();
    const headers = new HttpHeaders();
    headers.set('Content-Type', contentType(file));
    headers.set('ETag', etag);
    headers.set('Last-Modified', lastModified);
    headers.set('Cache-Control', cacheControl);
    headers.set('Accept-Ranges', 'bytes');

    if (notModified(request, etag, stats.mtime)) {
      headers.delete('Content-Type');
      return { status: 304, headers, body: null };
    }

    let start = 0;
    let end = stats.size - 1;
    let status = 200;
    const range = request.headers.first('range');
    if (range !== undefined && ifRangeHolds(request, etag, stats.mtime)) {
      const parsed = parseByteRange(range, stats.size);
      if (parsed === 'unsatisfiable') {
        headers.set('Content-Range', `bytes */${stats.size}`);
        const r = plain(416, 'range not satisfiable');
        for (const [name, value] of headers) if (name !== 'Content-Type') r.headers.set(name, value);
        return r;
      }
      if (parsed !== null) {
        [start, end] = parsed;
        status = 206;
        headers.set('Content-Range', `bytes ${start}-${end}/${stats.size}`);
      }
    }
    const length = Math.max(0, end - start + 1);
    headers.set('Content-Length', length);
    if (request.method === 'HEAD' || length === 0) return { status, headers, body: length === 0 ? '' : null };
    return { status, headers, body: createReadStream(file, { start, end, highWaterMark: chunkSize }) };
  };
}

/** Decoded path segments; null for bad encoding; 'forbidden' for a way out of the root. */
function decodeSegments(rest: string): string[] | null | 'forbidden' {
  const out: string[] = [];
  for (const raw of rest.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '..' || segment.includes('/') || segment.includes('\\') || segment.includes('\0')) return 'forbidden';
    if (segment === '' || segment === '.') continue;
    out.push(segment);
  }
  return out;
}

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function notModified(request: HttpRequest, etag: string, mtime: Date): boolean {
  const inm = request.headers.first('if-none-match');
  if (inm !== undefined) {
    // Weak comparison (RFC 9110 §13.1.2).
    const bare = weakless(etag);
    return inm.trim() === '*' || inm.split(',').some((t) => weakless(t.trim()) === bare);
  }
  const ims = request.headers.first('if-modified-since');
  if (ims !== undefined) {
    const since = Date.parse(ims);
    if (!Number.isNaN(since)) return Math.floor(mtime.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

function ifRangeHolds(request: HttpRequest, etag: string, mtime: Date): boolean {
  const ifRange = request.headers.first('if-range');
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return !ifRange.startsWith('W/') && ifRange === weakless(etag);
  const date = Date.parse(ifRange);
  return !Number.isNaN(date) && Math.floor(mtime.getTime() / 1000) === Math.floor(date / 1000);
}

/** An entity tag without its weakness prefix `W/`. */
function weakless(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

function plain(status: number, text: string): HttpResponse {
  return { status, headers: new HttpHeaders({ 'Content-Type': 'text/plain; charset=utf-8' }), body: `${status} ${text}\n` };
}

/** A missing root is a mistake in the program, not in a request: say so once, at construction. */
function checkRoot(root: string, absoluteRoot: string): void {
  let stats: Stats | undefined;
  try {
    stats = statSync(absoluteRoot);
  } catch {
    stats = undefined;
  }
  if (stats?.isDirectory() === true) return;
  const what = stats === undefined ? 'does not exist' : 'is not a directory';
  const relative = path.isAbsolute(root) ? '' : ` (relative paths resolve against the current directory, ${process.cwd()}; to serve a folder next to your module use fileURLToPath(new URL('./public/', import.meta.url)))`;
  throw new HttpError('DIESEL_ERR_HTTP_STATIC_ROOT', 500, `staticFiles(${JSON.stringify(root)}): ${absoluteRoot} ${what}${relative}`);
}
