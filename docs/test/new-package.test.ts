// `pnpm new-package <name>` end to end: scaffolds a throwaway package in a temporary
// copy of this workspace (never in the real one: other builds and tests may be running
// on it) and runs, on that package, every check a real package must pass on its first
// run: install, build, typecheck, lint, test, bench (short) and pack.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const PNPM = ['--yes', 'pnpm@12.4.2'];
const STEP_TIMEOUT_MS = 5 * 60_000;
const NAME = 'scaffold-check';

// The nested vitest and turbo must not believe they run inside this vitest.
// Plain text output, so the assertions below read it.
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST')),
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

interface Result {
  code: number;
  out: string;
}

function run(command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...env, ...extraEnv }, timeout: STEP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

async function ok(command: string, args: string[], cwd: string, extraEnv?: NodeJS.ProcessEnv): Promise<string> {
  const result = await run(command, args, cwd, extraEnv);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.out}`);
  return result.out;
}

let workspace = '';
let pkg = '';

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'diesel-new-package-'));
  // Built dist/ folders come along (core's is needed); installed modules do not.
  cpSync(repo, workspace, {
    recursive: true,
    filter: (source) => {
      const parts = relative(repo, source).split(sep);
      return !parts.some((part) => part === 'node_modules' || part === '.git' || part === '.turbo');
    },
  });
  pkg = join(workspace, 'packages', NAME);
});

afterAll(() => {
  if (workspace !== '') rmSync(workspace, { recursive: true, force: true });
});

describe('pnpm new-package', () => {
  it('refuses bad names with a clear error and creates nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /a package name is required/],
      [['Redis'], /lowercase/],
      [['@diesel/redis'], /without the scope/],
      [['two words'], /no spaces/],
      [['_private'], /cannot start with/],
      [['9lives'], /kebab-case/],
      [['double--dash'], /kebab-case/],
      [['core'], /packages\/core already exists/],
      [['docs'], /@diesel\/docs is already the name of the package in docs\//],
      [['a', 'b'], /one name at a time/],
    ];
    for (const [args, message] of cases) {
      const result = await run('node', ['scripts/new-package.mjs', ...args], workspace);
      expect(result.code, `new-package ${args.join(' ')}`).toBe(2);
      expect(result.out).toMatch(message);
    }
    expect(existsSync(join(workspace, 'packages', 'Redis'))).toBe(false);
  });

  it(
    'scaffolds a package that installs, builds, typechecks, lints, tests, benches and packs',
    async () => {
      const created = await ok('node', ['scripts/new-package.mjs', NAME, '--description', 'a throwaway package'], workspace);
      expect(created).toContain(`created @diesel/${NAME}`);
      expect(readFileSync(join(workspace, '.changeset', `${NAME}-initial.md`), 'utf8')).toContain(`'@diesel/${NAME}': minor`);
      const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
      expect(manifest.peerDependencies['@diesel/core']).toBe('>=0.1.0 <1.0.0');
      expect(manifest.devDependencies['@diesel/core']).toBe('workspace:^');
      const again = await run('node', ['scripts/new-package.mjs', NAME], workspace);
      expect(again.code).toBe(2);
      expect(again.out).toContain(`packages/${NAME} already exists`);

      // The store is warm from the real install, so this only links.
      // CI=true makes pnpm default to a frozen lockfile, which a new package cannot have yet.
      await ok('npx', [...PNPM, 'install', '--prefer-offline', '--no-frozen-lockfile'], workspace);
      expect(readFileSync(join(workspace, 'pnpm-lock.yaml'), 'utf8')).toContain(`packages/${NAME}:`);
      const filter = ['--filter', `@diesel/${NAME}`];
      await ok('npx', [...PNPM, ...filter, 'run', 'build'], workspace);
      expect(existsSync(join(pkg, 'dist', 'index.js'))).toBe(true);
      expect(existsSync(join(pkg, 'dist', 'index.d.ts'))).toBe(true);
      await ok('npx', [...PNPM, ...filter, 'run', 'typecheck'], workspace);
      expect(await ok('npx', [...PNPM, ...filter, 'run', 'lint'], workspace)).toContain('publishable');
      const tests = await ok('npx', [...PNPM, ...filter, 'run', 'test'], workspace);
      expect(tests).toMatch(/Test Files\s+2 passed/);
      expect(tests).toMatch(/Tests\s+\d+ passed/);
      expect(tests).not.toMatch(/\d+ failed/);
      const bench = await ok('npx', [...PNPM, ...filter, 'run', 'bench'], workspace, { BENCH_QUICK: '1' });
      expect(bench).toMatch(/ratio diesel \/ peer \(median rates\): \d+\.\d\d/);
      await ok('npx', [...PNPM, ...filter, 'run', 'examples'], workspace);
      expect(existsSync(join(pkg, 'examples-dist', 'echo.js'))).toBe(true);

      await ok('npx', [...PNPM, 'pack', '--pack-destination', workspace], pkg);
      const tarball = join(workspace, `diesel-${NAME}-0.0.0.tgz`);
      expect(existsSync(tarball)).toBe(true);
      const listing = await ok('tar', ['tzf', tarball], workspace);
      for (const file of ['package/package.json', 'package/README.md', 'package/LICENSE', 'package/dist/index.js', 'package/dist/index.d.ts']) {
        expect(listing).toContain(file);
      }
      expect(listing).not.toContain('package/src/');
      expect(listing).not.toContain('package/test/');
      // What users get: core as a peer over all of 0.x, and no workspace: protocol left.
      const packed = await ok('tar', ['xzf', tarball, '-O', 'package/package.json'], workspace);
      expect(JSON.parse(packed).peerDependencies['@diesel/core']).toBe('>=0.1.0 <1.0.0');
      expect(packed).not.toContain('workspace:');
    },
    30 * 60_000,
  );
});
