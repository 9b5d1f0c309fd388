/**
 * One core per application, checked at load. Two copies of `@diesel/core` (say one under
 * `node_modules/@diesel/http/node_modules/`) would each run their own hub, error classes
 * and option registry; requests then fail in ways that name neither copy. So the first
 * core to load records where it lives on a process-wide `Symbol.for` slot, which every
 * copy sees, and a core loaded from another file refuses to load.
 *
 * The same file evaluated again (vitest re-runs modules per test file, watch mode, an
 * import with a cache-busting query) is the same core and loads normally.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DieselError } from './errors.js';

/**
 * Where a loaded `@diesel/core` lives: its module file and its package version.
 * `loadedCore()` returns it, to say which copy a program got.
 * @example
 * const core: CoreInstance = loadedCore();
 * console.log(`@diesel/core ${core.version} from ${core.path}`);
 */
export interface CoreInstance {
  /** The file of core's `core-instance` module (no query), e.g. `…/@diesel/core/dist/core-instance.js`. */
  readonly path: string;
  /** The version in core's package.json, or `'unknown'` where it cannot be read (a bundle). */
  readonly version: string;
}

/**
 * A second copy of `@diesel/core` was loaded from another path than the first one
 * (code `DIESEL_ERR_DUPLICATE_CORE`). Thrown while the second copy is imported; its
 * message names both copies and how to end up with one.
 *
 * @example
 * ```ts
 * try {
 *   await import('@diesel/core');
 * } catch (error) {
 *   if (error instanceof Error && 'code' in error && error.code === 'DIESEL_ERR_DUPLICATE_CORE') console.error(error.message);
 * }
 * ```
 */
export class DuplicateCoreError extends DieselError {
  /** The copy that loaded first and keeps running. */
  readonly first: CoreInstance;
  /** The copy that refused to load. */
  readonly second: CoreInstance;
  constructor(first: CoreInstance, second: CoreInstance) {
    super(
      'DIESEL_ERR_DUPLICATE_CORE',
      `two copies of @diesel/core are loaded: ${first.version} from ${first.path} and ${second.version} from ${second.path}. ` +
        'An application must have exactly one core, shared by every @diesel package: install one version of @diesel/core ' +
        'in the application, within the peer range of every @diesel package it uses, and dedupe (`npm dedupe` or ' +
        '`pnpm dedupe`; `npm ls @diesel/core` lists the copies).',
    );
    this.first = first;
    this.second = second;
  }
}

const SLOT = Symbol.for('diesel.core');

function packageVersion(): string {
  try {
    // src/ and dist/ both sit one level below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function thisPath(): string {
  const url = new URL(import.meta.url);
  url.search = '';
  url.hash = '';
  return url.protocol === 'file:' ? fileURLToPath(url) : url.href;
}

/** The core this module belongs to. */
const self: CoreInstance = Object.freeze({ path: thisPath(), version: packageVersion() });

const slots = globalThis as { [SLOT]?: CoreInstance };
const loaded = slots[SLOT];
if (loaded === undefined) {
  Object.defineProperty(globalThis, SLOT, { value: self, enumerable: false, configurable: true, writable: false });
} else if (loaded.path !== self.path) {
  throw new DuplicateCoreError(loaded, self);
}

/**
 * The `@diesel/core` that serves this process: the first one loaded.
 *
 * @example
 * ```ts
 * import { loadedCore } from '@diesel/core';
 * console.log(`diesel core ${loadedCore().version} from ${loadedCore().path}`);
 * ```
 */
export function loadedCore(): CoreInstance {
  return slots[SLOT] ?? self;
}
