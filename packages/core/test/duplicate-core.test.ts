/**
 * One core per process: a second physical copy of core's dist refuses to load with
 * DIESEL_ERR_DUPLICATE_CORE naming both copies, while the same files evaluated again (as
 * vitest and watch modes do) load normally and share the option registry. Each case runs
 * in a fresh `node` so the process-wide slot starts empty; needs `build` first (dist/).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const distIndex = pathToFileURL(join(packageDir, 'dist', 'index.js')).href;
let copyDir: string;
let copyIndex: string;

/** Runs an ES module body in a fresh node; it prints one JSON line. */
async function node(body: string): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', body], { cwd: packageDir, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const report = `(error) => console.log(JSON.stringify({ code: error.code, name: error.name, message: error.message, first: error.first, second: error.second }))`;

beforeAll(() => {
  if (!existsSync(join(packageDir, 'dist', 'core-instance.js'))) throw new Error('run the build first: dist/core-instance.js is missing');
  copyDir = realpathSync(mkdtempSync(join(tmpdir(), 'diesel-core-copy-')));
  cpSync(join(packageDir, 'dist'), join(copyDir, 'dist'), { recursive: true });
  cpSync(join(packageDir, 'package.json'), join(copyDir, 'package.json'));
  copyIndex = pathToFileURL(join(copyDir, 'dist', 'index.js')).href;
});

afterAll(() => {
  if (copyDir !== undefined) rmSync(copyDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

describe('a second @diesel/core', () => {
  it('loaded from another path throws DuplicateCoreError naming both paths and the fix', async () => {
    const out = await node(`
      const first = await import(${JSON.stringify(distIndex)});
      await import(${JSON.stringify(copyIndex)}).then(() => console.log('{"loaded":true}'), ${report});
    `);
    expect(out.code).toBe('DIESEL_ERR_DUPLICATE_CORE');
    expect(out.name).toBe('DuplicateCoreError');
    const first = join(packageDir, 'dist', 'core-instance.js');
    const second = join(copyDir, 'dist', 'core-instance.js');
    expect(out.first).toEqual({ path: first, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(out.second).toEqual({ path: second, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(out.message).toContain(first);
    expect(out.message).toContain(second);
    expect(out.message).toMatch(/exactly one core/);
    expect(out.message).toMatch(/dedupe/);
  });

  it('loaded through its testing entry alone is refused too', async () => {
    const out = await node(`
      await import(${JSON.stringify(distIndex)});
      await import(${JSON.stringify(copyIndex.replace(/index\.js$/, 'testing/index.js'))}).then(() => console.log('{"loaded":true}'), ${report});
    `);
    expect(out.code).toBe('DIESEL_ERR_DUPLICATE_CORE');
  });

  it('the same files evaluated again load fine and report the first core', async () => {
    const out = await node(`
      const a = await import(${JSON.stringify(distIndex)});
      const b = await import(${JSON.stringify(`${distIndex}?again`)});
      console.log(JSON.stringify({ distinct: a !== b, same: a.loadedCore().path === b.loadedCore().path, path: b.loadedCore().path }));
    `);
    expect(out).toEqual({ distinct: true, same: true, path: join(packageDir, 'dist', 'core-instance.js') });
  });

  it('an option registered through one evaluation is seen by another, and the hint only shows when none is', async () => {
    const out = await node(`
      const a = await import(${JSON.stringify(distIndex)});
      const b = await import(${JSON.stringify(`${distIndex}?again`)});
      const handler = function* () {};
      let hint = '';
      try { new b.Service(handler, { port: 0, tls: {} }); } catch (error) { hint = error.message; }
      a.registerServiceOption('tls', (h) => h);
      let registered = 'accepted';
      try { new b.Service(handler, { port: 0, tls: {} }); } catch (error) { registered = error.message; }
      console.log(JSON.stringify({ hint, registered }));
    `);
    expect(out.hint).toBe("Service: unknown option 'tls' (import '@diesel/tls' to enable it)");
    expect(out.registered).toBe('accepted');
  });
});
